/** Option defaults shared by the legged envs; each env overrides only what differs (its healthy height). */
import type { EnvDefinition } from "../src/env/config.ts";

export const LEGGED_DEFAULTS: EnvDefinition["defaults"] = {
  maxSteps: 1000,
  controlDt: 0.05,
  physicsDt: 0.01,
  forwardRewardWeight: 1,
  healthyReward: 1,
  ctrlCostWeight: 0.05,
  contactCostWeight: 0,
  healthyZRange: [0.2, 1.0],
  terminateWhenUnhealthy: true,
  resetNoiseScale: 0.1,
  solverIterations: 4,
  gravity: -9.81,
  clockHz: 0,
};
