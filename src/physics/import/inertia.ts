/**
 * Mass properties of primitive shapes and their composition (parallel-axis theorem), for bodies whose
 * mass cannot come from Rapier densities (explicit inertials, ellipsoids, rotated boxes merged with them).
 * Formulas match MuJoCo's and Rapier's (capsule = cylinder + two hemispheres, exact).
 */
import type { Vec3 } from "../math.ts";
import type { InertialDescription } from "../robot.ts";

/** Symmetric tensor as a 3x3 array (rows). */
export type Mat3 = number[][];

export interface MassProps {
  mass: number;
  com: Vec3;
  /** About com, in the frame the com is given in. */
  tensor: Mat3;
}

export const ZERO_MASS: MassProps = { mass: 0, com: [0, 0, 0], tensor: zeros() };

export function zeros(): Mat3 {
  return [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
}

export function diag(a: number, b: number, c: number): Mat3 {
  return [
    [a, 0, 0],
    [0, b, 0],
    [0, 0, c],
  ];
}

/** R · I · Rᵀ with R given as rows. */
export function rotateTensor(r: Mat3, t: Mat3): Mat3 {
  const out = zeros();
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) s += r[i]![k]! * t[k]![l]! * r[j]![l]!;
      out[i]![j] = s;
    }
  return out;
}

/** Tensor of a body symmetric about unit axis `d`: `across` about any axis normal to d, `along` about d. */
export function axialTensor(d: Vec3, across: number, along: number): Mat3 {
  const t = zeros();
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) t[i]![j] = (i === j ? across : 0) + (along - across) * d[i]! * d[j]!;
  return t;
}

export function sphereInertia(mass: number, r: number): number {
  return 0.4 * mass * r * r;
}

/** Capsule of radius r and cylinder length h: [across, along]. */
export function capsuleInertia(mass: number, r: number, h: number): [number, number] {
  const vc = Math.PI * r * r * h;
  const vs = (4 / 3) * Math.PI * r ** 3;
  const ms = (mass * vs) / (vc + vs);
  const mc = mass - ms;
  const across = (mc * (3 * r * r + h * h)) / 12 + 0.4 * ms * r * r + (ms * h * (3 * r + 2 * h)) / 8;
  const along = (mc * r * r) / 2 + 0.4 * ms * r * r;
  return [across, along];
}

export function cylinderInertia(mass: number, r: number, h: number): [number, number] {
  return [(mass * (3 * r * r + h * h)) / 12, (mass * r * r) / 2];
}

/** Box with half extents (principal frame). */
export function boxInertia(mass: number, h: Vec3): Vec3 {
  const [a, b, c] = [2 * h[0], 2 * h[1], 2 * h[2]];
  return [(mass * (b * b + c * c)) / 12, (mass * (a * a + c * c)) / 12, (mass * (a * a + b * b)) / 12];
}

export function ellipsoidInertia(mass: number, r: Vec3): Vec3 {
  return [(mass * (r[1] ** 2 + r[2] ** 2)) / 5, (mass * (r[0] ** 2 + r[2] ** 2)) / 5, (mass * (r[0] ** 2 + r[1] ** 2)) / 5];
}

/** Sum of mass properties about the combined centre of mass. */
export function combine(parts: MassProps[]): MassProps {
  const mass = parts.reduce((s, p) => s + p.mass, 0);
  if (!(mass > 0)) return { mass, com: [0, 0, 0], tensor: zeros() };
  const com: Vec3 = [0, 0, 0];
  for (const p of parts) for (let k = 0; k < 3; k++) com[k]! += (p.mass * p.com[k]!) / mass;
  const t = zeros();
  for (const p of parts) {
    const d = [p.com[0] - com[0], p.com[1] - com[1], p.com[2] - com[2]];
    const dd = d[0]! * d[0]! + d[1]! * d[1]! + d[2]! * d[2]!;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) t[i]![j]! += p.tensor[i]![j]! + p.mass * ((i === j ? dd : 0) - d[i]! * d[j]!);
  }
  return { mass, com, tensor: t };
}

export function toInertial(m: MassProps): InertialDescription {
  const t = m.tensor;
  return { mass: m.mass, com: [...m.com], inertia: [t[0]![0]!, t[1]![1]!, t[2]![2]!, t[0]![1]!, t[0]![2]!, t[1]![2]!] };
}

/** Mass properties of a closed triangle mesh (signed tetrahedra; divergence theorem), density 1. */
export function meshMassProps(vertices: Vec3[], triangles: Array<[number, number, number]>): MassProps {
  let vol = 0;
  const c: Vec3 = [0, 0, 0];
  // second moments ∫x², ∫y², ∫z², ∫xy, ∫xz, ∫yz
  const s = [0, 0, 0, 0, 0, 0];
  for (const [ia, ib, ic] of triangles) {
    const a = vertices[ia]!, b = vertices[ib]!, d = vertices[ic]!;
    const v = (a[0] * (b[1] * d[2] - b[2] * d[1]) - a[1] * (b[0] * d[2] - b[2] * d[0]) + a[2] * (b[0] * d[1] - b[1] * d[0])) / 6;
    vol += v;
    for (let k = 0; k < 3; k++) c[k]! += (v * (a[k]! + b[k]! + d[k]!)) / 4;
    const sq = (i: number, j: number) => (v / 20) * (a[i]! * a[j]! + b[i]! * b[j]! + d[i]! * d[j]! + (a[i]! + b[i]! + d[i]!) * (a[j]! + b[j]! + d[j]!));
    s[0]! += sq(0, 0);
    s[1]! += sq(1, 1);
    s[2]! += sq(2, 2);
    s[3]! += sq(0, 1);
    s[4]! += sq(0, 2);
    s[5]! += sq(1, 2);
  }
  if (vol < 0) {
    vol = -vol;
    for (let k = 0; k < 3; k++) c[k] = -c[k]!;
    for (let k = 0; k < 6; k++) s[k] = -s[k]!;
  }
  if (!(vol > 0)) return { mass: 0, com: [0, 0, 0], tensor: zeros() };
  const com: Vec3 = [c[0] / vol, c[1] / vol, c[2] / vol];
  // inertia about the origin, then shifted to the com
  const io = [
    [s[1]! + s[2]!, -s[3]!, -s[4]!],
    [-s[3]!, s[0]! + s[2]!, -s[5]!],
    [-s[4]!, -s[5]!, s[0]! + s[1]!],
  ];
  const dd = com[0] ** 2 + com[1] ** 2 + com[2] ** 2;
  const t = zeros();
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) t[i]![j] = io[i]![j]! - vol * ((i === j ? dd : 0) - com[i]! * com[j]!);
  return { mass: vol, com, tensor: t };
}
