/**
 * One evaluation episode as a self-contained job (runs in a worker thread or in-process): load the
 * checkpoint (cached per worker), build the env (cached per env id + options), run the policy under the
 * job's conditions from the job's seed, and answer with the episode's numbers (and per-step traces for
 * adaptation suites). Everything is a function of the job, so results do not depend on worker count.
 */
import { SpikelocoError } from "../core/errors.ts";
import type { Conditions } from "../env/conditions.ts";
import { makeEnv } from "../../envs/index.ts";
import type { Env } from "../env/types.ts";
import { RunningNormalizer } from "../policy/normalizer.ts";
import { loadCheckpoint } from "../policy/checkpoint.ts";
import { createPolicy, type Policy } from "../policy/policy.ts";
import { runEpisode } from "../policy/rollout.ts";
import { parseNetworkSpec } from "../snn/spec.ts";
import type { EpisodeRecord } from "./aggregate.ts";

export interface EpisodeJob {
  controller: number;
  condition: number;
  unit: number;
  seed: number;
  checkpoint: string;
  /** Generation the planning process saw; a worker refuses a checkpoint that changed since. */
  generation: number;
  frozen: boolean;
  envId: string;
  envOptions: Record<string, unknown>;
  conditions: Conditions;
  maxSteps: number;
  trace: boolean;
}

interface CachedPolicy {
  policy: Policy;
}

/** Per-worker caches: loading a checkpoint or building a world once per worker, not per episode. */
export class EpisodeRunner {
  private readonly envs = new Map<string, Promise<Env>>();
  private readonly policies = new Map<string, Promise<CachedPolicy>>();

  private env(job: EpisodeJob): Promise<Env> {
    const key = `${job.envId}|${JSON.stringify(job.envOptions)}|${job.maxSteps}`;
    let env = this.envs.get(key);
    if (!env) {
      env = makeEnv(job.envId, { ...job.envOptions, maxSteps: job.maxSteps });
      this.envs.set(key, env);
    }
    return env;
  }

  private policy(job: EpisodeJob, env: Env): Promise<CachedPolicy> {
    const key = `${job.checkpoint}|${job.frozen}`;
    let p = this.policies.get(key);
    if (!p) {
      p = (async () => {
        const ckpt = await loadCheckpoint(job.checkpoint);
        if (ckpt.training.generation !== job.generation) {
          throw new SpikelocoError(`checkpoint changed during evaluation (generation ${job.generation} -> ${ckpt.training.generation}); copy a training run before evaluating it`, job.checkpoint);
        }
        const spec = parseNetworkSpec(ckpt.spec);
        const norm = ckpt.normalizer ? RunningNormalizer.fromState(ckpt.normalizer) : null;
        const policy = createPolicy(spec, ckpt.params, norm ? { shift: norm.shift, scale: norm.scale, clip: norm.clip } : null, env.actionSpace);
        policy.net.freezePlasticity(job.frozen);
        return { policy };
      })();
      this.policies.set(key, p);
    }
    return p;
  }

  async run(job: EpisodeJob): Promise<EpisodeRecord> {
    const env = await this.env(job);
    const { policy } = await this.policy(job, env);
    const reward = job.trace ? new Float32Array(job.maxSteps) : null;
    const speed = job.trace ? new Float32Array(job.maxSteps) : null;
    let sampled = "";
    const ep = runEpisode(env, policy, {
      seed: job.seed,
      conditions: job.conditions,
      maxSteps: job.maxSteps,
      onStep: ({ t, reward: r, info }) => {
        if (t === 1) sampled = JSON.stringify(info.conditions);
        if (reward && speed) {
          reward[t - 1] = r;
          speed[t - 1] = info.forwardVelocity;
        }
      },
    });
    return {
      controller: job.controller,
      condition: job.condition,
      unit: job.unit,
      seed: job.seed,
      return: ep.return,
      // Forward distance integrates per-step forward velocity (telescopes to x_end - x_start).
      distance: ep.distance,
      steps: ep.steps,
      fell: ep.fell,
      offCourse: ep.offCourse,
      terms: ep.terms,
      sampled,
      trace: reward && speed ? { reward: reward.subarray(0, ep.steps).slice(), speed: speed.subarray(0, ep.steps).slice() } : undefined,
    };
  }

  async close(): Promise<void> {
    for (const env of this.envs.values()) (await env).close();
    this.envs.clear();
    this.policies.clear();
  }
}
