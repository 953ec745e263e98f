/**
 * Checkpoints: a directory holding `checkpoint.json` (spec, config, seed, versions, normaliser, training
 * state, and the SHA-256 of everything) plus one binary file with every float array (parameters and
 * optimizer state). Writes are atomic: the binary goes to a fresh file name (temp + rename), then the
 * manifest is replaced by rename; a process killed at any moment leaves a loadable checkpoint.
 * The one before it is kept (`checkpoint.prev.json` and its binary), so a newest checkpoint corrupted
 * later (a bad disk, a stray edit) falls back to the previous one with a warning. Loading verifies both
 * checksums and every array's bounds.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { SpikelocoError } from "../core/errors.ts";
import type { SearcherState } from "../train/es/searcher.ts";
import { defined } from "../core/defined.ts";
import type { NormalizerState } from "./normalizer.ts";
import { collectVersions } from "./versions.ts";
import { envIdForVersion } from "../../envs/index.ts";

export const MANIFEST = "checkpoint.json";
/** The checkpoint written before the newest one (same format; its binary is kept beside it). */
export const PREVIOUS = "checkpoint.prev.json";
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
  named.forEach(([, arr], i) => blob.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), entries[i]!.offset));
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

  // The current newest checkpoint becomes the previous one, if it is sound (a corrupt one would displace a good previous).
  const kept = soundManifest(dir, MANIFEST);
  if (kept) writeAtomically(dir, PREVIOUS, kept.text);

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
      ...defined({
        info: ckpt.training.info,
        searcher: searcher ? { algo: searcher.algo, generation: searcher.generation, scalars: searcher.scalars } : undefined,
      }),
    },
    savedAt: new Date().toISOString(),
  };
  manifest.sha256 = sha256(JSON.stringify(manifest));
  writeAtomically(dir, MANIFEST, JSON.stringify(manifest, null, 1));

  // Only now are older binaries unreferenced; sweep them and any leftovers of interrupted writes.
  const keep = new Set([blobName, kept?.blob ?? blobOf(dir, PREVIOUS)]);
  for (const f of readdirSync(dir)) {
    if (keep.has(f)) continue;
    const leftover = (f.startsWith("checkpoint.") && f.endsWith(".tmp")) || (f.startsWith("params-") && (f.endsWith(".bin") || f.endsWith(".bin.tmp")));
    if (leftover) rmSync(join(dir, f), { force: true });
  }
}

function writeAtomically(dir: string, name: string, text: string): void {
  const tmp = join(dir, `${name}.${process.pid}.${randomBytes(3).toString("hex")}.tmp`);
  writeFileDurable(tmp, text);
  renameSync(tmp, join(dir, name));
  syncDir(dir);
}

/** The binary a manifest names (null when it cannot be read). */
function blobOf(dir: string, name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, name), "utf8")) as Manifest).blob;
  } catch {
    return null;
  }
}

/** The manifest `name` with its binary, when both verify; null otherwise. */
function soundManifest(dir: string, name: string): { text: string; blob: string } | null {
  if (!existsSync(join(dir, name))) return null;
  try {
    const text = readFileSync(join(dir, name), "utf8");
    readManifest(dir, name, text);
    return { text, blob: (JSON.parse(text) as Manifest).blob };
  } catch {
    return null;
  }
}

/** A checkpoint file that exists but does not verify (the case that falls back to the previous one). */
class CorruptCheckpoint extends SpikelocoError {
  constructor(
    readonly dir: string,
    readonly why: string,
  ) {
    super(`checkpoint '${dir}' is corrupt: ${why}`);
  }
}

function corrupt(dir: string, why: string): CorruptCheckpoint {
  return new CorruptCheckpoint(dir, why);
}

export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, MANIFEST));
}

export interface LoadCheckpointOptions {
  /** Where the fallback-to-previous warning goes (default: a line on stderr). */
  onWarning?: ((message: string) => void) | undefined;
}

export async function loadCheckpoint(dir: string, options: LoadCheckpointOptions = {}): Promise<Checkpoint> {
  return loadCheckpointSync(dir, options);
}

/** The newest checkpoint in `dir`; if it is corrupt, the previous one (with a warning); if both are, an error naming both. */
export function loadCheckpointSync(dir: string, options: LoadCheckpointOptions = {}): Checkpoint {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SpikelocoError(`no checkpoint directory at '${dir}'`);
  const hasPrevious = existsSync(join(dir, PREVIOUS));
  if (!existsSync(join(dir, MANIFEST)) && !hasPrevious) throw new SpikelocoError(`'${dir}' holds no checkpoint (${MANIFEST} is missing)`);
  try {
    if (!existsSync(join(dir, MANIFEST))) throw corrupt(dir, `${MANIFEST} is missing`);
    return readManifest(dir, MANIFEST);
  } catch (newest) {
    if (!(newest instanceof CorruptCheckpoint) || !hasPrevious) throw newest;
    let ckpt: Checkpoint;
    try {
      ckpt = readManifest(dir, PREVIOUS);
    } catch (previous) {
      const why = previous instanceof CorruptCheckpoint ? previous.why : (previous as Error).message;
      throw new SpikelocoError(`checkpoint '${dir}' is corrupt: ${newest.why}; the previous one (${PREVIOUS}) is unusable too: ${why}`);
    }
    const warn = options.onWarning ?? ((m: string) => process.stderr.write(`spikeloco: warning: ${m}\n`));
    warn(`checkpoint '${dir}' is corrupt (${newest.why}); loaded the previous one (${PREVIOUS}, generation ${ckpt.training.generation}) instead`);
    return ckpt;
  }
}

function readManifest(dir: string, name: string, text = readFileSync(join(dir, name), "utf8")): Checkpoint {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (err) {
    throw corrupt(dir, `${name} is not valid JSON (${(err as Error).message})`);
  }
  if (manifest === null || typeof manifest !== "object" || manifest.format !== FORMAT) throw corrupt(dir, `${name} is not a spikeloco checkpoint`);
  if (manifest.formatVersion !== FORMAT_VERSION) {
    throw new SpikelocoError(`checkpoint '${dir}' has format version ${manifest.formatVersion}; this build reads version ${FORMAT_VERSION}`);
  }
  const { sha256: stored, ...body } = manifest;
  const actual = sha256(JSON.stringify(body));
  if (stored !== actual) throw corrupt(dir, `${name} checksum mismatch (stored ${String(stored).slice(0, 12)}, computed ${actual.slice(0, 12)})`);

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
    training: { generation: manifest.training.generation, ...defined({ info: manifest.training.info, searcher }) },
  };
}

export interface CheckpointEnv {
  envId: string;
  envOptions: Record<string, unknown>;
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * The env a checkpoint was trained in: `config.envId` (or `config.env`) and `config.envOptions`; null if it
 * names none. A run recorded on an earlier env version this build still has (versions.env "ant@ant-v3")
 * gets that version's id, so it is evaluated, watched and resumed on the physics it was trained on.
 */
export function findCheckpointEnv(ckpt: Pick<Checkpoint, "config"> & { versions?: Record<string, string> | undefined }): CheckpointEnv | null {
  const c = ckpt.config;
  const named = typeof c.envId === "string" ? c.envId : typeof c.env === "string" ? c.env : typeof asRecord(c.env).id === "string" ? (asRecord(c.env).id as string) : null;
  if (!named) return null;
  const envId = envIdForVersion(named, ckpt.versions?.env);
  // Evaluation sets its own conditions and horizon; training-time randomisation must not leak in.
  const { conditions: _c, maxSteps: _m, ...envOptions } = asRecord(c.envOptions ?? asRecord(c.env).options);
  return { envId, envOptions };
}

/** findCheckpointEnv, refusing a checkpoint whose config names no env. */
export function checkpointEnv(ckpt: Pick<Checkpoint, "config"> & { versions?: Record<string, string> | undefined }, source: string): CheckpointEnv {
  const env = findCheckpointEnv(ckpt);
  if (!env) throw new SpikelocoError("checkpoint config names no env (expected config.envId)", `${source}: config.envId`);
  return env;
}
