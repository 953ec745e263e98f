/**
 * One episode of a policy in an env (Gymnasium loop), summing the return and every reward term.
 * Optionally feeds raw observations to running statistics (for the trainer's normaliser).
 */
import { defined } from "../core/defined.ts";
import type { Conditions } from "../env/conditions.ts";
import type { Env, StepInfo } from "../env/types.ts";
import type { ObsStats } from "./normalizer.ts";
import type { Policy } from "./policy.ts";

export interface EpisodeOptions {
  seed: number;
  conditions?: Conditions;
  maxSteps?: number;
  obsStats?: ObsStats;
  onStep?: (step: { t: number; obs: Float32Array; action: Float32Array; reward: number; info: StepInfo }) => void;
}

export interface EpisodeResult {
  return: number;
  steps: number;
  /** Forward progress along x (m). */
  distance: number;
  /** distance / simulated time (m/s). */
  meanForwardVelocity: number;
  /** Terminated (unhealthy) before the horizon. */
  fell: boolean;
  /** Truncated because the torso left the terrain's course (info.offCourse). */
  offCourse: boolean;
  simSeconds: number;
  terms: Record<string, number>;
}

export function runEpisode(env: Env, policy: Policy, options: EpisodeOptions): EpisodeResult {
  let obs = env.reset(defined({ seed: options.seed, conditions: options.conditions })).obs;
  policy.reset();
  const action = new Float32Array(policy.actDim);
  const terms: Record<string, number> = {};
  let ret = 0;
  let steps = 0;
  // Distance integrates the per-step forward velocity (x - x_prev)/dt, which telescopes to x_end - x_start
  // without relying on info.x right after reset.
  let distance = 0;
  let fell = false;
  let offCourse = false;
  const limit = options.maxSteps ?? Infinity;
  while (steps < limit) {
    options.obsStats?.push(obs);
    policy.act(obs, action);
    const r = env.step(action);
    steps += 1;
    ret += r.reward;
    for (const k in r.info.terms) terms[k] = (terms[k] ?? 0) + r.info.terms[k]!;
    distance += r.info.forwardVelocity * env.controlDt;
    options.onStep?.({ t: steps, obs: r.obs, action, reward: r.reward, info: r.info });
    obs = r.obs;
    if (r.terminated) {
      fell = true;
      break;
    }
    if (r.truncated) {
      offCourse = r.info.offCourse;
      break;
    }
  }
  const simSeconds = steps * env.controlDt;
  return { return: ret, steps, distance, meanForwardVelocity: simSeconds > 0 ? distance / simSeconds : 0, fell, offCourse, simSeconds, terms };
}
