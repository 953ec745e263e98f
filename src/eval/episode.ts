/**
 * One evaluation episode as a self-contained job (runs in a worker thread or in-process): load the
 * checkpoint (cached per worker), build the env (cached per env id + options), run the policy under the
 * job's conditions from the job's seed, and answer with the episode's numbers (and per-step traces for
 * adaptation suites). Everything is a function of the job, so results do not depend on worker count.
 * This module is the thread pool's task module for evaluation (createTaskHandler).
 */
import type { Conditions } from "../env/conditions.ts";
import { makeEnv } from "../../envs/index.ts";
import type { Env } from "../env/types.ts";
import { loadPolicy } from "../policy/load.ts";
import type { Policy } from "../policy/policy.ts";
import { runEpisode } from "../policy/rollout.ts";
import type { TaskHandler } from "../train/threads.ts";
import type { EpisodeRecord } from "./aggregate.ts";
import { ablationHooks, type Ablation } from "./ablation.ts";

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
  /** A plasticity ablation around `onsetStep` (ablation.ts); absent = as `frozen` says. */
  ablation?: Ablation;
  onsetStep?: number;
}

/** Per-worker caches: loading a checkpoint or building a world once per worker, not per episode. */
export class EpisodeRunner {
  private readonly envs = new Map<string, Promise<Env>>();
  private readonly policies = new Map<string, Promise<Policy>>();

  private env(job: EpisodeJob): Promise<Env> {
    const key = `${job.envId}|${JSON.stringify(job.envOptions)}|${job.maxSteps}`;
    let env = this.envs.get(key);
    if (!env) {
      env = makeEnv(job.envId, { ...job.envOptions, maxSteps: job.maxSteps });
      this.envs.set(key, env);
    }
    return env;
  }

  private policy(job: EpisodeJob, env: Env): Promise<Policy> {
    const key = `${job.checkpoint}|${job.frozen}`;
    let p = this.policies.get(key);
    if (!p) {
      // The planning process has already warned about a fallback to the previous checkpoint.
      p = loadPolicy(job.checkpoint, { frozen: job.frozen, generation: job.generation, onWarning: () => {} }).then((l) => l.createPolicy(env.actionSpace));
      this.policies.set(key, p);
    }
    return p;
  }

  async run(job: EpisodeJob): Promise<EpisodeRecord> {
    const env = await this.env(job);
    const policy = await this.policy(job, env);
    const reward = job.trace ? new Float32Array(job.maxSteps) : null;
    const speed = job.trace ? new Float32Array(job.maxSteps) : null;
    let sampled = "";
    // cached policies are shared by jobs: set the freeze flag for this one (an ablation may change it mid-episode)
    policy.net.freezePlasticity(job.frozen);
    const hooks = job.ablation && job.ablation !== "as-trained" ? ablationHooks(policy.net, job.ablation, job.onsetStep ?? 0) : null;
    hooks?.start();
    const ep = runEpisode(env, policy, {
      seed: job.seed,
      conditions: job.conditions,
      maxSteps: job.maxSteps,
      onStep: ({ t, reward: r, info }) => {
        if (t === 1) sampled = JSON.stringify(info.conditions);
        hooks?.afterStep(t);
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
      ...(reward && speed ? { trace: { reward: reward.subarray(0, ep.steps).slice(), speed: speed.subarray(0, ep.steps).slice() } } : {}),
    };
  }

  async close(): Promise<void> {
    for (const env of this.envs.values()) (await env).close();
    this.envs.clear();
    this.policies.clear();
  }
}

/** The thread pool's task module entry: one runner (env and checkpoint caches) per thread. */
export function createTaskHandler(): TaskHandler<EpisodeJob, EpisodeRecord> {
  const runner = new EpisodeRunner();
  return { run: (job) => runner.run(job), close: () => runner.close() };
}
