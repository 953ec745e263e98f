/**
 * Speed measurements behind `spikeloco bench env`: env steps (observations included) vs the same Rapier
 * world stepped bare, vs MuJoCo WASM on the same robot (walking and standing; each engine at its own
 * defaults, and both at a matched physics dt), with each engine's contact work (contacts per step, airborne
 * fraction) beside its speed; the env's cached-gravity stepping vs World.step(); one shared world vs
 * separate worlds. Rounds are interleaved (every scenario once per round), timed in process CPU time, and
 * the median is reported, because the machine is shared and noisy.
 */
import type { BuiltRobot } from "../physics/builder.ts";
import { createMujocoPeer, MUJOCO_DEFAULTS, type MujocoPeer } from "./mujoco-peer.ts";
import { loadRapier, rapierVersion, RAPIER_PACKAGE } from "../physics/rapier.ts";
import type { World } from "../physics/rapier.ts";
import type { TerrainSpec } from "../physics/terrain.ts";
import type { Conditions } from "../env/conditions.ts";
import { sampleConditions } from "../env/conditions.ts";
import { Rng } from "../core/rng.ts";
import { sinusoidalGait } from "../env/gait.ts";
import { envDefinition, makeVecEnv } from "../../envs/index.ts";
import type { VecEnv } from "../env/vec.ts";
import { LocomotionEnv } from "../env/locomotion.ts";
import { resolveOptions, type EnvOptions } from "../env/options.ts";
import type { RobotDescription } from "../physics/robot.ts";

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
  /** Physics step of the `matched` comparison (both engines; default MuJoCo's own 0.01 s). */
  matchedDt?: number;
  onProgress?: (message: string) => void;
}

/** One engine in one scenario: its settings, its speed, and how much contact work it did. */
export interface EngineRow {
  physics_dt: number;
  substeps: number;
  /** Rapier's solver iterations per physics step; null for MuJoCo (its default Newton solver, default iterations). */
  solver_iterations: number | null;
  control_steps_per_s: number;
  physics_steps_per_s: number;
  /** Robot-ground contact points (distance <= 0) after a physics step, averaged over the control steps of a sample run. */
  contacts_per_step: number;
  /** Fraction of those samples with no robot-ground contact at all. */
  airborne_fraction: number;
  /** Torso height at the end of the sample run (m): a diverged or collapsed engine shows here. */
  final_torso_height: number;
}

export interface EngineComparison {
  rapier: EngineRow;
  mujoco: EngineRow | null;
  /** Rapier control steps per CPU second over MuJoCo's (null without the MuJoCo peer). */
  vs_mujoco: number | null;
}

export interface EnvBenchResult {
  env: string;
  /** The env version measured (Rapier at its defaults). */
  version: string;
  terrain: string;
  control_steps: number;
  substeps: number;
  rounds: number;
  steps_per_s: number;
  physics_steps_per_s: number;
  raw_physics_steps_per_s: number;
  overhead_ratio: number;
  /** MuJoCo physics steps per CPU second at its defaults (walking). */
  mujoco_wasm_steps_per_s: number | null;
  /** Walking, each engine at its defaults: Rapier env control steps/s over MuJoCo control steps/s. */
  vs_mujoco: number | null;
  /** Walking, each engine at its defaults (Rapier: the env version; MuJoCo: MUJOCO_DEFAULTS). */
  engines: EngineComparison;
  /** Zero action, each engine at its defaults. */
  standing: EngineComparison;
  /** Walking and standing with both engines at the same physics dt and substeps (each engine's default solver settings). */
  matched: { physics_dt: number; substeps: number; walking: EngineComparison; standing: EngineComparison };
  /** The env stepped through World.step() (a raw gravity vector allocated per call) vs the cached one, walking. */
  cached_gravity: { cached_steps_per_s: number; world_step_steps_per_s: number; speedup: number };
  mujoco_defaults: { physics_dt: number; substeps: number; integrator: string; solver: string } | null;
  /**
   * Lockstep (`vec` robots): a lockstep VecEnv vs one of separate worlds, robot control steps per CPU second;
   * `shared` is the fewest copies that shared a world (0 off flat ground), `bitwise_equal` whether both stayed equal.
   */
  vec?: { robots: number; shared: number; shared_world_robot_steps_per_s: number; separate_worlds_robot_steps_per_s: number; shared_over_separate: number; bitwise_equal: boolean };
  rapier: string;
  solver_iterations: number;
  notes: string[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
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

type Drive = (step: number, action: Float32Array) => Float32Array;

/** Robot-ground contact points (distance <= 0) of a Rapier world; robots do not self-collide, so every pair is with the ground. */
function rapierContacts(world: World, robot: BuiltRobot): number {
  let n = 0;
  for (const cs of robot.colliders) {
    for (const c of cs) {
      world.contactPairsWith(c, (other) => {
        world.contactPair(c, other, (m) => {
          const k = m.numContacts();
          for (let i = 0; i < k; i++) if (m.contactDist(i) <= 0) n++;
        });
      });
    }
  }
  return n;
}

interface Stepper {
  reset(seed: number): void;
  /** One control step driven by `drive` at control step `k`. */
  step(k: number): void;
  contacts(): number;
  torsoHeight(): number;
  close(): void;
}

function envStepper(env: LocomotionEnv, drive: Drive): Stepper {
  const action = new Float32Array(env.actionSpace.shape[0]);
  let height = NaN;
  return {
    reset: (seed) => void env.reset({ seed }),
    step: (k) => void (height = env.step(drive(k, action)).info.torsoHeight),
    contacts: () => rapierContacts(env.physics.world, env.physics.robot),
    torsoHeight: () => height,
    close: () => env.close(),
  };
}

function mujocoStepper(peer: MujocoPeer, robot: RobotDescription, substeps: number, drive: Drive): Stepper {
  const action = new Float32Array(robot.joints.length);
  const targets = new Float64Array(robot.joints.length);
  const joints = robot.joints;
  return {
    reset: () => peer.reset(),
    step: (k) => {
      drive(k, action);
      for (let j = 0; j < joints.length; j++) {
        const lim = joints[j]!.limits;
        targets[j] = (lim[0] + lim[1]) / 2 + (action[j]! * (lim[1] - lim[0])) / 2;
      }
      peer.setTargets(targets);
      peer.step(substeps);
    },
    contacts: () => peer.contacts(),
    torsoHeight: () => peer.torsoPosition()[2],
    close: () => peer.close(),
  };
}

/** Contacts and airborne fraction over `steps` control steps (untimed, so counting does not cost the timed runs). */
function sampleContacts(s: Stepper, steps: number): { contacts_per_step: number; airborne_fraction: number; final_torso_height: number } {
  s.reset(0);
  let total = 0;
  let airborne = 0;
  for (let k = 0; k < steps; k++) {
    s.step(k);
    const c = s.contacts();
    total += c;
    if (c === 0) airborne++;
  }
  return { contacts_per_step: round3(total / steps), airborne_fraction: round3(airborne / steps), final_torso_height: round3(s.torsoHeight()) };
}

/**
 * A/B in alternating chunks of 50 control steps (the order flips every chunk), the same episode for both:
 * control steps per CPU second of each over `steps` steps, after `warm` untimed ones.
 */
function abInterleaved(a: Stepper, b: Stepper, steps: number, warm: number): { a: number; b: number } {
  const chunk = 50;
  let ta = 0;
  let tb = 0;
  let done = 0;
  let k = 0;
  let episode = 0;
  a.reset(episode);
  b.reset(episode);
  for (let i = 0; i < warm; i++, k++) {
    a.step(k);
    b.step(k);
  }
  while (done < steps) {
    const n = Math.min(chunk, steps - done);
    const run = (s: Stepper, k0: number) => timeIt(() => {
      for (let i = 0; i < n; i++) s.step(k0 + i);
    });
    if ((done / chunk) % 2 === 0) {
      ta += run(a, k);
      tb += run(b, k);
    } else {
      tb += run(b, k);
      ta += run(a, k);
    }
    k += n;
    done += n;
    if (k >= 2000) {
      // a fresh episode now and then, so a long run does not walk off the course
      k = 0;
      a.reset(++episode);
      b.reset(episode);
    }
  }
  a.close();
  b.close();
  return { a: steps / ta, b: steps / tb };
}

interface Timed {
  name: string;
  stepper: Stepper;
  rates: number[];
}

export async function benchEnv(o: EnvBenchOptions): Promise<EnvBenchResult> {
  const progress = o.onProgress ?? (() => {});
  const terrainSpec = sampleConditions({ terrain: o.terrain }, new Rng(0)).terrain as TerrainSpec;
  const def = envDefinition(o.env);
  const R = await loadRapier();
  const envOptions = {
    maxSteps: 1_000_000,
    terminateWhenUnhealthy: false,
    conditions: { terrain: o.terrain },
    ...(o.solverIterations ? { solverIterations: o.solverIterations } : {}),
  };
  const makeLocal = (extra: Partial<EnvOptions>, internals: { rapierStep?: boolean } = {}) => new LocomotionEnv(R, def, resolveOptions(def.defaults, { ...envOptions, ...extra }), internals);
  const env = makeLocal({});
  const substeps = Math.round(env.controlDt / env.physicsDt);
  const controlDt = env.controlDt;
  const gait = sinusoidalGait(env.robot);
  const walk: Drive = (k, a) => gait.action((k % 1000) * controlDt, a);
  const stand: Drive = (_k, a) => a.fill(0);
  const nAct = env.actionSpace.shape[0];
  const action = new Float32Array(nAct);
  const targets = new Float64Array(nAct);
  const toTargets = () => {
    env.robot.joints.forEach((j, i) => (targets[i] = (j.limits[0] + j.limits[1]) / 2 + (action[i]! * (j.limits[1] - j.limits[0])) / 2));
  };

  const matchedDt = o.matchedDt ?? MUJOCO_DEFAULTS.physicsDt;
  const matchedSubsteps = Math.round(controlDt / matchedDt);
  const notes: string[] = [];
  const flat = terrainSpec.kind === "flat";
  const spawn = env.robot.spawnHeight + 0.002;
  const usePeer = o.mujoco && flat;
  if (o.mujoco && !flat) notes.push("MuJoCo peer runs on flat ground only (its MJCF has a plane); mujoco fields are null for other terrains");
  const peer = async (dt: number) => (usePeer ? createMujocoPeer(env.robot, dt, spawn) : null);
  const mjDefaultWalk = await peer(MUJOCO_DEFAULTS.physicsDt);
  const mjDefaultStand = await peer(MUJOCO_DEFAULTS.physicsDt);
  const mjMatchedWalk = await peer(matchedDt);
  const mjMatchedStand = await peer(matchedDt);
  // Rapier at the matched dt keeps its own default solver iterations (4), as MuJoCo keeps its default solver
  const matchedRapier = { physicsDt: matchedDt, solverIterations: 4 };

  const rapierWalk = envStepper(env, walk);
  const timed = {
    walk: { name: "rapier walking", stepper: rapierWalk, rates: [] as number[] },
    mjWalk: mjDefaultWalk && { name: "mujoco walking", stepper: mujocoStepper(mjDefaultWalk, env.robot, MUJOCO_DEFAULTS.substeps, walk), rates: [] as number[] },
    stand: { name: "rapier standing", stepper: envStepper(makeLocal({}), stand), rates: [] as number[] },
    mjStand: mjDefaultStand && { name: "mujoco standing", stepper: mujocoStepper(mjDefaultStand, env.robot, MUJOCO_DEFAULTS.substeps, stand), rates: [] as number[] },
    mWalk: { name: "rapier matched walking", stepper: envStepper(makeLocal(matchedRapier), walk), rates: [] as number[] },
    mjMWalk: mjMatchedWalk && { name: "mujoco matched walking", stepper: mujocoStepper(mjMatchedWalk, env.robot, matchedSubsteps, walk), rates: [] as number[] },
    mStand: { name: "rapier matched standing", stepper: envStepper(makeLocal(matchedRapier), stand), rates: [] as number[] },
    mjMStand: mjMatchedStand && { name: "mujoco matched standing", stepper: mujocoStepper(mjMatchedStand, env.robot, matchedSubsteps, stand), rates: [] as number[] },
  };
  // matched at MuJoCo's own dt is the same MuJoCo run as its defaults: measured once
  const sameMujoco = matchedDt === MUJOCO_DEFAULTS.physicsDt;
  if (sameMujoco) {
    timed.mjMWalk?.stepper.close();
    timed.mjMStand?.stepper.close();
    timed.mjMWalk = timed.mjWalk;
    timed.mjMStand = timed.mjStand;
  }
  const all: Timed[] = [...new Set(Object.values(timed))].filter((t): t is Timed => t !== null);

  const rawRates: number[] = [];
  const warm = Math.min(200, o.steps);
  for (let round = 0; round < o.rounds + 1; round++) {
    const measured = round > 0; // round 0 warms up the JIT and the WASM tiers
    // every engine and scenario once per round, in the same order: load hits all alike
    for (const t of all) {
      t.stepper.reset(round);
      let k = 0;
      for (let i = 0; i < warm; i++) t.stepper.step(k++);
      const secs = timeIt(() => {
        for (let i = 0; i < o.steps; i++) t.stepper.step(k++);
      });
      if (measured) t.rates.push(o.steps / secs);
    }
    // The bare loop drives the motors with the same gait targets (setter calls per control step), so
    // both loops simulate the same motion and the ratio isolates the env's own overhead.
    const { world, robot } = env.physics;
    const joints = robot.joints;
    const jd = env.robot.joints;
    let k = 0;
    const rawTime = timeIt(() => {
      for (let i = 0; i < o.steps; i++) {
        walk(k++, action);
        toTargets();
        for (let j = 0; j < nAct; j++) joints[j]!.configureMotorPosition(targets[j]!, jd[j]!.kp, jd[j]!.kd);
        for (let s = 0; s < substeps; s++) world.step();
      }
    });
    if (measured) {
      rawRates.push((o.steps * substeps) / rawTime);
      progress(`round ${round}/${o.rounds}: ${all.map((t) => `${t.name} ${t.rates.at(-1)!.toFixed(0)}`).join(", ")} control steps/s; raw ${rawRates.at(-1)!.toFixed(0)} physics steps/s`);
    }
  }

  const sampleSteps = Math.max(20, Math.min(o.steps, 400));
  const row = (t: Timed, dt: number, subs: number, iterations: number | null): EngineRow => {
    const rate = median(t.rates);
    return { physics_dt: dt, substeps: subs, solver_iterations: iterations, control_steps_per_s: round1(rate), physics_steps_per_s: round1(rate * subs), ...sampleContacts(t.stepper, sampleSteps) };
  };
  const compare = (r: EngineRow, m: EngineRow | null): EngineComparison => ({ rapier: r, mujoco: m, vs_mujoco: m ? round3(r.control_steps_per_s / m.control_steps_per_s) : null });
  const iterations = env.solverIterations;
  const md = MUJOCO_DEFAULTS;
  const engines = compare(row(timed.walk, env.physicsDt, substeps, iterations), timed.mjWalk && row(timed.mjWalk, md.physicsDt, md.substeps, null));
  const standing = compare(row(timed.stand, env.physicsDt, substeps, iterations), timed.mjStand && row(timed.mjStand, md.physicsDt, md.substeps, null));
  const matched = {
    physics_dt: matchedDt,
    substeps: matchedSubsteps,
    walking: compare(row(timed.mWalk, matchedDt, matchedSubsteps, matchedRapier.solverIterations), timed.mjMWalk && row(timed.mjMWalk, matchedDt, matchedSubsteps, null)),
    standing: compare(row(timed.mStand, matchedDt, matchedSubsteps, matchedRapier.solverIterations), timed.mjMStand && row(timed.mjMStand, matchedDt, matchedSubsteps, null)),
  };
  for (const [name, c] of [["walking", engines], ["standing", standing], ["matched walking", matched.walking], ["matched standing", matched.standing]] as const) {
    const m = c.mujoco;
    if (m && !(m.final_torso_height > 0.5 * env.robot.spawnHeight)) notes.push(`MuJoCo ${name}: torso at ${m.final_torso_height} m after the sample run (diverged or collapsed); its speed is not comparable`);
  }
  const stepsPerS = median(timed.walk.rates);
  const physics = stepsPerS * substeps;
  const raw = median(rawRates);
  const gravity = abInterleaved(envStepper(makeLocal({}), walk), envStepper(makeLocal({}, { rapierStep: true }), walk), o.steps * o.rounds, warm);
  progress(`cached gravity: ${gravity.a.toFixed(0)} vs World.step() ${gravity.b.toFixed(0)} control steps/s (x${(gravity.a / gravity.b).toFixed(3)})`);
  const result: EnvBenchResult = {
    env: o.env,
    version: env.version,
    terrain: terrainSpec.kind,
    control_steps: o.steps,
    substeps,
    rounds: o.rounds,
    steps_per_s: round1(stepsPerS),
    physics_steps_per_s: round1(physics),
    raw_physics_steps_per_s: round1(raw),
    overhead_ratio: round3(physics / raw),
    mujoco_wasm_steps_per_s: engines.mujoco ? engines.mujoco.physics_steps_per_s : null,
    vs_mujoco: engines.vs_mujoco,
    engines,
    standing,
    matched,
    cached_gravity: { cached_steps_per_s: round1(gravity.a), world_step_steps_per_s: round1(gravity.b), speedup: round3(gravity.a / gravity.b) },
    mujoco_defaults: usePeer ? { physics_dt: md.physicsDt, substeps: md.substeps, integrator: "implicitfast", solver: "Newton (MuJoCo default)" } : null,
    rapier: `${RAPIER_PACKAGE}@${rapierVersion()}`,
    solver_iterations: iterations,
    notes,
  };
  for (const t of all) t.stepper.close();
  if (o.vec > 0) result.vec = await benchSharedWorld(o, progress);
  return result;
}

/**
 * Lockstep: a VecEnv of N copies sharing one world vs N copies in their own worlds (env steps, observations
 * included), the same gait from the same seeds, in alternating chunks; the two must stay bitwise equal.
 */
async function benchSharedWorld(o: EnvBenchOptions, progress: (m: string) => void): Promise<NonNullable<EnvBenchResult["vec"]>> {
  const n = o.vec;
  const options = { maxSteps: 1_000_000, terminateWhenUnhealthy: false, conditions: { terrain: o.terrain }, ...(o.solverIterations ? { solverIterations: o.solverIterations } : {}) };
  const shared = await makeVecEnv(o.env, n, options, { lockstep: true });
  const separate = await makeVecEnv(o.env, n, options);
  const gait = sinusoidalGait(shared.envs[0]!.robot);
  const nAct = shared.actionSpace.shape[0];
  const one = new Float32Array(nAct);
  const actions = new Float32Array(n * nAct);
  const controlDt = shared.controlDt;
  const chunk = 50;
  const steps = Math.max(chunk, Math.round((o.steps * o.rounds) / n / chunk) * chunk);
  let tShared = 0;
  let tSep = 0;
  let equal = true;
  let k = 0;
  let episode = 0;
  let sharedCount = n;
  const reset = () => {
    shared.reset({ seed: episode });
    separate.reset({ seed: episode });
    episode++;
    k = 0;
  };
  const run = (v: VecEnv, k0: number) =>
    timeIt(() => {
      for (let i = 0; i < chunk; i++) {
        gait.action((k0 + i) * controlDt, one);
        for (let j = 0; j < n; j++) actions.set(one, j * nAct);
        v.step(actions);
      }
    });
  reset();
  for (let i = 0; i < chunk; i++) {
    gait.action(i * controlDt, one);
    for (let j = 0; j < n; j++) actions.set(one, j * nAct);
    shared.step(actions);
    separate.step(actions);
  }
  k = chunk;
  for (let done = 0, c = 0; done < steps; done += chunk, c++) {
    if (c % 2 === 0) {
      tShared += run(shared, k);
      tSep += run(separate, k);
    } else {
      tSep += run(separate, k);
      tShared += run(shared, k);
    }
    k += chunk;
    sharedCount = Math.min(sharedCount, shared.sharedCount);
    const a = shared.step(actions.fill(0)).obs;
    const b = separate.step(actions).obs;
    equal &&= Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    k++;
    if (k >= 1000) reset();
  }
  shared.close();
  separate.close();
  const a = (n * steps) / tShared;
  const b = (n * steps) / tSep;
  progress(`lockstep ${n} robots: shared world ${a.toFixed(0)} vs separate worlds ${b.toFixed(0)} robot control steps/s (x${(a / b).toFixed(3)}, ${sharedCount} sharing, bitwise ${equal})`);
  return { robots: n, shared: sharedCount, shared_world_robot_steps_per_s: round1(a), separate_worlds_robot_steps_per_s: round1(b), shared_over_separate: round3(a / b), bitwise_equal: equal };
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round3 = (v: number) => Math.round(v * 1000) / 1000;
