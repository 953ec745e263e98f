/**
 * VecEnv: N envs stepped together with batched, reused buffers (obs [N*obsDim], rewards [N], flags [N]).
 *
 * Layout: by default every copy has its own Rapier world. With `lockstep`, copies whose episodes have the
 * same key (flat terrain, same drawn conditions) share one world (lockstep.ts: robots at the same spot,
 * colliding only with the ground), stepped once per physics step for all of them; each copy's trajectory
 * stays bitwise that of a single env (test/env/lockstep.test.ts). Episodes on other terrains get a world
 * of their own, as without lockstep.
 *
 * Autoreset (Gymnasium "same-step"): when copy i ends, `finalObs` gets its last observation, its
 * `terminated`/`truncated` flag is set, and obs row i already holds the first observation of the next
 * episode (seeded from the previous one).
 */
import { SpikelocoError } from "../core/errors.ts";
import type { Conditions } from "./conditions.ts";
import type { LocomotionEnv } from "./locomotion.ts";
import { WorldHost } from "./lockstep.ts";
import type { BoxSpace, StepInfo } from "./types.ts";

export interface VecStepResult {
  obs: Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Last observation of copies that ended this step (rows of others are untouched). */
  finalObs: Float32Array;
  infos: StepInfo[];
}

export class VecEnv {
  readonly n: number;
  readonly envs: LocomotionEnv[];
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly controlDt: number;
  private readonly obsDim: number;
  private readonly actDim: number;
  private readonly res: VecStepResult;
  private readonly host: WorldHost | null;

  /** `lockstep`: copies share one world where that keeps them bitwise single envs (see above). */
  constructor(envs: LocomotionEnv[], options: { lockstep?: boolean } = {}) {
    if (envs.length === 0) throw new SpikelocoError("a VecEnv needs at least one env", "n");
    this.host = options.lockstep ? new WorldHost() : null;
    for (const e of envs) e.useWorldHost(this.host);
    this.envs = envs;
    this.n = envs.length;
    this.observationSpace = envs[0]!.observationSpace;
    this.actionSpace = envs[0]!.actionSpace;
    this.controlDt = envs[0]!.controlDt;
    this.obsDim = this.observationSpace.shape[0];
    this.actDim = this.actionSpace.shape[0];
    this.res = {
      obs: new Float32Array(this.n * this.obsDim),
      rewards: new Float32Array(this.n),
      terminated: new Uint8Array(this.n),
      truncated: new Uint8Array(this.n),
      finalObs: new Float32Array(this.n * this.obsDim),
      infos: envs.map((e) => e.reset().info),
    };
  }

  /** Copy i gets seed `seeds[i]` (or seed + i when a single number is given). */
  reset(options: { seed?: number | number[]; conditions?: Conditions | Conditions[] } = {}): { obs: Float32Array; infos: StepInfo[] } {
    const { seed, conditions } = options;
    if (Array.isArray(seed) && seed.length !== this.n) throw new SpikelocoError(`expected ${this.n} seeds, got ${seed.length}`, "reset.seed");
    if (Array.isArray(conditions) && conditions.length !== this.n) throw new SpikelocoError(`expected ${this.n} conditions, got ${conditions.length}`, "reset.conditions");
    for (let i = 0; i < this.n; i++) {
      const s = seed === undefined ? undefined : Array.isArray(seed) ? seed[i] : seed + i;
      const c = Array.isArray(conditions) ? conditions[i] : conditions;
      const r = this.envs[i]!.reset({ ...(s !== undefined ? { seed: s } : {}), ...(c !== undefined ? { conditions: c } : {}) });
      this.res.obs.set(r.obs, i * this.obsDim);
      this.res.infos[i] = r.info;
    }
    return { obs: this.res.obs, infos: this.res.infos };
  }

  /** actions: N*actDim, row-major. */
  step(actions: ArrayLike<number>): VecStepResult {
    if (actions.length !== this.n * this.actDim) {
      throw new SpikelocoError(`actions have length ${actions.length}, expected ${this.n} x ${this.actDim} = ${this.n * this.actDim}`, "actions");
    }
    const res = this.res;
    const view = ArrayBuffer.isView(actions) ? (actions as Float32Array) : Float32Array.from(actions);
    const envs = this.envs;
    const n = this.n;
    for (let i = 0; i < n; i++) envs[i]!.beginStep(view.subarray(i * this.actDim, (i + 1) * this.actDim));
    this.host?.step(envs[0]!.substeps);
    for (let i = 0; i < n; i++) if (envs[i]!.sharedWorld === null) envs[i]!.physicsStep();
    for (let i = 0; i < n; i++) {
      const env = envs[i]!;
      const r = env.endStep();
      res.rewards[i] = r.reward;
      res.terminated[i] = r.terminated ? 1 : 0;
      res.truncated[i] = r.truncated ? 1 : 0;
      res.infos[i] = r.info;
      if (r.terminated || r.truncated) {
        res.finalObs.set(r.obs, i * this.obsDim);
        const again = env.reset();
        res.obs.set(again.obs, i * this.obsDim);
      } else res.obs.set(r.obs, i * this.obsDim);
    }
    return res;
  }

  close(): void {
    for (const e of this.envs) e.close();
    this.host?.free();
  }

  /** Copies whose robot is in a shared world now (0 without lockstep). */
  get sharedCount(): number {
    return this.envs.reduce((k, e) => k + (e.sharedWorld ? 1 : 0), 0);
  }
}
