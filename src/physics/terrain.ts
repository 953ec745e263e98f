/**
 * Terrains as data: flat, rough (seeded heightfield), slope, stairs, gaps (stepping stones).
 * `describeTerrain` produces a TerrainDescription (heightfield samples and boxes) that the viewer can
 * draw and that `buildTerrain` turns into Rapier colliders; `terrainHeightAt` gives the nominal ground
 * height under a point (used for the torso height observation and the healthy check).
 * The robot starts near the origin facing +x; features begin at x = FEATURE_START and every terrain
 * extends COURSE_LENGTH metres beyond it (`course` says where the surface ends; the env truncates an
 * episode whose torso leaves it rather than letting the robot fall off the edge).
 */
import { Rng, deriveSeed } from "../core/rng.ts";
import type { Collider, Rapier, World } from "./rapier.ts";
import { GROUND_GROUPS } from "./rapier.ts";
import type { Quat, Vec3 } from "./math.ts";
import { quatFromAxisAngle } from "./math.ts";

/** Every terrain kind, declared once: the conditions schema, the viewer's terrain menu and the CLI derive from it. */
export const TERRAIN_KINDS = ["flat", "rough", "slope", "stairs", "gaps"] as const;
export type TerrainKind = (typeof TERRAIN_KINDS)[number];

export type TerrainSpec =
  | { kind: "flat" }
  /** amplitude: peak height (m); scale: feature size (m). */
  | { kind: "rough"; amplitude: number; scale: number }
  /** angle in degrees. */
  | { kind: "slope"; angle: number; direction: "up" | "down" }
  | { kind: "stairs"; stepHeight: number; stepWidth: number; direction: "up" | "down" }
  | { kind: "gaps"; gapWidth: number; stoneLength: number };

// a compile error here means TerrainSpec and TERRAIN_KINDS list different kinds
const SPEC_KINDS_MATCH: [TerrainSpec["kind"]] extends [TerrainKind] ? ([TerrainKind] extends [TerrainSpec["kind"]] ? true : never) : never = true;
void SPEC_KINDS_MATCH;

export interface TerrainBox {
  center: Vec3;
  halfExtents: Vec3;
  rotation: Quat;
}

/** Heights on a regular grid: heights[ix * ny + iy] at (x0 + ix*dx, y0 + iy*dy). */
export interface HeightfieldData {
  nx: number;
  ny: number;
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  heights: Float32Array;
}

/** The region the terrain covers as specified: xMin <= x <= xMax and |y| <= yHalf (m). */
export interface CourseBounds {
  xMin: number;
  xMax: number;
  yHalf: number;
}

export interface TerrainDescription {
  kind: TerrainSpec["kind"];
  spec: TerrainSpec;
  seed: number;
  /** Boxes and heightfield in terrain-local coordinates (world x = local x + originX). */
  boxes: TerrainBox[];
  heightfield?: HeightfieldData;
  /** World-frame bounds. */
  course: CourseBounds;
  /** x offset of the whole terrain (a terrain that appears mid-episode ahead of the robot); absent = 0. */
  originX?: number;
}

/**
 * The same terrain moved so that its features begin at world x = `featureStartX` (e.g. just ahead of a
 * robot when the terrain switches on mid-episode). A heightfield is flattened before its feature start
 * (with a 0.5 m ramp) so the robot is not standing inside it when it appears.
 */
export function shiftTerrain(t: TerrainDescription, featureStartX: number): TerrainDescription {
  const dx = featureStartX - FEATURE_START;
  let heightfield = t.heightfield;
  if (heightfield) {
    const hf = heightfield;
    const heights = hf.heights.slice();
    for (let ix = 0; ix < hf.nx; ix++) {
      const x = hf.x0 + ix * hf.dx;
      const ramp = Math.min(Math.max((x - FEATURE_START) / 0.5, 0), 1);
      if (ramp < 1) for (let iy = 0; iy < hf.ny; iy++) heights[ix * hf.ny + iy]! *= ramp;
    }
    heightfield = { ...hf, heights };
  }
  const c = t.course;
  return { ...t, ...(heightfield ? { heightfield } : {}), originX: (t.originX ?? 0) + dx, course: { xMin: c.xMin + dx, xMax: c.xMax + dx, yHalf: c.yHalf } };
}

export const FEATURE_START = 1.0;
/** Metres of terrain beyond FEATURE_START: a 1000-step episode (50 s) at 3 m/s stays on it. */
export const COURSE_LENGTH = 150;
/** Top of the catch floor below the stepping stones. */
export const GAP_FLOOR = -2;
const IDENTITY: Quat = [0, 0, 0, 1];
const COURSE_END = FEATURE_START + COURSE_LENGTH;
/** Half-width (y) of the box terrains and of the rough heightfield (m); trained walkers drift up to ~25 m sideways in 1000 steps. */
export const COURSE_HALF_WIDTH = { boxes: 50, rough: 30 } as const;
const BOX_HALF_WIDTH = COURSE_HALF_WIDTH.boxes;
const HF_X: [number, number] = [-4, COURSE_END];
const HF_Y: [number, number] = [-COURSE_HALF_WIDTH.rough, COURSE_HALF_WIDTH.rough];
const HF_SPACING = 0.1;
/** Run-up behind the start (the robot may walk backwards). */
const RUN_UP = 50;
const STAIR_STEPS = 60;

export function describeTerrain(spec: TerrainSpec, seed: number): TerrainDescription {
  const boxes: TerrainBox[] = [];
  const rough = spec.kind === "rough";
  const course: CourseBounds = { xMin: rough ? HF_X[0] : -RUN_UP, xMax: COURSE_END, yHalf: rough ? HF_Y[1] : BOX_HALF_WIDTH };
  const base: TerrainDescription = { kind: spec.kind, spec, seed, boxes, course };
  // one slab from -RUN_UP to COURSE_END at height `top`
  const slab = (top: number): TerrainBox => ({
    center: [(COURSE_END - RUN_UP) / 2, 0, top - 0.5],
    halfExtents: [(COURSE_END + RUN_UP) / 2, BOX_HALF_WIDTH, 0.5],
    rotation: IDENTITY,
  });
  // flat ground from -RUN_UP to where the features begin
  const runUp: TerrainBox = {
    center: [(FEATURE_START - RUN_UP) / 2, 0, -0.5],
    halfExtents: [(FEATURE_START + RUN_UP) / 2, BOX_HALF_WIDTH, 0.5],
    rotation: IDENTITY,
  };
  switch (spec.kind) {
    case "flat":
      boxes.push(slab(0));
      return base;
    case "rough": {
      base.heightfield = roughHeightfield(spec.amplitude, spec.scale, seed);
      // a catch floor below the lowest point so nothing falls forever off the edge
      boxes.push(slab(-spec.amplitude - 1));
      return base;
    }
    case "slope": {
      const a = ((spec.direction === "up" ? 1 : -1) * spec.angle * Math.PI) / 180;
      boxes.push(runUp);
      // half-length along the incline, so that the slope covers the course horizontally
      const L = COURSE_LENGTH / (2 * Math.cos(a));
      const T = 0.5;
      // rotate about y by -a so that +x rises by tan(a)
      const rot = quatFromAxisAngle([0, 1, 0], -a);
      const c = Math.cos(a);
      const s = Math.sin(a);
      // center = start + R*(L, 0, -T), with R*(1,0,0) = (c, 0, s) and R*(0,0,1) = (-s, 0, c)
      boxes.push({ center: [FEATURE_START + L * c + T * s, 0, L * s - T * c], halfExtents: [L, BOX_HALF_WIDTH, T], rotation: rot });
      return base;
    }
    case "stairs": {
      const sign = spec.direction === "up" ? 1 : -1;
      boxes.push(runUp);
      for (let i = 0; i < STAIR_STEPS; i++) {
        const top = sign * (i + 1) * spec.stepHeight;
        const bottom = Math.min(0, top) - 1;
        const x0 = FEATURE_START + i * spec.stepWidth;
        // the last step is a landing that runs to the end of the course
        const hx = i === STAIR_STEPS - 1 ? Math.max(spec.stepWidth, COURSE_END - x0) / 2 : spec.stepWidth / 2;
        boxes.push({ center: [x0 + hx, 0, (top + bottom) / 2], halfExtents: [hx, BOX_HALF_WIDTH, (top - bottom) / 2], rotation: IDENTITY });
      }
      return base;
    }
    case "gaps": {
      boxes.push(runUp);
      const pitch = spec.gapWidth + spec.stoneLength;
      for (let k = 0; k < Math.ceil(COURSE_LENGTH / pitch); k++) {
        const x0 = FEATURE_START + spec.gapWidth + k * pitch;
        boxes.push({ center: [x0 + spec.stoneLength / 2, 0, -0.5], halfExtents: [spec.stoneLength / 2, BOX_HALF_WIDTH, 0.5], rotation: IDENTITY });
      }
      boxes.push(slab(GAP_FLOOR));
      return base;
    }
  }
}

/** Smooth seeded value noise (two octaves), amplitude-normalised, on the heightfield grid. */
function roughHeightfield(amplitude: number, scale: number, seed: number): HeightfieldData {
  const nx = Math.round((HF_X[1] - HF_X[0]) / HF_SPACING) + 1;
  const ny = Math.round((HF_Y[1] - HF_Y[0]) / HF_SPACING) + 1;
  const heights = new Float32Array(nx * ny);
  const octaves: Array<[number, number]> = [
    [scale, 1],
    [scale / 2, 0.5],
  ];
  const norm = octaves.reduce((s, [, w]) => s + w, 0);
  octaves.forEach(([cell, weight], o) => {
    const gx = Math.ceil((HF_X[1] - HF_X[0]) / cell) + 2;
    const gy = Math.ceil((HF_Y[1] - HF_Y[0]) / cell) + 2;
    const rng = new Rng(deriveSeed(seed, "terrain-rough", o));
    const lattice = new Float64Array(gx * gy);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng.range(-1, 1);
    for (let ix = 0; ix < nx; ix++) {
      const u = (ix * HF_SPACING) / cell;
      const i0 = Math.floor(u);
      const fu = smooth(u - i0);
      for (let iy = 0; iy < ny; iy++) {
        const v = (iy * HF_SPACING) / cell;
        const j0 = Math.floor(v);
        const fv = smooth(v - j0);
        const a = lattice[i0 * gy + j0]!;
        const b = lattice[(i0 + 1) * gy + j0]!;
        const c = lattice[i0 * gy + j0 + 1]!;
        const d = lattice[(i0 + 1) * gy + j0 + 1]!;
        const h = (a * (1 - fu) + b * fu) * (1 - fv) + (c * (1 - fu) + d * fu) * fv;
        heights[ix * ny + iy]! += (amplitude * weight * h) / norm;
      }
    }
  });
  return { nx, ny, x0: HF_X[0], y0: HF_Y[0], dx: HF_SPACING, dy: HF_SPACING, heights };
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Nominal ground height under (x, y). Gaps report the stone level (0) everywhere. */
export function terrainHeightAt(t: TerrainDescription, x: number, y: number): number {
  const spec = t.spec;
  if (t.originX) x -= t.originX;
  switch (spec.kind) {
    case "flat":
    case "gaps":
      return 0;
    case "rough": {
      const hf = t.heightfield!;
      const u = Math.min(Math.max((x - hf.x0) / hf.dx, 0), hf.nx - 1.000001);
      const v = Math.min(Math.max((y - hf.y0) / hf.dy, 0), hf.ny - 1.000001);
      const i = Math.floor(u);
      const j = Math.floor(v);
      const fu = u - i;
      const fv = v - j;
      const h = hf.heights;
      const ny = hf.ny;
      // the same triangle split as the collider would be needed for exactness; bilinear is within mm here
      return (h[i * ny + j]! * (1 - fu) + h[(i + 1) * ny + j]! * fu) * (1 - fv) + (h[i * ny + j + 1]! * (1 - fu) + h[(i + 1) * ny + j + 1]! * fu) * fv;
    }
    case "slope": {
      if (x <= FEATURE_START) return 0;
      const a = ((spec.direction === "up" ? 1 : -1) * spec.angle * Math.PI) / 180;
      return (x - FEATURE_START) * Math.tan(a);
    }
    case "stairs": {
      if (x < FEATURE_START) return 0;
      const i = Math.min(Math.floor((x - FEATURE_START) / spec.stepWidth), STAIR_STEPS - 1);
      return (spec.direction === "up" ? 1 : -1) * (i + 1) * spec.stepHeight;
    }
  }
}

/**
 * The actual collider surface height under (x, y): like terrainHeightAt, except that in a gap it is the
 * catch floor, and at a slope's or step's edge it is the higher of the two surfaces.
 */
export function terrainSurfaceAt(t: TerrainDescription, x: number, y: number): number {
  const spec = t.spec;
  if (t.originX && spec.kind !== "flat") return terrainSurfaceAt({ ...t, originX: 0 }, x - t.originX, y);
  if (spec.kind === "gaps") {
    if (x <= FEATURE_START) return 0;
    const pitch = spec.gapWidth + spec.stoneLength;
    const u = x - FEATURE_START - spec.gapWidth;
    if (u < 0) return GAP_FLOOR;
    return u - Math.floor(u / pitch) * pitch <= spec.stoneLength ? 0 : GAP_FLOOR;
  }
  if (spec.kind === "slope") return Math.max(terrainHeightAt(t, x, y), x <= FEATURE_START + 1e-9 ? 0 : -Infinity);
  return terrainHeightAt(t, x, y);
}

/** Maximum nominal height within `radius` of (x, y), sampled on a small grid (for spawning). */
export function maxHeightNear(t: TerrainDescription, x: number, y: number, radius: number): number {
  let m = -Infinity;
  const n = 8;
  for (let i = 0; i <= n; i++)
    for (let j = 0; j <= n; j++) m = Math.max(m, terrainHeightAt(t, x - radius + (2 * radius * i) / n, y - radius + (2 * radius * j) / n));
  return m;
}

/** Add the terrain's fixed colliders to `world`. */
export function buildTerrain(R: Rapier, world: World, t: TerrainDescription, friction: number): Collider[] {
  const ground = world.createRigidBody(R.RigidBodyDesc.fixed().setTranslation(t.originX ?? 0, 0, 0));
  const out: Collider[] = [];
  for (const b of t.boxes) {
    const [qx, qy, qz, qw] = b.rotation;
    const desc = R.ColliderDesc.cuboid(...b.halfExtents)
      .setTranslation(...b.center)
      .setRotation({ x: qx, y: qy, z: qz, w: qw });
    out.push(world.createCollider(desc.setFriction(friction).setCollisionGroups(GROUND_GROUPS), ground));
  }
  const hf = t.heightfield;
  if (hf) {
    // Rapier heightfields are y-up with columns along local x and rows along local z, column-major.
    // We rotate +90° about x (local y -> world z, local z -> world -y), so row r maps to world y
    // decreasing; fill accordingly.
    const nrows = hf.ny;
    const ncols = hf.nx;
    const data = new Float32Array(nrows * ncols);
    for (let c = 0; c < ncols; c++) for (let r = 0; r < nrows; r++) data[c * nrows + r] = hf.heights[c * hf.ny + (hf.ny - 1 - r)]!;
    const sx = (hf.nx - 1) * hf.dx;
    const sz = (hf.ny - 1) * hf.dy;
    const rot = quatFromAxisAngle([1, 0, 0], Math.PI / 2);
    const desc = R.ColliderDesc.heightfield(nrows - 1, ncols - 1, data, { x: sx, y: 1, z: sz })
      .setTranslation(hf.x0 + sx / 2, hf.y0 + sz / 2, 0)
      .setRotation({ x: rot[0], y: rot[1], z: rot[2], w: rot[3] });
    out.push(world.createCollider(desc.setFriction(friction).setCollisionGroups(GROUND_GROUPS), ground));
  }
  return out;
}
