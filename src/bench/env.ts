/**
 * Speed measurements behind `spikeloco bench env`: env steps (observations included) vs the same Rapier
 * world stepped bare, vs MuJoCo WASM on the same robot, and one shared world vs separate worlds.
 * Rounds are interleaved (env, raw, mujoco, env, ...), timed in process CPU time, and the median is
 * reported, because the machine is shared and noisy.
 */
import type { BuiltRobot } from "../physics/builder.ts";
import { buildRobot, forwardKinematics } from "../physics/builder.ts";
import { createMujocoPeer } from "./mujoco-peer.ts";
import { loadRapier, rapierVersion, RAPIER_PACKAGE } from "../physics/rapier.ts";
import type { World } from "../physics/rapier.ts";
import { buildTerrain, describeTerrain, maxHeightNear } from "../physics/terrain.ts";
import type { TerrainSpec } from "../physics/terrain.ts";
import type { Conditions } from "../env/conditions.ts";
import { sampleConditions } from "../env/conditions.ts";
import { Rng } from "../core/rng.ts";
import { sinusoidalGait } from "../env/gait.ts";
import { envDefinition, makeEnv } from "../../envs/index.ts";
import type { LocomotionEnv } from "../env/locomotion.ts";

export interface EnvBenchOptions {
  env: string;
  terrain: NonNullable<Conditions["terrain"]>;
  /** Control steps per timed round. */
  steps: number;
  rounds: number;
  solverIterations?: number;
  /** Robots for the shared-world vs separate-worlds comparison (0 = skip). */
  vec: number;
  mujoco: boolean;
  onProgress?: (message: string) => void;
}

export interface EnvBenchResult {
  env: string;
  terrain: string;
  control_steps: number;
  substeps: number;
  rounds: number;
  steps_per_s: number;
  physics_steps_per_s: number;
  raw_physics_steps_per_s: number;
  overhead_ratio: number;
  mujoco_wasm_steps_per_s: number | null;
  vs_mujoco: number | null;
  vec?: { robots: number; shared_world_robot_steps_per_s: number; separate_worlds_robot_steps_per_s: number; shared_over_separate: number };
  rapier: string;
  solver_iterations: number;
  notes: string[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Seconds of CPU time used by this process while running `fn` (user + system). CPU time rather than
 * wall time, because on a shared machine the wall clock mostly measures other people's load.
 */
function timeIt(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

export async function benchEnv(o: EnvBenchOptions): Promise<EnvBenchResult> {
  const progress = o.onProgress ?? (() => {});
  const terrainSpec = sampleConditions({ terrain: o.terrain }, new Rng(0)).terrain as TerrainSpec;
  const env = await makeEnv(o.env, {
    maxSteps: 1_000_000,
    terminateWhenUnhealthy: false,
    conditions: { terrain: o.terrain },
    ...(o.solverIterations ? { solverIterations: o.solverIterations } : {}),
  });
  const def = envDefinition(o.env);
  const substeps = Math.round(env.controlDt / def.defaults.physicsDt);
  const gait = sinusoidalGait(env.robot);
  const nAct = env.actionSpace.shape[0];
  const action = new Float32Array(nAct);
  const targets = new Float64Array(nAct);
  const toTargets = () => {
    env.robot.joints.forEach((j, i) => (targets[i] = (j.limits[0] + j.limits[1]) / 2 + (action[i] * (j.limits[1] - j.limits[0])) / 2));
  };

  const peer = o.mujoco && terrainSpec.kind === "flat" ? await createMujocoPeer(env.robot, def.defaults.physicsDt, env.robot.spawnHeight + 0.002) : undefined;
  const notes: string[] = [];
  if (o.mujoco && !peer) notes.push("MuJoCo peer runs on flat ground only (its MJCF has a plane); mujoco fields are null for other terrains");

  const envRates: number[] = [];
  const rawRates: number[] = [];
  const mjRates: number[] = [];
  let t = 0;
  const warm = Math.min(200, o.steps);
  for (let round = 0; round < o.rounds + 1; round++) {
    const measured = round > 0; // round 0 warms up the JIT and the WASM tiers
    env.reset({ seed: round });
    for (let i = 0; i < warm; i++) env.step(gait.action((t++ % 1000) * env.controlDt, action));
    const envTime = timeIt(() => {
      for (let i = 0; i < o.steps; i++) env.step(gait.action((t++ % 1000) * env.controlDt, action));
    });
    // The bare loop drives the motors with the same gait targets (8 setter calls per control step), so
    // both loops simulate the same motion and the ratio isolates the env's own overhead.
    const { world, robot } = env.physics;
    const joints = robot.joints;
    const jd = env.robot.joints;
    const rawTime = timeIt(() => {
      for (let i = 0; i < o.steps; i++) {
        gait.action((t++ % 1000) * env.controlDt, action);
        toTargets();
        for (let j = 0; j < nAct; j++) joints[j].configureMotorPosition(targets[j], jd[j].kp, jd[j].kd);
        for (let s = 0; s < substeps; s++) world.step();
      }
    });
    let mjTime = NaN;
    if (peer) {
      let k = 0;
      mjTime = timeIt(() => {
        for (let i = 0; i < o.steps; i++) {
          gait.action((k++ % 1000) * env.controlDt, action);
          toTargets();
          peer.setTargets(targets);
          peer.step(substeps);
        }
      });
    }
    if (measured) {
      envRates.push(o.steps / envTime);
      rawRates.push((o.steps * substeps) / rawTime);
      if (peer) mjRates.push((o.steps * substeps) / mjTime);
      progress(`round ${round}/${o.rounds}: env ${((o.steps * substeps) / envTime).toFixed(0)} physics steps/s, raw ${((o.steps * substeps) / rawTime).toFixed(0)}${peer ? `, mujoco ${((o.steps * substeps) / mjTime).toFixed(0)}` : ""}`);
    }
  }
  peer?.close();

  const stepsPerS = median(envRates);
  const physics = stepsPerS * substeps;
  const raw = median(rawRates);
  const mj = peer ? median(mjRates) : null;
  const result: EnvBenchResult = {
    env: o.env,
    terrain: terrainSpec.kind,
    control_steps: o.steps,
    substeps,
    rounds: o.rounds,
    steps_per_s: round1(stepsPerS),
    physics_steps_per_s: round1(physics),
    raw_physics_steps_per_s: round1(raw),
    overhead_ratio: round3(physics / raw),
    mujoco_wasm_steps_per_s: mj === null ? null : round1(mj),
    vs_mujoco: mj === null ? null : round3(physics / mj),
    rapier: `${RAPIER_PACKAGE}@${rapierVersion()}`,
    solver_iterations: env.physics.world.integrationParameters.numSolverIterations,
    notes,
  };
  env.close();
  if (o.vec > 0) result.vec = await benchSharedWorld(o, terrainSpec, progress);
  return result;
}

/** N robots in one world (collision groups) vs N envs' own worlds; bare physics stepping, same gait. */
async function benchSharedWorld(o: EnvBenchOptions, terrainSpec: TerrainSpec, progress: (m: string) => void): Promise<NonNullable<EnvBenchResult["vec"]>> {
  const R = await loadRapier();
  const def = envDefinition(o.env);
  const n = o.vec;
  const dt = def.defaults.physicsDt;
  const substeps = Math.round(def.defaults.controlDt / dt);
  const iterations = o.solverIterations ?? def.defaults.solverIterations;
  const gait = sinusoidalGait(def.robot);
  const action = new Float32Array(def.robot.joints.length);

  const shared = new R.World({ x: 0, y: 0, z: def.defaults.gravity });
  shared.timestep = dt;
  shared.integrationParameters.numSolverIterations = iterations;
  const terrain = describeTerrain(terrainSpec, 1);
  buildTerrain(R, shared, terrain, 1);
  const side = Math.ceil(Math.sqrt(n));
  const robots: BuiltRobot[] = [];
  for (let i = 0; i < n; i++) {
    const x = (i % side) * 1.5 - 2;
    const y = Math.floor(i / side) * 1.5 - ((side - 1) * 1.5) / 2;
    const z = def.robot.spawnHeight + maxHeightNear(terrain, x, y, 0.8) + 0.01;
    robots.push(buildRobot(R, shared, def.robot, forwardKinematics(def.robot, [x, y, z], [0, 0, 0, 1], new Array(action.length).fill(0))));
  }
  const separate: LocomotionEnv[] = [];
  for (let i = 0; i < n; i++) {
    const e = await makeEnv(o.env, { conditions: { terrain: o.terrain }, resetNoiseScale: 0, solverIterations: iterations });
    e.reset({ seed: i });
    separate.push(e);
  }
  const drive = (rs: BuiltRobot[], step: number) => {
    gait.action(step * def.defaults.controlDt, action);
    for (const r of rs)
      def.robot.joints.forEach((j, k) => r.joints[k].configureMotorPosition((j.limits[0] + j.limits[1]) / 2 + (action[k] * (j.limits[1] - j.limits[0])) / 2, j.kp, j.kd));
  };
  const worlds: World[] = separate.map((e) => e.physics.world);
  const separateRobots = separate.map((e) => e.physics.robot);
  const controlSteps = Math.max(50, Math.round(o.steps / n));
  const sharedRates: number[] = [];
  const sepRates: number[] = [];
  for (let round = 0; round < o.rounds + 1; round++) {
    let step = 0;
    const tShared = timeIt(() => {
      for (let c = 0; c < controlSteps; c++) {
        drive(robots, step++);
        for (let s = 0; s < substeps; s++) shared.step();
      }
    });
    step = 0;
    const tSep = timeIt(() => {
      for (let c = 0; c < controlSteps; c++) {
        drive(separateRobots, step++);
        for (let s = 0; s < substeps; s++) for (const w of worlds) w.step();
      }
    });
    if (round > 0) {
      sharedRates.push((n * controlSteps * substeps) / tShared);
      sepRates.push((n * controlSteps * substeps) / tSep);
      progress(`vec round ${round}/${o.rounds}: shared world ${sharedRates.at(-1)!.toFixed(0)} robot-steps/s, separate worlds ${sepRates.at(-1)!.toFixed(0)}`);
    }
  }
  shared.free();
  for (const e of separate) e.close();
  const a = median(sharedRates);
  const b = median(sepRates);
  return { robots: n, shared_world_robot_steps_per_s: round1(a), separate_worlds_robot_steps_per_s: round1(b), shared_over_separate: round3(a / b) };
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round3 = (v: number) => Math.round(v * 1000) / 1000;
