/** Shared fixtures for the reward-based e-prop tests. */
import type { EpisodicTask } from "../../src/lab/eprop/actor-critic.ts";
import { Rng } from "../../src/core/rng.ts";

/**
 * A cue-dependent reaching task: each step shows a random cue c in {-1, 1}; reward -(a - 0.6 c)^2
 * (optimum -0 at a = 0.6 c), 20 steps per episode. The spiking policy must map the cue to the action
 * through its spikes.
 */
export class CueReach implements EpisodicTask {
  readonly obsDim = 2;
  readonly actDim = 1;
  private rng = new Rng(0);
  private cue = 1;
  private t = 0;
  private readonly obs = new Float32Array(2);
  reset(seed: number): Float32Array {
    this.rng = new Rng(seed);
    this.t = 0;
    return this.observe();
  }
  private observe(): Float32Array {
    this.cue = this.rng.uniform() < 0.5 ? -1 : 1;
    this.obs[0] = this.cue;
    this.obs[1] = -this.cue;
    return this.obs;
  }
  step(action: Float32Array) {
    const reward = -((action[0]! - 0.6 * this.cue) ** 2);
    this.t++;
    return { obs: this.observe(), reward, done: this.t >= 20 };
  }
}
