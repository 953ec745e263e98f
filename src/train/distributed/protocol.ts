/**
 * The messages of a distributed run and their encodings. Tasks and heartbeats are small JSON; results
 * and the per-generation broadcast carry their floats as raw bytes (codec.ts) so they arrive bit for bit.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { packageRoot } from "../../core/package.ts";
import type { SearcherName, SearcherOptions } from "../es/searcher.ts";
import type { MemberResult, MemberTask } from "../fitness.ts";
import { decodeFrame, encodeFrame } from "./codec.ts";

/** Everything a worker needs to build the run's evaluator (fetched once, by hash). */
export interface RunDescription {
  format: "spikeloco-nats-run/1";
  run: string;
  /** Evaluator module, relative to the package root (workers resolve it in their own install). */
  evaluator: string;
  config: unknown;
  dim: number;
  obsDim: number;
  /** The searcher, so workers can replay each generation's update instead of downloading the new center. */
  searcher?: { algo: SearcherName; options: SearcherOptions } | undefined;
  /** Code versions of the coordinator (workers warn on a mismatch: results would not be bitwise equal). */
  versions: Record<string, string>;
}

export interface Announce {
  t: "announce" | "bye";
  run: string;
  desc: string;
  session: string;
  generation: number;
  hbMs: number;
  timeoutMs: number;
}

/** Start of an evaluation: its state hashes, and the previous generation's returns for the replay. */
export interface GenHeader {
  t: "gen";
  generation: number;
  job: string;
  /** Hash of the evaluation state (center, sigma, normaliser) the members are evaluated with. */
  state: string;
  /** Hash of the searcher + normaliser replica this state derives from (late joiners fetch it). */
  replica?: string | undefined;
  /** Present when the previous population evaluation was generation - 1: its state hash and stats count. */
  prev?: { generation: number; state: string; obsCount?: number };
}

export interface TaskBatch {
  t: "tasks";
  job: string;
  generation: number;
  state: string;
  replica?: string | undefined;
  session: string;
  seq: number;
  members: Array<{ pos: number; task: MemberTask }>;
}

export interface Heartbeat {
  t: "hb";
  worker: string;
  host: string;
  pid: number;
  cores: number;
  /** Last task batch received from this coordinator session. */
  session: string;
  seq: number;
  /** `${job}/${pos}` of every member queued or running on the worker. */
  running: string[];
  bytesIn: number;
  bytesOut: number;
}

interface ResultHeader {
  t: "result";
  worker: string;
  job: string;
  pos: number;
  index: number;
  ms: number;
  keys: string[];
  obsCount?: number | undefined;
  error?: string;
}

export interface ResultMessage {
  worker: string;
  job: string;
  pos: number;
  ms: number;
  result?: MemberResult;
  error?: string;
}

export type UpMessage = { t: "hb"; hb: Heartbeat } | { t: "result"; result: ResultMessage };

export function encodeHeartbeat(hb: Heartbeat): Uint8Array {
  return encodeFrame(hb);
}

export function encodeResult(worker: string, job: string, pos: number, ms: number, r: MemberResult): Uint8Array {
  const keys = Object.keys(r.metrics);
  const values = new Float64Array(3 + keys.length);
  values[0] = r.return;
  values[1] = r.steps;
  values[2] = r.simSeconds;
  keys.forEach((k, i) => (values[3 + i] = r.metrics[k]!));
  const arrays: Record<string, Float64Array> = { values };
  if (r.obsStats) {
    arrays.mean = Float64Array.from(r.obsStats.mean);
    arrays.m2 = Float64Array.from(r.obsStats.m2);
  }
  const header: ResultHeader = { t: "result", worker, job, pos, index: r.index, ms, keys, obsCount: r.obsStats?.count };
  return encodeFrame(header, arrays);
}

export function encodeFailure(worker: string, job: string, pos: number, index: number, error: string): Uint8Array {
  const header: ResultHeader = { t: "result", worker, job, pos, index, ms: 0, keys: [], error };
  return encodeFrame(header);
}

export function decodeUp(bytes: Uint8Array): UpMessage {
  const { header, arrays } = decodeFrame<{ t: string }>(bytes);
  if (header.t === "hb") return { t: "hb", hb: header as Heartbeat };
  if (header.t !== "result") throw new Error(`unknown message type '${header.t}'`);
  const h = header as ResultHeader;
  if (h.error !== undefined) return { t: "result", result: { worker: h.worker, job: h.job, pos: h.pos, ms: h.ms, error: h.error } };
  const v = arrays.values;
  if (!(v instanceof Float64Array) || v.length !== 3 + h.keys.length) throw new Error(`malformed result message from worker '${h.worker}'`);
  const metrics: Record<string, number> = {};
  h.keys.forEach((k, i) => (metrics[k] = v[3 + i]!));
  const result: MemberResult = { index: h.index, return: v[0]!, steps: v[1]!, simSeconds: v[2]!, metrics };
  if (h.obsCount !== undefined) result.obsStats = { count: h.obsCount, mean: arrays.mean as Float64Array, m2: arrays.m2 as Float64Array };
  return { t: "result", result: { worker: h.worker, job: h.job, pos: h.pos, ms: h.ms, result } };
}

/**
 * How a coordinator names an evaluator module so that workers find it in their own install: relative to
 * the package root, as the TypeScript source (a checkout and an installed dist/ name it alike).
 */
export function moduleRef(absolutePath: string): string {
  const rel = relative(packageRoot(), absolutePath);
  if (rel.startsWith("..") || isAbsolute(rel)) return absolutePath;
  return rel.split(sep).join("/").replace(/^dist\//, "").replace(/\.js$/, ".ts");
}

export function resolveModule(ref: string): string {
  if (isAbsolute(ref)) return ref;
  const source = join(packageRoot(), ref);
  return existsSync(source) ? source : join(packageRoot(), "dist", ref.replace(/\.ts$/, ".js"));
}
