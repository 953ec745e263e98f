/**
 * Wire frames: a JSON header plus typed arrays sent as raw little-endian bytes, so every float crosses the
 * network bit for bit (JSON alone would turn -0 into 0 and NaN into null). Layout: u32 header length,
 * header JSON (with `$a`: name, dtype, length of each array), then each array at an 8-byte boundary.
 */
import { createHash } from "node:crypto";

export type WireArray = Float64Array | Float32Array | Uint8Array;
type DType = "f64" | "f32" | "u8";

export interface Frame<H> {
  header: H;
  arrays: Record<string, WireArray>;
}

const dtypeOf = (a: WireArray): DType => (a instanceof Float64Array ? "f64" : a instanceof Float32Array ? "f32" : "u8");
const width: Record<DType, number> = { f64: 8, f32: 4, u8: 1 };
const align8 = (n: number) => Math.ceil(n / 8) * 8;

export function encodeFrame(header: object, arrays: Record<string, WireArray> = {}): Uint8Array {
  const entries = Object.entries(arrays);
  const json = new TextEncoder().encode(JSON.stringify({ ...header, $a: entries.map(([name, a]) => [name, dtypeOf(a), a.length]) }));
  let bytes = align8(4 + json.length);
  const offsets = entries.map(([, a]) => {
    const at = bytes;
    bytes = align8(bytes + a.byteLength);
    return at;
  });
  const out = new Uint8Array(bytes);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  entries.forEach(([, a], i) => out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]));
  return out;
}

export function decodeFrame<H>(bytes: Uint8Array): Frame<H> {
  if (bytes.length < 4) throw new Error("frame too short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(0, true);
  if (4 + jsonLength > bytes.length) throw new Error("frame header runs past the end");
  const { $a, ...header } = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + jsonLength))) as { $a: Array<[string, DType, number]> };
  const arrays: Record<string, WireArray> = {};
  let at = align8(4 + jsonLength);
  for (const [name, dtype, length] of $a) {
    const n = length * width[dtype];
    if (at + n > bytes.length) throw new Error(`frame array '${name}' runs past the end`);
    const copy = new Uint8Array(n); // aligned copy (a Buffer's slice would be a view into a shared pool)
    copy.set(bytes.subarray(at, at + n));
    arrays[name] = dtype === "f64" ? new Float64Array(copy.buffer) : dtype === "f32" ? new Float32Array(copy.buffer) : copy;
    at = align8(at + n);
  }
  return { header: header as H, arrays };
}

/** Content address of a blob: the first 128 bits of its SHA-256, hex. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 32);
}

export const json = {
  encode: (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value)),
  decode: <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T,
};
