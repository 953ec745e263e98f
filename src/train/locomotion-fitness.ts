/**
 * Fitness of locomotion ES members: one env and one policy per worker; a task rebuilds the member's parameters
 * from (center, sigma, seed, sign), runs its episodes (shared episode seeds => common random numbers
 * across the population) and answers with the mean return, reward-term means and observation stats.
 * Every episode runs in a freshly made env with a freshly reset policy: LocomotionEnv.reset() was found to
 * carry state across episodes (a member's return depended on which members the worker ran before), which
 * would make results depend on the worker count. A fresh env costs ~4 ms, under 1% of an episode.
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
  const newEnv = (): Promise<Env> => makeEnv(config.envId as "ant" | "hexapod", { ...config.envOptions, maxSteps: config.maxSteps });
  const probe = await newEnv();
  const obsDim = probe.observationSpace.shape[0];
  const actionSpace = probe.actionSpace;
  probe.close();
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
        const conditions = task.episodeStrata ? cells[task.episodeStrata[e]].conditions : config.conditions;
        const env = await newEnv();
        const ep = runEpisode(env, policy, { seed, conditions, maxSteps: config.maxSteps, obsStats: stats });
        env.close();
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
  };
}
