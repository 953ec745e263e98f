/**
 * Adapter from an env-layer locomotion env (src/env, Gymnasium semantics) to the e-prop EpisodicTask.
 * Optionally appends a clock (sin, cos of 2 pi f t, t = control steps * controlDt) to the observation,
 * the same for every episode, so a controller can time a rhythmic gait.
 */
import type { Env } from "../../env/types.ts";
import type { EpisodicTask } from "./actor-critic.ts";

export class EnvTask implements EpisodicTask {
  readonly obsDim: number;
  readonly actDim: number;
  readonly env: Env;
  /** Forward distance covered in the current episode (integrated forward velocity). */
  distance = 0;
  /** Steps in the current episode with the torso inside the env's healthy height range. */
  healthySteps = 0;
  steps = 0;
  readonly clockHz: number | null;
  private readonly buffer: Float32Array;

  constructor(env: Env, options: { clockHz?: number } = {}) {
    this.env = env;
    this.clockHz = options.clockHz ?? null;
    const envObs = env.observationSpace.shape[0];
    this.obsDim = envObs + (this.clockHz === null ? 0 : 2);
    this.actDim = env.actionSpace.shape[0];
    this.buffer = new Float32Array(this.obsDim);
  }

  private observe(obs: Float32Array): Float32Array {
    if (this.clockHz === null) return obs;
    this.buffer.set(obs);
    const phase = 2 * Math.PI * this.clockHz * this.steps * this.env.controlDt;
    this.buffer[obs.length] = Math.sin(phase);
    this.buffer[obs.length + 1] = Math.cos(phase);
    return this.buffer;
  }

  reset(seed: number): Float32Array {
    // info.x after reset() is not reliable in the env layer at the time of writing, so integrate velocity.
    const r = this.env.reset({ seed });
    this.distance = 0;
    this.healthySteps = 0;
    this.steps = 0;
    return this.observe(r.obs);
  }

  step(action: Float32Array): { obs: Float32Array; reward: number; done: boolean } {
    const r = this.env.step(action);
    this.distance += r.info.forwardVelocity * this.env.controlDt;
    this.healthySteps += r.info.healthy ? 1 : 0;
    this.steps++;
    return { obs: this.observe(r.obs), reward: r.reward, done: r.terminated || r.truncated };
  }

  /** Per-channel observation scales for tanh encoding: velocities are larger than positions. */
  observationScales(): Float32Array {
    const names = this.env.observationSpace.names;
    const scales = new Float32Array(this.obsDim).fill(1);
    scales.set(names.map((n) => (n.startsWith("joint_vel") ? 5 : n.startsWith("torso_angvel") ? 3 : 1)));
    return scales;
  }
}
