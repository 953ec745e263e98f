/**
 * Fitness of locomotion ES members: one env and one policy per worker; a task rebuilds the member's parameters
 * from (center, sigma, seed, sign), runs its episodes (shared episode seeds => common random numbers
 * across the population) and answers with the mean return, reward-term means and observation stats.
 * The env is reused for every episode: reset({seed, conditions}) fully determines an episode (the env's
 * reset contract, test/env/reset-reuse.test.ts), so results do not depend on which members a worker ran
 * before, nor on the worker count.
 *
 * Lockstep (evaluateBatch): the members of a batch share their episode seeds and conditions, so their robots
 * run each episode side by side in one Rapier world (env/lockstep.ts: on flat ground; other terrains give
 * each member its own world). A member whose episode ends leaves the world frozen; the others' numbers do
 * not change, so a batch answers bitwise what evaluate() answers member by member
 * (test/train/lockstep-fitness.test.ts).
 */
import { strata, type Conditions } from "../env/conditions.ts";
import { WorldHost } from "../env/lockstep.ts";
import type { LocomotionEnv } from "../env/locomotion.ts";
import type { EnvOptions } from "../env/options.ts";
import { makeEnv } from "../../envs/index.ts";
import { materialize } from "./es/noise.ts";
import { ObsStats } from "../policy/normalizer.ts";
import { parseNetworkSpec, type NetworkSpec } from "../snn/spec.ts";
import type { FitnessEvaluator, MemberResult, MemberTask, SharedParams } from "./fitness.ts";
import { createPolicy, type Policy } from "../policy/policy.ts";
import { runEpisode, type EpisodeResult } from "../policy/rollout.ts";

export interface LocomotionEvaluatorConfig {
  envId: string;
  envOptions: EnvOptions;
  spec: unknown;
  conditions: Conditions;
  maxSteps: number;
  normalizerClip: number;
}

/** A FitnessEvaluator that also evaluates a batch of members sharing their episodes in lockstep. */
export interface LockstepEvaluator extends FitnessEvaluator {
  evaluateBatch(tasks: MemberTask[], shared: SharedParams): Promise<MemberResult[]>;
}

/** One member's slot in a worker: its env, its policy and its parameter buffer. */
interface Slot {
  env: LocomotionEnv;
  policy: Policy | null;
  params: Float32Array;
}

/** Member totals over its episodes, summed in episode order (as evaluate() sums them). */
class MemberTotals {
  ret = 0;
  steps = 0;
  simSeconds = 0;
  distance = 0;
  falls = 0;
  readonly terms: Record<string, number> = {};

  add(ep: EpisodeResult): void {
    this.ret += ep.return;
    this.steps += ep.steps;
    this.simSeconds += ep.simSeconds;
    this.distance += ep.distance;
    this.falls += ep.fell ? 1 : 0;
    for (const [k, v] of Object.entries(ep.terms)) this.terms[k] = (this.terms[k] ?? 0) + v;
  }

  result(task: MemberTask, stats: ObsStats | undefined): MemberResult {
    const n = task.episodeSeeds.length;
    const metrics: Record<string, number> = {
      distance: this.distance / n,
      forward_speed: this.simSeconds > 0 ? this.distance / this.simSeconds : 0,
      episode_steps: this.steps / n,
      fall_rate: this.falls / n,
    };
    for (const [k, v] of Object.entries(this.terms)) metrics[`term_${k}`] = v / n;
    return { index: task.index, return: this.ret / n, steps: this.steps, simSeconds: this.simSeconds, metrics, ...(stats ? { obsStats: stats.toJSON() } : {}) };
  }
}

/**
 * One episode of one member, driven a control step at a time by the batch: the same operations in the same
 * order as policy/rollout.ts runEpisode (the batch test holds it to bitwise the same results).
 */
class LockstepEpisode {
  ret = 0;
  steps = 0;
  distance = 0;
  fell = false;
  offCourse = false;
  done = false;
  private obs: Float32Array;
  private readonly action: Float32Array;
  private readonly terms: Record<string, number> = {};

  constructor(
    private readonly env: LocomotionEnv,
    private readonly policy: Policy,
    private readonly limit: number,
    private readonly stats: ObsStats | undefined,
    obs: Float32Array,
  ) {
    this.obs = obs;
    policy.reset();
    this.action = new Float32Array(policy.actDim);
    this.done = !(0 < limit);
    if (this.done) env.release();
  }

  /** The policy acts on the last observation; the action goes to the motors (no physics yet). */
  act(): void {
    this.stats?.push(this.obs);
    this.policy.act(this.obs, this.action);
    this.env.beginStep(this.action);
  }

  /** The physics of a member whose episode has a world of its own (a shared world is stepped by the batch). */
  physicsIfAlone(): void {
    if (this.env.sharedWorld === null) this.env.physicsStep();
  }

  /** After the physics steps: reward, flags, and whether the episode is over. */
  observe(): void {
    const env = this.env;
    const r = env.endStep();
    this.steps += 1;
    this.ret += r.reward;
    for (const k in r.info.terms) this.terms[k] = (this.terms[k] ?? 0) + r.info.terms[k]!;
    this.distance += r.info.forwardVelocity * env.controlDt;
    this.obs = r.obs;
    if (r.terminated) {
      this.fell = true;
      this.done = true;
    } else if (r.truncated) {
      this.offCourse = r.info.offCourse;
      this.done = true;
    } else if (!(this.steps < this.limit)) this.done = true;
    if (this.done) env.release(); // frozen in the shared world: the others run on unchanged
  }

  result(): EpisodeResult {
    const simSeconds = this.steps * this.env.controlDt;
    return { return: this.ret, steps: this.steps, distance: this.distance, meanForwardVelocity: simSeconds > 0 ? this.distance / simSeconds : 0, fell: this.fell, offCourse: this.offCourse, simSeconds, terms: this.terms };
  }
}

export async function createEvaluator(raw: unknown): Promise<LockstepEvaluator> {
  const config = raw as LocomotionEvaluatorConfig;
  const spec: NetworkSpec = parseNetworkSpec(config.spec);
  const cells = strata(config.conditions ?? {});
  const envOptions = { ...config.envOptions, maxSteps: config.maxSteps };
  const env = await makeEnv(config.envId, envOptions);
  const obsDim = env.observationSpace.shape[0];
  const actionSpace = env.actionSpace;
  // always explicit: a reset without conditions would keep the previous episode's (another stratum's)
  const plain: Conditions = config.conditions ?? config.envOptions.conditions ?? {};
  const episodeConditions = (task: MemberTask, e: number): Conditions => (task.episodeStrata ? cells[task.episodeStrata[e]!]!.conditions : plain);
  let policy: Policy | null = null;
  let params: Float32Array | null = null;
  let eps: Float64Array | null = null;
  const host = new WorldHost();
  const slots: Slot[] = [];

  const memberParams = (task: MemberTask, shared: SharedParams, into: Float32Array): void => {
    eps ??= new Float64Array(shared.center.length);
    if (task.sign === 0) into.set(shared.center);
    else materialize(shared.center, shared.sigma, task, into, eps);
  };
  const policyFor = (current: Policy | null, p: Float32Array, shared: SharedParams): Policy => {
    if (!current) return createPolicy(spec, p, { shift: shared.shift, scale: shared.scale, clip: config.normalizerClip }, actionSpace);
    current.setParams(p);
    return current;
  };

  const evaluate = async (task: MemberTask, shared: SharedParams): Promise<MemberResult> => {
    params ??= new Float32Array(shared.center.length);
    memberParams(task, shared, params);
    policy = policyFor(policy, params, shared);
    const stats = task.collectStats ? new ObsStats(obsDim) : undefined;
    const totals = new MemberTotals();
    for (let e = 0; e < task.episodeSeeds.length; e++) {
      totals.add(runEpisode(env, policy, { seed: task.episodeSeeds[e]!, conditions: episodeConditions(task, e), maxSteps: config.maxSteps, ...(stats ? { obsStats: stats } : {}) }));
    }
    return totals.result(task, stats);
  };

  return {
    evaluate,

    async evaluateBatch(tasks: MemberTask[], shared: SharedParams): Promise<MemberResult[]> {
      const first = tasks[0];
      if (!first) return [];
      const sameEpisodes = tasks.every((t) => JSON.stringify([t.episodeSeeds, t.episodeStrata]) === JSON.stringify([first.episodeSeeds, first.episodeStrata]));
      if (tasks.length === 1 || !sameEpisodes) {
        const out: MemberResult[] = [];
        for (const t of tasks) out.push(await evaluate(t, shared));
        return out;
      }
      while (slots.length < tasks.length) {
        const slotEnv = await makeEnv(config.envId, envOptions);
        slotEnv.useWorldHost(host);
        slots.push({ env: slotEnv, policy: null, params: new Float32Array(shared.center.length) });
      }
      const members = tasks.map((task, i) => {
        const slot = slots[i]!;
        memberParams(task, shared, slot.params);
        slot.policy = policyFor(slot.policy, slot.params, shared);
        return { task, slot, policy: slot.policy, stats: task.collectStats ? new ObsStats(obsDim) : undefined, totals: new MemberTotals() };
      });
      const substeps = env.substeps;
      for (let e = 0; e < first.episodeSeeds.length; e++) {
        const seed = first.episodeSeeds[e]!;
        const conditions = episodeConditions(first, e);
        for (const m of members) m.slot.env.release(); // all leave before any joins: a new episode starts a new world
        const episodes = members.map((m) => new LockstepEpisode(m.slot.env, m.policy, config.maxSteps, m.stats, m.slot.env.reset({ seed, conditions }).obs));
        let live = episodes.filter((ep) => !ep.done);
        while (live.length > 0) {
          for (const ep of live) ep.act();
          host.step(substeps);
          for (const ep of live) ep.physicsIfAlone();
          for (const ep of live) ep.observe();
          live = live.filter((ep) => !ep.done);
        }
        episodes.forEach((ep, i) => members[i]!.totals.add(ep.result()));
      }
      return members.map((m) => m.totals.result(m.task, m.stats));
    },

    close(): void {
      env.close();
      for (const s of slots) s.env.close();
      host.free();
    },
  };
}
