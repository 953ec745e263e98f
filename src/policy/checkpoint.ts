/**
 * Checkpoints: a directory holding `checkpoint.json` (spec, config, seed, versions, normaliser, training
 * state, and the SHA-256 of everything) plus one binary file with every float array (parameters and
 * optimizer state). Writes are atomic: the binary goes to a fresh file name (temp + rename), then the
 * manifest is replaced by rename; the previous binary is removed only after the new manifest is in place.
 * A process killed at any moment therefore leaves the previous checkpoint loadable. Loading verifies
 * both checksums and every array's bounds.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { SpikelocoError } from "../core/errors.ts";
import type { SearcherState } from "../train/es/searcher.ts";
import type { NormalizerState } from "./normalizer.ts";
import { collectVersions } from "./versions.ts";

export const MANIFEST = "checkpoint.json";
const FORMAT = "spikeloco-checkpoint";
const FORMAT_VERSION = 1;

export interface TrainingState {
  generation: number;
  searcher?: SearcherState;
  /** Any further JSON-serialisable trainer state (elapsed time, best return, ...). */
  info?: Record<string, unknown>;
}

export interface Checkpoint {
  /** The controller's NetworkSpec (validated by the SNN parser when used). */
  spec: unknown;
  params: Float32Array;
  /** Training configuration: env id and options, agent, task, conditions, hyper-parameters. */
  config: Record<string, unknown>;
  normalizer: NormalizerState | null;
  seed: number;
  training: TrainingState;
  /** Filled in by saveCheckpoint when absent. */
  versions?: Record<string, string>;
}

type DType = "float32" | "float64";
interface ArrayEntry {
  name: string;
  dtype: DType;
  offset: number;
  length: number;
}

interface Manifest {
  format: string;
  formatVersion: number;
  blob: string;
  blobBytes: number;
  blobSha256: string;
  arrays: ArrayEntry[];
  spec: unknown;
  config: Record<string, unknown>;
  normalizer: NormalizerState | null;
  seed: number;
  versions: Record<string, string>;
  training: { generation: number; info?: Record<string, unknown>; searcher?: Omit<SearcherState, "arrays"> };
  savedAt: string;
  /** SHA-256 of this manifest serialised without this field. */
  sha256?: string;
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function writeFileDurable(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, "w");
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let written = 0;
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // directories cannot be fsync'ed on some platforms; rename is still atomic
  }
}

function packArrays(named: Array<[string, Float32Array | Float64Array]>): { blob: Uint8Array; entries: ArrayEntry[] } {
  let bytes = 0;
  const entries: ArrayEntry[] = [];
  for (const [name, arr] of named) {
    const dtype: DType = arr instanceof Float64Array ? "float64" : "float32";
    bytes = Math.ceil(bytes / 8) * 8;
    entries.push({ name, dtype, offset: bytes, length: arr.length });
    bytes += arr.byteLength;
  }
  const blob = new Uint8Array(bytes);
  named.forEach(([, arr], i) => blob.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), entries[i].offset));
  return { blob, entries };
}

export function saveCheckpoint(dir: string, ckpt: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  const arrays: Array<[string, Float32Array | Float64Array]> = [["params", ckpt.params]];
  const searcher = ckpt.training.searcher;
  if (searcher) for (const [name, arr] of Object.entries(searcher.arrays)) arrays.push([`searcher.${name}`, arr]);
  const { blob, entries } = packArrays(arrays);

  const blobName = `params-g${ckpt.training.generation}-${randomBytes(4).toString("hex")}.bin`;
  const blobTmp = join(dir, `${blobName}.tmp`);
  writeFileDurable(blobTmp, blob);
  renameSync(blobTmp, join(dir, blobName));

  const manifest: Manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    blob: blobName,
    blobBytes: blob.byteLength,
    blobSha256: sha256(blob),
    arrays: entries,
    spec: ckpt.spec,
    config: ckpt.config,
    normalizer: ckpt.normalizer,
    seed: ckpt.seed,
    versions: ckpt.versions ?? collectVersions(),
    training: {
      generation: ckpt.training.generation,
      info: ckpt.training.info,
      searcher: searcher ? { algo: searcher.algo, generation: searcher.generation, scalars: searcher.scalars } : undefined,
    },
    savedAt: new Date().toISOString(),
  };
  manifest.sha256 = sha256(JSON.stringify(manifest));
  const manifestTmp = join(dir, `${MANIFEST}.${process.pid}.${randomBytes(3).toString("hex")}.tmp`);
  writeFileDurable(manifestTmp, JSON.stringify(manifest, null, 1));
  renameSync(manifestTmp, join(dir, MANIFEST));
  syncDir(dir);

  // Only now is the old binary unreferenced; sweep it and any leftovers of interrupted writes.
  for (const f of readdirSync(dir)) {
    if (f === blobName) continue;
    if ((f.startsWith("params-") && (f.endsWith(".bin") || f.endsWith(".bin.tmp"))) || (f.startsWith(`${MANIFEST}.`) && f.endsWith(".tmp"))) {
      rmSync(join(dir, f), { force: true });
    }
  }
}

function corrupt(dir: string, why: string): SpikelocoError {
  return new SpikelocoError(`checkpoint '${dir}' is corrupt: ${why}`);
}

export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, MANIFEST));
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  return loadCheckpointSync(dir);
}

export function loadCheckpointSync(dir: string): Checkpoint {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SpikelocoError(`no checkpoint directory at '${dir}'`);
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) throw new SpikelocoError(`'${dir}' holds no checkpoint (${MANIFEST} is missing)`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  } catch (err) {
    throw corrupt(dir, `${MANIFEST} is not valid JSON (${(err as Error).message})`);
  }
  if (manifest === null || typeof manifest !== "object" || manifest.format !== FORMAT) throw corrupt(dir, `${MANIFEST} is not a spikeloco checkpoint`);
  if (manifest.formatVersion !== FORMAT_VERSION) {
    throw new SpikelocoError(`checkpoint '${dir}' has format version ${manifest.formatVersion}; this build reads version ${FORMAT_VERSION}`);
  }
  const { sha256: stored, ...body } = manifest;
  const actual = sha256(JSON.stringify(body));
  if (stored !== actual) throw corrupt(dir, `${MANIFEST} checksum mismatch (stored ${String(stored).slice(0, 12)}, computed ${actual.slice(0, 12)})`);

  const blobPath = join(dir, manifest.blob);
  if (!existsSync(blobPath)) throw corrupt(dir, `parameter file '${manifest.blob}' is missing`);
  const blob = readFileSync(blobPath);
  if (blob.byteLength !== manifest.blobBytes) throw corrupt(dir, `parameter file '${manifest.blob}' has ${blob.byteLength} bytes, expected ${manifest.blobBytes}`);
  const blobHash = sha256(blob);
  if (blobHash !== manifest.blobSha256) throw corrupt(dir, `parameter file '${manifest.blob}' checksum mismatch`);

  const aligned = new Uint8Array(blob.byteLength);
  aligned.set(blob);
  const arrays = new Map<string, Float32Array | Float64Array>();
  for (const e of manifest.arrays) {
    const width = e.dtype === "float64" ? 8 : 4;
    if (e.offset % width !== 0 || e.offset + e.length * width > aligned.byteLength) throw corrupt(dir, `array '${e.name}' lies outside the parameter file`);
    const view = e.dtype === "float64" ? new Float64Array(aligned.buffer, e.offset, e.length) : new Float32Array(aligned.buffer, e.offset, e.length);
    arrays.set(e.name, view.slice());
  }
  const params = arrays.get("params");
  if (!(params instanceof Float32Array)) throw corrupt(dir, "no float32 'params' array");

  let searcher: SearcherState | undefined;
  if (manifest.training.searcher) {
    const sArrays: Record<string, Float32Array | Float64Array> = {};
    for (const [name, arr] of arrays) if (name.startsWith("searcher.")) sArrays[name.slice("searcher.".length)] = arr;
    searcher = { ...manifest.training.searcher, arrays: sArrays };
  }
  return {
    spec: manifest.spec,
    params,
    config: manifest.config,
    normalizer: manifest.normalizer,
    seed: manifest.seed,
    versions: manifest.versions,
    training: { generation: manifest.training.generation, info: manifest.training.info, searcher },
  };
}

export interface CheckpointEnv {
  envId: string;
  envOptions: Record<string, unknown>;
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The env a checkpoint was trained in: `config.envId` (or `config.env`) and `config.envOptions`. */
export function checkpointEnv(ckpt: Pick<Checkpoint, "config">, source: string): CheckpointEnv {
  const c = ckpt.config;
  const envId = typeof c.envId === "string" ? c.envId : typeof c.env === "string" ? c.env : typeof asRecord(c.env).id === "string" ? (asRecord(c.env).id as string) : null;
  if (!envId) throw new SpikelocoError("checkpoint config names no env (expected config.envId)", `${source}: config.envId`);
  // Evaluation sets its own conditions and horizon; training-time randomisation must not leak in.
  const { conditions: _c, maxSteps: _m, ...envOptions } = asRecord(c.envOptions ?? asRecord(c.env).options);
  return { envId, envOptions };
}
