/**
 * Fitness of locomotion ES members: one env and one policy per worker; a task rebuilds the member's parameters
 * from (center, sigma, seed, sign), runs its episodes (shared episode seeds => common random numbers
 * across the population) and answers with the mean return, reward-term means and observation stats.
 * The env is reused for every episode: reset({seed, conditions}) fully determines an episode (the env's
 * reset contract, test/env/reset-reuse.test.ts), so results do not depend on which members a worker ran
 * before, nor on the worker count.
 */
import { strata, type Conditions } from "../env/conditions.ts";
import type { EnvOptions } from "../env/options.ts";
import { makeEnv } from "../../envs/index.ts";
import type { Env } from "../env/types.ts";
import { materialize } from "./es/noise.ts";
import { ObsStats } from "../policy/normalizer.ts";
import { parseNetworkSpec } from "../snn/spec.ts";
import type { FitnessEvaluator, MemberResult, MemberTask, SharedParams } from "./fitness.ts";
import { createPolicy, type Policy } from "../policy/policy.ts";
import { runEpisode } from "../policy/rollout.ts";

export interface LocomotionEvaluatorConfig {
  envId: string;
  envOptions: EnvOptions;
  spec: unknown;
  conditions: Conditions;
  maxSteps: number;
  normalizerClip: number;
}

export async function createEvaluator(raw: unknown): Promise<FitnessEvaluator> {
  const config = raw as LocomotionEvaluatorConfig;
  const spec = parseNetworkSpec(config.spec);
  const cells = strata(config.conditions ?? {});
  const env: Env = await makeEnv(config.envId, { ...config.envOptions, maxSteps: config.maxSteps });
  const obsDim = env.observationSpace.shape[0];
  const actionSpace = env.actionSpace;
  // always explicit: a reset without conditions would keep the previous episode's (another stratum's)
  const plain: Conditions = config.conditions ?? config.envOptions.conditions ?? {};
  let policy: Policy | null = null;
  let params: Float32Array | null = null;
  let eps: Float64Array | null = null;
  return {
    async evaluate(task: MemberTask, shared: SharedParams): Promise<MemberResult> {
      params ??= new Float32Array(shared.center.length);
      eps ??= new Float64Array(shared.center.length);
      if (task.sign === 0) params.set(shared.center);
      else materialize(shared.center, shared.sigma, task, params, eps);
      if (!policy) {
        policy = createPolicy(spec, params, { shift: shared.shift, scale: shared.scale, clip: config.normalizerClip }, actionSpace);
      } else {
        policy.setParams(params);
      }
      const stats = task.collectStats ? new ObsStats(obsDim) : undefined;
      let ret = 0;
      let steps = 0;
      let simSeconds = 0;
      let distance = 0;
      let falls = 0;
      const terms: Record<string, number> = {};
      for (let e = 0; e < task.episodeSeeds.length; e++) {
        const seed = task.episodeSeeds[e];
        const conditions = task.episodeStrata ? cells[task.episodeStrata[e]].conditions : plain;
        const ep = runEpisode(env, policy, { seed, conditions, maxSteps: config.maxSteps, obsStats: stats });
        ret += ep.return;
        steps += ep.steps;
        simSeconds += ep.simSeconds;
        distance += ep.distance;
        falls += ep.fell ? 1 : 0;
        for (const [k, v] of Object.entries(ep.terms)) terms[k] = (terms[k] ?? 0) + v;
      }
      const n = task.episodeSeeds.length;
      const metrics: Record<string, number> = {
        distance: distance / n,
        forward_speed: simSeconds > 0 ? distance / simSeconds : 0,
        episode_steps: steps / n,
        fall_rate: falls / n,
      };
      for (const [k, v] of Object.entries(terms)) metrics[`term_${k}`] = v / n;
      return { index: task.index, return: ret / n, steps, simSeconds, metrics, obsStats: stats?.toJSON() };
    },
    close(): void {
      env.close();
    },
  };
}
