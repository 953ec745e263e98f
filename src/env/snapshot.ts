/**
 * Snapshot = Rapier's world bytes + the episode state object encoded whole (typed arrays as exact bytes,
 * everything else as JSON), with the env id, the options the dynamics depend on and the Rapier handles of
 * the robot and ground. Restore refuses a snapshot of another env or other options.
 */
import { SpikelocoError } from "../core/errors.ts";
import type { EpisodeState } from "./state.ts";
import type { EnvSnapshot } from "./types.ts";
import type { WorldHandles } from "./world.ts";

type TypedArray = Float32Array | Float64Array | Uint8Array;
const TYPED = { Float32Array, Float64Array, Uint8Array } as const;
type TypedName = keyof typeof TYPED;

interface Encoded {
  envId: string;
  options: Record<string, unknown>;
  handles: WorldHandles;
  state: Record<string, unknown>;
}

function encodeValue(v: unknown): unknown {
  if (!ArrayBuffer.isView(v)) return v;
  const a = v as TypedArray;
  return { typed: a.constructor.name, bytes: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64") };
}

function decodeTyped(v: unknown, key: string): TypedArray {
  const e = v as { typed?: string; bytes?: string } | null;
  const Ctor = e && typeof e.typed === "string" && Object.prototype.hasOwnProperty.call(TYPED, e.typed) ? TYPED[e.typed as TypedName] : undefined;
  if (!Ctor || typeof e!.bytes !== "string") throw new SpikelocoError(`snapshot state field '${key}' is not an encoded array`, "restore");
  const bytes = Buffer.from(e!.bytes, "base64");
  const out = new Ctor(bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function takeSnapshot(worldBytes: Uint8Array, meta: Omit<Encoded, "state">, state: EpisodeState): EnvSnapshot {
  const encoded: Encoded = { ...meta, state: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, encodeValue(v)])) };
  return { world: worldBytes, state: JSON.stringify(encoded) };
}

/**
 * Checks and decodes a snapshot for this env (throws before anything changes); `commit` then writes its
 * state into `state`.
 */
export function readSnapshot(
  snap: EnvSnapshot,
  expect: { envId: string; options: Record<string, unknown> },
  state: EpisodeState,
): { handles: WorldHandles; commit(): void } {
  let s: Encoded;
  try {
    s = JSON.parse(snap.state) as Encoded;
  } catch {
    throw new SpikelocoError("snapshot state is not valid JSON (not made by snapshot()?)", "restore");
  }
  if (s.envId !== expect.envId) throw new SpikelocoError(`snapshot is of a '${String(s.envId)}' env, cannot restore it into '${expect.envId}'`, "restore");
  const mine = expect.options;
  const differ = Object.keys(mine).filter((k) => JSON.stringify(mine[k]) !== JSON.stringify(s.options?.[k]));
  if (differ.length > 0) {
    throw new SpikelocoError(`snapshot was taken with other env options (${differ.join(", ")}); restore it into an env made with the same options`, "restore");
  }
  const saved = s.state ?? {};
  const target = state as unknown as Record<string, unknown>;
  const missing = Object.keys(target).filter((k) => !(k in saved));
  if (missing.length > 0) throw new SpikelocoError(`snapshot state lacks ${missing.join(", ")} (made by another version?)`, "restore");
  const decoded = Object.keys(target).map((k) => [k, ArrayBuffer.isView(target[k]) ? decodeTyped(saved[k], k) : saved[k]] as const);
  return {
    handles: s.handles,
    commit(): void {
      for (const [k, v] of decoded) {
        const current = target[k];
        // fixed-size arrays are overwritten in place (other objects hold them); a resized one is replaced
        if (ArrayBuffer.isView(current) && (current as TypedArray).length === (v as TypedArray).length) (current as TypedArray).set(v as TypedArray);
        else target[k] = v;
      }
    },
  };
}
