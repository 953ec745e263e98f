/**
 * One adaptation episode as a self-contained job (worker thread or in-process): a checkpoint under a
 * plasticity ablation, conditions with a fixed onset step, the episode's seed; answers with the window
 * speeds the experiment reports. Per-worker caches for envs and checkpoints.
 */
import type { Conditions } from "../../env/conditions.ts";
import { makeEnv } from "../../../envs/index.ts";
import type { Env } from "../../env/types.ts";
import { loadCheckpoint } from "../../policy/checkpoint.ts";
import { RunningNormalizer } from "../../policy/normalizer.ts";
import { createPolicy, type Policy } from "../../policy/policy.ts";
import { runEpisode } from "../../policy/rollout.ts";
import { parseNetworkSpec } from "../../snn/spec.ts";
import { ablationHooks, type Ablation } from "../ablation.ts";
import { recoveryTime } from "../adaptation.ts";

export interface AdaptationJob {
  arm: string;
  condition: number;
  unit: number;
  seed: number;
  checkpoint: string;
  ablation: Ablation;
  envId: string;
  envOptions: Record<string, unknown>;
  conditions: Conditions;
  onsetStep: number;
  maxSteps: number;
  window: number;
  preOnsetWindows: number;
  recoveryFraction: number;
  /** Steps after onset: [start, end) of the early and late windows. */
  early: [number, number];
  late: [number, number];
}

export interface AdaptationEpisode {
  arm: string;
  condition: number;
  unit: number;
  v_pre: number;
  v_early: number;
  v_late: number;
  /** Steps after onset until the one-window moving speed regains the fraction; null = never (or undefined). */
  recovery_steps: number | null;
  recovery_defined: boolean;
  fell: boolean;
  steps: number;
  sim_seconds: number;
}

function windowMean(speed: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += speed[i];
  return to > from ? s / (to - from) : NaN;
}

export class AdaptationRunner {
  private readonly envs = new Map<string, Promise<Env>>();
  private readonly policies = new Map<string, Promise<Policy>>();

  private env(job: AdaptationJob): Promise<Env> {
    const key = `${job.envId}|${JSON.stringify(job.envOptions)}|${job.maxSteps}`;
    let env = this.envs.get(key);
    if (!env) this.envs.set(key, (env = makeEnv(job.envId, { ...job.envOptions, maxSteps: job.maxSteps })));
    return env;
  }

  private policy(job: AdaptationJob, env: Env): Promise<Policy> {
    let p = this.policies.get(job.checkpoint);
    if (!p) {
      p = (async () => {
        const ckpt = await loadCheckpoint(job.checkpoint);
        const norm = ckpt.normalizer ? RunningNormalizer.fromState(ckpt.normalizer) : null;
        return createPolicy(parseNetworkSpec(ckpt.spec), ckpt.params, norm ? { shift: norm.shift, scale: norm.scale, clip: norm.clip } : null, env.actionSpace);
      })();
      this.policies.set(job.checkpoint, p);
    }
    return p;
  }

  async run(job: AdaptationJob): Promise<AdaptationEpisode> {
    const env = await this.env(job);
    const policy = await this.policy(job, env);
    const hooks = ablationHooks(policy.net, job.ablation, job.onsetStep);
    // a fallen robot has speed 0 for the rest of the horizon (it has not recovered)
    const speed = new Float64Array(job.maxSteps);
    hooks.start(); // the freeze flag survives policy.reset() inside runEpisode
    const ep = runEpisode(env, policy, {
      seed: job.seed,
      conditions: { ...job.conditions, onsetStep: job.onsetStep },
      maxSteps: job.maxSteps,
      onStep: ({ t, info }) => {
        speed[t - 1] = info.forwardVelocity;
        hooks.afterStep(t);
      },
    });
    const o = job.onsetStep;
    const rec = recoveryTime(speed, { onsetStep: o, window: job.window, fraction: job.recoveryFraction, preOnsetWindows: job.preOnsetWindows });
    return {
      arm: job.arm,
      condition: job.condition,
      unit: job.unit,
      v_pre: rec.preOnsetSpeed,
      v_early: windowMean(speed, o + job.early[0], o + job.early[1]),
      v_late: windowMean(speed, o + job.late[0], o + job.late[1]),
      recovery_steps: rec.steps,
      recovery_defined: rec.defined,
      fell: ep.fell,
      steps: ep.steps,
      sim_seconds: ep.simSeconds,
    };
  }

  async close(): Promise<void> {
    for (const env of this.envs.values()) (await env).close();
    this.envs.clear();
    this.policies.clear();
  }
}
