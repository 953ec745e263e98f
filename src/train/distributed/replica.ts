/**
 * Evaluation states and searcher replicas as content-addressed blobs, and the replay that lets a worker
 * step its replica from one generation to the next with the returns alone (the shared-noise scheme):
 * a worker holding generation g's searcher and normaliser applies the same `tell` and normaliser update
 * the coordinator applied, and checks the result against the next state's hash; on any mismatch (or when
 * it has no replica) it fetches the replica by hash instead.
 */
import { createSearcher } from "../es/index.ts";
import type { ObsStatsData } from "../es/problem.ts";
import type { Searcher, SearcherState } from "../es/searcher.ts";
import { RunningNormalizer, type NormalizerState } from "../../policy/normalizer.ts";
import type { EvalState } from "../pool.ts";
import { decodeFrame, encodeFrame, hashBytes, type WireArray } from "./codec.ts";
import type { RunDescription } from "./protocol.ts";

export function encodeEvalState(s: EvalState): Uint8Array {
  const arrays: Record<string, WireArray> = { center: s.center, sigma: s.sigma };
  if (s.normalizer) {
    arrays.shift = s.normalizer.shift;
    arrays.scale = s.normalizer.scale;
  }
  return encodeFrame({ t: "eval", generation: s.generation }, arrays);
}

export function decodeEvalState(bytes: Uint8Array): EvalState {
  const { header, arrays } = decodeFrame<{ t: string; generation: number }>(bytes);
  if (header.t !== "eval") throw new Error(`blob is a '${header.t}', not an evaluation state`);
  const s: EvalState = { generation: header.generation, center: arrays.center as Float32Array, sigma: arrays.sigma as Float32Array };
  if (arrays.shift) s.normalizer = { shift: arrays.shift as Float32Array, scale: arrays.scale as Float32Array };
  return s;
}

export const evalStateHash = (s: EvalState): string => hashBytes(encodeEvalState(s));

export interface ReplicaSnapshot {
  searcher: SearcherState;
  normalizer: NormalizerState | null;
}

export function encodeReplica(r: ReplicaSnapshot): Uint8Array {
  const arrays: Record<string, WireArray> = {};
  for (const [name, a] of Object.entries(r.searcher.arrays)) arrays[`s.${name}`] = a;
  if (r.normalizer) {
    arrays["n.mean"] = Float64Array.from(r.normalizer.mean);
    arrays["n.m2"] = Float64Array.from(r.normalizer.m2);
  }
  const { algo, generation, scalars } = r.searcher;
  const normalizer = r.normalizer ? { count: r.normalizer.count, clip: r.normalizer.clip, eps: r.normalizer.eps } : null;
  return encodeFrame({ t: "replica", searcher: { algo, generation, scalars }, normalizer }, arrays);
}

/** A worker's copy of the searcher and normaliser at the start of a generation. */
export interface Replica {
  searcher: Searcher;
  normalizer: RunningNormalizer | null;
}

export function decodeReplica(bytes: Uint8Array, desc: RunDescription): Replica {
  const { header, arrays } = decodeFrame<{
    t: string;
    searcher: Omit<SearcherState, "arrays">;
    normalizer: { count: number; clip: number; eps: number } | null;
  }>(bytes);
  if (header.t !== "replica") throw new Error(`blob is a '${header.t}', not a replica`);
  if (!desc.searcher) throw new Error("the run description names no searcher to replay");
  const sArrays: Record<string, Float32Array | Float64Array> = {};
  for (const [name, a] of Object.entries(arrays)) if (name.startsWith("s.")) sArrays[name.slice(2)] = a as Float32Array | Float64Array;
  const searcher = createSearcher(desc.searcher.algo, sArrays.center as Float32Array, desc.searcher.options);
  searcher.load({ ...header.searcher, arrays: sArrays });
  const n = header.normalizer;
  const normalizer = n
    ? RunningNormalizer.fromState({ count: n.count, clip: n.clip, eps: n.eps, mean: Array.from(arrays["n.mean"] as Float64Array), m2: Array.from(arrays["n.m2"] as Float64Array) })
    : null;
  return { searcher, normalizer };
}

/** The state a replica evaluates its generation with (copies: the replica moves on). */
export function replicaEvalState(r: Replica): EvalState {
  const s: EvalState = { generation: r.searcher.generation, center: r.searcher.center.slice(), sigma: r.searcher.sigma.slice() };
  if (r.normalizer) s.normalizer = { shift: r.normalizer.shift.slice(), scale: r.normalizer.scale.slice() };
  return s;
}

/** Apply one generation's outcome exactly as the trainer does (evolve.ts: tell, then the normaliser update). */
export function replay(r: Replica, fitness: Float64Array, obsStats: ObsStatsData | undefined): void {
  const candidates = r.searcher.ask();
  r.searcher.tell(candidates, fitness);
  if (r.normalizer && obsStats) r.normalizer.update(obsStats);
}
