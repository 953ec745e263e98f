/**
 * `spikeloco bench physics`: physics settings (step, solver iterations) as throughput against fidelity, on
 * the same robot, side by side in one process. Fidelity is measured against the finest setting in the run:
 * standing height and creep under zero action, the scripted gait's speed and return, and sliding distance
 * after a sideways push on ice against the Coulomb block estimate v0^2 / (2 mu g). This is the evidence an
 * env version's physics defaults are chosen from (the table goes into the env docs).
 */
import { envDefinition, makeEnv } from "../../envs/index.ts";
import { sinusoidalGait } from "../env/gait.ts";
import type { LocomotionEnv } from "../env/locomotion.ts";

export interface PhysicsSetting {
  physicsDt: number;
  solverIterations: number;
}

export interface PhysicsBenchOptions {
  env: string;
  settings: PhysicsSetting[];
  /** Seeds of the scripted-gait episodes. */
  seeds: number;
  /** Control steps per episode. */
  steps: number;
  /** Interleaved timing rounds (median reported). */
  rounds: number;
  onProgress?: (message: string) => void;
}

export interface PhysicsRow extends PhysicsSetting {
  substeps: number;
  /** CPU microseconds per control step of the walking robot (median over rounds). */
  us_per_control_step: number;
  /** Control steps per CPU second relative to the first setting. */
  speedup: number;
  stand_height_mean: number;
  stand_height_min: number;
  /** Horizontal torso drift over the standing episode (m). */
  stand_creep: number;
  gait_speed: number;
  gait_return: number;
  /** Sideways slide on mu = 0.1 after a push, over v0^2 / (2 mu g). */
  slip_over_coulomb: number;
  unstable: boolean;
}

export interface PhysicsBenchResult {
  env: string;
  control_dt: number;
  seeds: number;
  steps: number;
  rows: PhysicsRow[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuSeconds = (fn: () => void) => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export async function benchPhysics(o: PhysicsBenchOptions): Promise<PhysicsBenchResult> {
  const progress = o.onProgress ?? (() => {});
  const def = envDefinition(o.env);
  const controlDt = def.defaults.controlDt;
  const envs: LocomotionEnv[] = [];
  for (const s of o.settings) envs.push(await makeEnv(o.env, { physicsDt: s.physicsDt, solverIterations: s.solverIterations, maxSteps: o.steps, terminateWhenUnhealthy: false }));
  const nAct = envs[0]!.actionSpace.shape[0]!;
  const gait = sinusoidalGait(envs[0]!.robot);
  const action = new Float32Array(nAct);

  // timing: the same walking episode under every setting, rounds interleaved so load hits all alike
  const times: number[][] = o.settings.map(() => []);
  for (let r = 0; r < o.rounds + 1; r++) {
    envs.forEach((env, i) => {
      env.reset({ seed: r });
      const t = cpuSeconds(() => {
        for (let k = 0; k < o.steps; k++) env.step(gait.action(k * controlDt, action));
      });
      if (r > 0) times[i]!.push((t / o.steps) * 1e6);
    });
    progress(`timing round ${r}/${o.rounds}`);
  }

  const rows: PhysicsRow[] = [];
  for (let i = 0; i < envs.length; i++) {
    const env = envs[i]!;
    const s = o.settings[i]!;
    let unstable = false;
    // standing under zero action
    action.fill(0);
    env.reset({ seed: 0 });
    const x0 = env.bodyPoses().slice(0, 3);
    let sum = 0, n = 0, min = Infinity;
    for (let k = 0; k < o.steps; k++) {
      const { info } = env.step(action);
      const z = env.bodyPoses()[2]!;
      if (!Number.isFinite(z) || info.nonFiniteAction) unstable = true;
      if (k >= 100) { sum += z; n++; min = Math.min(min, z); }
    }
    const x1 = env.bodyPoses();
    const creep = Math.hypot(x1[0]! - x0[0]!, x1[1]! - x0[1]!);
    // scripted gait
    let speed = 0, ret = 0;
    for (let seed = 0; seed < o.seeds; seed++) {
      env.reset({ seed });
      const xs = env.bodyPoses()[0]!;
      for (let k = 0; k < o.steps; k++) ret += env.step(gait.action(k * controlDt, action)).reward;
      speed += (env.bodyPoses()[0]! - xs) / (o.steps * controlDt);
    }
    rows.push({
      ...s,
      substeps: Math.round(controlDt / s.physicsDt),
      us_per_control_step: round(median(times[i]!), 1),
      speedup: round(median(times[0]!) / median(times[i]!), 3),
      stand_height_mean: round(sum / n, 4),
      stand_height_min: round(min, 4),
      stand_creep: round(creep, 3),
      gait_speed: round(speed / o.seeds, 3),
      gait_return: round(ret / o.seeds, 1),
      slip_over_coulomb: round(await slipRatio(o.env, s), 3),
      unstable: unstable || !Number.isFinite(sum),
    });
    progress(`${s.physicsDt} s x ${s.solverIterations} iterations done`);
  }
  for (const env of envs) env.close();
  return { env: o.env, control_dt: controlDt, seeds: o.seeds, steps: o.steps, rows };
}

/** Mean sideways foot slide after a push on mu = 0.1, over the Coulomb block estimate. */
async function slipRatio(id: string, s: PhysicsSetting): Promise<number> {
  const mu = 0.1;
  const impulse = 0.8;
  const env = await makeEnv(id, { physicsDt: s.physicsDt, solverIterations: s.solverIterations, resetNoiseScale: 0, terminateWhenUnhealthy: false, conditions: { friction: mu } });
  env.reset({ seed: 5 });
  const a = new Float32Array(env.actionSpace.shape[0]!);
  for (let t = 0; t < 21; t++) env.step(a);
  const y0 = env.bodyPoses()[1]!;
  env.applyPush([0, impulse, 0]);
  for (let t = 0; t < 30; t++) env.step(a);
  const dy = env.bodyPoses()[1]! - y0;
  const mass = env.physics.robot.bodies.reduce((m, b) => m + b.mass(), 0);
  const v0 = impulse / mass;
  env.close();
  return dy / ((v0 * v0) / (2 * mu * 9.81));
}
