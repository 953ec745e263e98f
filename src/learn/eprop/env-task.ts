/**
 * Adapter from an env-layer locomotion env (src/env, Gymnasium semantics) to the e-prop EpisodicTask.
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

  constructor(env: Env) {
    this.env = env;
    this.obsDim = env.observationSpace.shape[0];
    this.actDim = env.actionSpace.shape[0];
  }

  reset(seed: number): Float32Array {
    // info.x after reset() is not reliable in the env layer at the time of writing, so integrate velocity.
    const r = this.env.reset({ seed });
    this.distance = 0;
    this.healthySteps = 0;
    this.steps = 0;
    return r.obs;
  }

  step(action: Float32Array): { obs: Float32Array; reward: number; done: boolean } {
    const r = this.env.step(action);
    this.distance += r.info.forwardVelocity * this.env.controlDt;
    this.healthySteps += r.info.healthy ? 1 : 0;
    this.steps++;
    return { obs: r.obs, reward: r.reward, done: r.terminated || r.truncated };
  }

  /** Per-channel observation scales for tanh encoding: velocities are larger than positions. */
  observationScales(): Float32Array {
    const names = this.env.observationSpace.names;
    return new Float32Array(names.map((n) => (n.startsWith("joint_vel") ? 5 : n.startsWith("torso_angvel") ? 3 : 1)));
  }
}
