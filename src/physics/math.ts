/** Small allocation-free vector/quaternion helpers. Quaternions are stored x, y, z, w. */

export type Vec3 = [number, number, number];
export type Quat = [number, number, number, number];

export function normalize3(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

export function cross3(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function quatFromAxisAngle(axis: Vec3, angle: number): Quat {
  const a = normalize3(axis);
  const s = Math.sin(angle / 2);
  return [a[0] * s, a[1] * s, a[2] * s, Math.cos(angle / 2)];
}

/** Hamilton product a*b. */
export function quatMul(a: Quat, b: Quat): Quat {
  return [
    a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1],
    a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0],
    a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3],
    a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2],
  ];
}

export function rotateVec(q: Quat, v: Vec3): Vec3 {
  return rotateInto(q[0], q[1], q[2], q[3], v[0], v[1], v[2], [0, 0, 0]);
}

/** out = q * v * q^-1 (unit q), written into `out`. */
export function rotateInto(qx: number, qy: number, qz: number, qw: number, vx: number, vy: number, vz: number, out: Vec3 | Float64Array): Vec3 {
  const tx = 2 * (qy * vz - qz * vy);
  const ty = 2 * (qz * vx - qx * vz);
  const tz = 2 * (qx * vy - qy * vx);
  out[0] = vx + qw * tx + (qy * tz - qz * ty);
  out[1] = vy + qw * ty + (qz * tx - qx * tz);
  out[2] = vz + qw * tz + (qx * ty - qy * tx);
  return out as Vec3;
}

/** out = q^-1 * v * q: a world vector expressed in the body frame. */
export function inverseRotateInto(qx: number, qy: number, qz: number, qw: number, vx: number, vy: number, vz: number, out: Vec3 | Float64Array): Vec3 {
  return rotateInto(-qx, -qy, -qz, qw, vx, vy, vz, out);
}

/** Rotation taking +y to direction d (used to orient Rapier capsules, whose axis is local y). */
export function quatFromYTo(d: Vec3): Quat {
  const n = normalize3(d);
  const dot = n[1];
  if (dot > 1 - 1e-9) return [0, 0, 0, 1];
  if (dot < -1 + 1e-9) return [1, 0, 0, 0];
  const axis = cross3([0, 1, 0], n);
  return quatFromAxisAngle(axis, Math.acos(dot));
}
