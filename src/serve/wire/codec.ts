/**
 * Binary frame codec (little-endian), kind MESSAGE_KIND_FRAME. Shared with the viewer.
 *
 * Layout: u8 kind u8 version u16 flags | u32 step | u32 episode | f32 time | f32 reward | f32 return |
 * u8 endReason u8[3] reserved | f32[3] torso velocity | f32[3] push |
 * f32[7·bodies] poses | f32[terms] | f32[actions] | f32[joints] angles | f32[joints] torques |
 * f32[3·feet] contact forces | f32[modulators] |
 * f32 scale + i8[hidden] membrane potentials (round(v / scale · 127)) |
 * u8[ceil(hidden/8)] spikes | u8[ceil(feet/8)] contacts |
 * (when FRAME_FLAG_HEAT) f32 scale + i8[rows·cols] heat, quantised like the potentials.
 */
import { FRAME_FLAG_HEAT, MESSAGE_KIND_FRAME, PROTOCOL_VERSION, WireError, type Frame, type SceneDescription } from "./protocol.ts";

const HEADER_BYTES = 52;

export interface FrameLayout {
  bodies: number;
  terms: number;
  actions: number;
  joints: number;
  modulators: number;
  hidden: number;
  feet: number;
  heat: number;
}

export function frameLayout(scene: SceneDescription): FrameLayout {
  return {
    bodies: scene.bodies.length,
    terms: scene.terms.length,
    actions: scene.actions.length,
    joints: scene.joints.length,
    modulators: scene.nModulators,
    hidden: scene.nHidden,
    feet: scene.feet.length,
    heat: scene.heatRows * scene.heatCols,
  };
}

export function sameLayout(a: FrameLayout, b: FrameLayout): boolean {
  return (Object.keys(a) as (keyof FrameLayout)[]).every((k) => a[k] === b[k]);
}

export function frameBytes(l: FrameLayout, withHeat: boolean): number {
  const floats = 7 * l.bodies + l.terms + l.actions + 2 * l.joints + 3 * l.feet + l.modulators;
  const bits = Math.ceil(l.hidden / 8) + Math.ceil(l.feet / 8);
  return HEADER_BYTES + 4 * floats + 4 + l.hidden + bits + (withHeat && l.heat > 0 ? 4 + l.heat : 0);
}

/** An empty frame with arrays sized for the layout (reuse it as a decode target). */
export function allocFrame(l: FrameLayout): Frame {
  return {
    step: 0,
    episode: 0,
    time: 0,
    flags: 0,
    reward: 0,
    episodeReturn: 0,
    endReason: 0,
    poses: new Float32Array(7 * l.bodies),
    torsoVelocity: new Float32Array(3),
    push: new Float32Array(3),
    terms: new Float32Array(l.terms),
    actions: new Float32Array(l.actions),
    jointAngles: new Float32Array(l.joints),
    torques: new Float32Array(l.joints),
    contactForces: new Float32Array(3 * l.feet),
    modulators: new Float32Array(l.modulators),
    spikes: new Uint8Array(l.hidden),
    voltages: new Float32Array(l.hidden),
    contacts: new Uint8Array(l.feet),
    heat: new Float32Array(l.heat),
  };
}

function writeFloats(view: DataView, at: number, src: ArrayLike<number>, n: number): number {
  for (let i = 0; i < n; i++) view.setFloat32(at + 4 * i, i < src.length ? src[i]! : 0, true);
  return at + 4 * n;
}

function readFloats(view: DataView, at: number, dst: Float32Array, n: number): number {
  for (let i = 0; i < n; i++) dst[i] = view.getFloat32(at + 4 * i, true);
  return at + 4 * n;
}

function writeBits(bytes: Uint8Array, at: number, src: ArrayLike<number>, n: number): number {
  const nb = Math.ceil(n / 8);
  bytes.fill(0, at, at + nb);
  for (let i = 0; i < n; i++) if (src[i]) bytes[at + (i >> 3)]! |= 1 << (i & 7);
  return at + nb;
}

function readBits(bytes: Uint8Array, at: number, dst: Uint8Array, n: number): number {
  for (let i = 0; i < n; i++) dst[i] = (bytes[at + (i >> 3)]! >> (i & 7)) & 1;
  return at + Math.ceil(n / 8);
}

/** f32 scale (largest magnitude) then one signed byte per value. */
function writeQuantised(view: DataView, at: number, src: ArrayLike<number>, n: number): number {
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const v = src[i] ?? 0;
    if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const scale = maxAbs > 0 && Number.isFinite(maxAbs) ? maxAbs : 1;
  view.setFloat32(at, scale, true);
  for (let i = 0; i < n; i++) {
    const v = src[i] ?? 0;
    view.setInt8(at + 4 + i, Number.isFinite(v) ? Math.round((v / scale) * 127) : 0);
  }
  return at + 4 + n;
}

function readQuantised(view: DataView, at: number, dst: Float32Array, n: number): number {
  const scale = view.getFloat32(at, true);
  for (let i = 0; i < n; i++) dst[i] = (view.getInt8(at + 4 + i) / 127) * scale;
  return at + 4 + n;
}

/** Encode a frame; the heat map is included when `frame.flags` has FRAME_FLAG_HEAT. */
export function encodeFrame(frame: Frame, l: FrameLayout): Uint8Array {
  const withHeat = (frame.flags & FRAME_FLAG_HEAT) !== 0 && l.heat > 0;
  const flags = withHeat ? frame.flags : frame.flags & ~FRAME_FLAG_HEAT;
  const bytes = new Uint8Array(frameBytes(l, withHeat));
  const view = new DataView(bytes.buffer);
  view.setUint8(0, MESSAGE_KIND_FRAME);
  view.setUint8(1, PROTOCOL_VERSION);
  view.setUint16(2, flags, true);
  view.setUint32(4, frame.step >>> 0, true);
  view.setUint32(8, frame.episode >>> 0, true);
  view.setFloat32(12, frame.time, true);
  view.setFloat32(16, frame.reward, true);
  view.setFloat32(20, frame.episodeReturn, true);
  view.setUint8(24, frame.endReason);
  let at = 28;
  at = writeFloats(view, at, frame.torsoVelocity, 3);
  at = writeFloats(view, at, frame.push, 3);
  at = writeFloats(view, at, frame.poses, 7 * l.bodies);
  at = writeFloats(view, at, frame.terms, l.terms);
  at = writeFloats(view, at, frame.actions, l.actions);
  at = writeFloats(view, at, frame.jointAngles, l.joints);
  at = writeFloats(view, at, frame.torques, l.joints);
  at = writeFloats(view, at, frame.contactForces, 3 * l.feet);
  at = writeFloats(view, at, frame.modulators, l.modulators);
  at = writeQuantised(view, at, frame.voltages, l.hidden);
  at = writeBits(bytes, at, frame.spikes, l.hidden);
  at = writeBits(bytes, at, frame.contacts, l.feet);
  if (withHeat) writeQuantised(view, at, frame.heat, l.heat);
  return bytes;
}

/** Decode into `out` (allocated with allocFrame for the same layout). Throws WireError on a size mismatch. */
export function decodeFrame(data: Uint8Array, l: FrameLayout, out: Frame = allocFrame(l)): Frame {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < HEADER_BYTES || view.getUint8(0) !== MESSAGE_KIND_FRAME) throw new WireError("not a frame");
  if (view.getUint8(1) !== PROTOCOL_VERSION) throw new WireError(`frame of protocol version ${view.getUint8(1)}, this build reads ${PROTOCOL_VERSION}`);
  const flags = view.getUint16(2, true);
  const withHeat = (flags & FRAME_FLAG_HEAT) !== 0;
  if (data.byteLength !== frameBytes(l, withHeat)) {
    throw new WireError(`frame has ${data.byteLength} bytes, layout expects ${frameBytes(l, withHeat)}`);
  }
  out.flags = flags;
  out.step = view.getUint32(4, true);
  out.episode = view.getUint32(8, true);
  out.time = view.getFloat32(12, true);
  out.reward = view.getFloat32(16, true);
  out.episodeReturn = view.getFloat32(20, true);
  out.endReason = view.getUint8(24);
  let at = 28;
  at = readFloats(view, at, out.torsoVelocity, 3);
  at = readFloats(view, at, out.push, 3);
  at = readFloats(view, at, out.poses, 7 * l.bodies);
  at = readFloats(view, at, out.terms, l.terms);
  at = readFloats(view, at, out.actions, l.actions);
  at = readFloats(view, at, out.jointAngles, l.joints);
  at = readFloats(view, at, out.torques, l.joints);
  at = readFloats(view, at, out.contactForces, 3 * l.feet);
  at = readFloats(view, at, out.modulators, l.modulators);
  at = readQuantised(view, at, out.voltages, l.hidden);
  at = readBits(data, at, out.spikes, l.hidden);
  at = readBits(data, at, out.contacts, l.feet);
  if (withHeat) readQuantised(view, at, out.heat, l.heat);
  return out;
}

/** Copy a frame (recordings and client-side history keep their own copies). */
export function cloneFrame(f: Frame): Frame {
  return {
    ...f,
    poses: f.poses.slice(),
    torsoVelocity: f.torsoVelocity.slice(),
    push: f.push.slice(),
    terms: f.terms.slice(),
    actions: f.actions.slice(),
    jointAngles: f.jointAngles.slice(),
    torques: f.torques.slice(),
    contactForces: f.contactForces.slice(),
    modulators: f.modulators.slice(),
    spikes: f.spikes.slice(),
    voltages: f.voltages.slice(),
    contacts: f.contacts.slice(),
    heat: f.heat.slice(),
  };
}
