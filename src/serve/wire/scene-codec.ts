/**
 * Binary scene message, kind MESSAGE_KIND_SCENE (little-endian). Encoded once per scene and sent as is
 * to every client (and stored in recordings):
 *
 *   u8 kind u8 version u16 reserved | u32 json bytes | JSON of the scene without heights | pad to 4 |
 *   when the terrain has a heightfield: f32 lo | f32 hi | u16[nx·ny] heights, quantised as
 *   round((h - lo) / (hi - lo) · 65535) (the viewer gets them to within (hi - lo) / 131070).
 */
import { MESSAGE_KIND_SCENE, PROTOCOL_VERSION, WireError, type SceneDescription, type SceneHeightfield } from "./protocol.ts";

type HeightfieldHeader = Omit<SceneHeightfield, "heights">;

export function encodeScene(scene: SceneDescription): Uint8Array {
  const hf = scene.terrain.heightfield;
  const header: HeightfieldHeader | undefined = hf && { nx: hf.nx, ny: hf.ny, x0: hf.x0, y0: hf.y0, dx: hf.dx, dy: hf.dy };
  const json = new TextEncoder().encode(JSON.stringify({ ...scene, terrain: { ...scene.terrain, heightfield: header } }));
  const jsonEnd = 8 + json.byteLength;
  const padded = (jsonEnd + 3) & ~3;
  const n = hf ? hf.nx * hf.ny : 0;
  const bytes = new Uint8Array(padded + (hf ? 8 + 2 * n : 0));
  const view = new DataView(bytes.buffer);
  view.setUint8(0, MESSAGE_KIND_SCENE);
  view.setUint8(1, PROTOCOL_VERSION);
  view.setUint32(4, json.byteLength, true);
  bytes.set(json, 8);
  if (hf) {
    if (hf.heights.length !== n) throw new WireError(`heightfield has ${hf.heights.length} heights, expected ${n}`, "scene");
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, hf.heights[i]!);
      hi = Math.max(hi, hf.heights[i]!);
    }
    if (!(hi >= lo)) throw new WireError("heightfield heights must be finite", "scene");
    const span = hi > lo ? hi - lo : 1;
    view.setFloat32(padded, lo, true);
    view.setFloat32(padded + 4, hi, true);
    for (let i = 0; i < n; i++) view.setUint16(padded + 8 + 2 * i, Math.round(((hf.heights[i]! - lo) / span) * 65535), true);
  }
  return bytes;
}

export function decodeScene(data: Uint8Array): SceneDescription {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 8 || view.getUint8(0) !== MESSAGE_KIND_SCENE) throw new WireError("not a scene message", "scene");
  if (view.getUint8(1) !== PROTOCOL_VERSION) throw new WireError(`scene of protocol version ${view.getUint8(1)}, this build reads ${PROTOCOL_VERSION}`, "scene");
  const jsonBytes = view.getUint32(4, true);
  if (8 + jsonBytes > data.byteLength) throw new WireError("truncated scene message", "scene");
  let parsed: Omit<SceneDescription, "terrain"> & { terrain: Omit<SceneDescription["terrain"], "heightfield"> & { heightfield?: HeightfieldHeader } };
  try {
    parsed = JSON.parse(new TextDecoder().decode(data.subarray(8, 8 + jsonBytes)));
  } catch {
    throw new WireError("scene JSON is not valid", "scene");
  }
  const header = parsed.terrain.heightfield;
  const scene = parsed as unknown as SceneDescription;
  if (header) {
    const padded = (8 + jsonBytes + 3) & ~3;
    const n = header.nx * header.ny;
    if (padded + 8 + 2 * n !== data.byteLength) throw new WireError(`scene message has ${data.byteLength} bytes, its heightfield needs ${padded + 8 + 2 * n}`, "scene");
    const lo = view.getFloat32(padded, true);
    const hi = view.getFloat32(padded + 4, true);
    const span = hi > lo ? hi - lo : 0;
    const heights = new Float32Array(n);
    for (let i = 0; i < n; i++) heights[i] = lo + (view.getUint16(padded + 8 + 2 * i, true) / 65535) * span;
    scene.terrain.heightfield = { ...header, heights };
  } else delete scene.terrain.heightfield;
  return scene;
}
