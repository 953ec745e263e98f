/**
 * Mass check of an import against the official MuJoCo build (`mujoco-js`, a devDependency loaded on demand):
 * MuJoCo compiles the original file, Rapier builds the imported description, and every body's mass and
 * principal moments of inertia are compared (sorted, so the principal frames may differ).
 */
import { buildRobot, forwardKinematics } from "../physics/builder.ts";
import { loadRapier } from "../physics/rapier.ts";
import type { RobotDescription } from "../physics/robot.ts";

export interface BodyMassCheck {
  body: string;
  mujoco: { mass: number; inertia: number[] };
  spikeloco: { mass: number; inertia: number[] };
  /** Largest relative difference over mass and the three principal moments. */
  maxRelError: number;
}

export interface MassCheck {
  bodies: BodyMassCheck[];
  totalMass: { mujoco: number; spikeloco: number };
  maxRelError: number;
  /** MuJoCo bodies that are not spikeloco bodies (welded into a parent, which is then compared through the total only). */
  merged: string[];
}

interface Mj {
  FS: { mkdir(p: string): void; writeFile(p: string, s: string): void; unlink(p: string): void };
  MjModel: { loadFromXML(path: string): MjModel };
}
interface MjModel {
  nbody: number;
  body_mass: Float64Array;
  body_inertia: Float64Array;
  name_bodyadr: Int32Array;
  body_parentid: Int32Array;
  names: Uint8Array;
  delete(): void;
}

let mjPromise: Promise<Mj> | undefined;
let counter = 0;

/** Compile `text` (MJCF or URDF) with MuJoCo and compare with `robot` as Rapier builds it. */
export async function mujocoMassCheck(text: string, robot: RobotDescription, ext: "xml" | "urdf" = "xml"): Promise<MassCheck> {
  mjPromise ??= import("mujoco-js").then(async (m) => {
    const mod = (await (m.default as unknown as () => Promise<unknown>)()) as Mj;
    mod.FS.mkdir("/check");
    return mod;
  });
  const mj = await mjPromise;
  const path = `/check/robot-${counter++}.${ext}`;
  mj.FS.writeFile(path, text);
  let model: MjModel;
  try {
    model = mj.MjModel.loadFromXML(path);
  } finally {
    mj.FS.unlink(path);
  }
  const decoder = new TextDecoder();
  const names = model.names;
  const nameOf = (b: number) => {
    const start = model.name_bodyadr[b]!;
    let end = start;
    while (names[end] !== 0) end++;
    return decoder.decode(names.subarray(start, end));
  };
  const mjBodies = new Map<string, { mass: number; inertia: number[] }>();
  const known = new Set(robot.bodies.map((b) => b.name));
  const merged: string[] = [];
  const absorbing = new Set<string>();
  for (let b = 1; b < model.nbody; b++) {
    const name = nameOf(b);
    mjBodies.set(name, { mass: model.body_mass[b]!, inertia: [model.body_inertia[3 * b]!, model.body_inertia[3 * b + 1]!, model.body_inertia[3 * b + 2]!].sort((x, y) => x - y) });
    if (!known.has(name)) {
      merged.push(name);
      let p = model.body_parentid[b]!;
      while (p > 0 && !known.has(nameOf(p))) p = model.body_parentid[p]!;
      if (p > 0) absorbing.add(nameOf(p));
    }
  }
  model.delete();

  const R = await loadRapier();
  const world = new R.World({ x: 0, y: 0, z: 0 });
  const built = buildRobot(R, world, robot, forwardKinematics(robot, [0, 0, 0], [0, 0, 0, 1], []));
  const bodies: BodyMassCheck[] = [];
  let spk = 0;
  robot.bodies.forEach((b, i) => {
    const body = built.bodies[i]!; // one built body per described body, in order
    const p = body.principalInertia();
    const mine = { mass: body.mass(), inertia: [p.x, p.y, p.z].sort((x, y) => x - y) };
    const theirs = mjBodies.get(b.name);
    // MuJoCo fixes a URDF's root link to the world (and fuses it away): totals compare the bodies both have
    if (theirs) spk += mine.mass;
    // a body that absorbed welded (fixed) children is compared through the total only
    if (!theirs || absorbing.has(b.name)) return;
    const rel = (a: number, t: number) => Math.abs(a - t) / Math.max(Math.abs(t), 1e-12);
    const maxRelError = Math.max(rel(mine.mass, theirs.mass), ...mine.inertia.map((v, k) => rel(v, theirs.inertia[k]!)));
    bodies.push({ body: b.name, mujoco: theirs, spikeloco: mine, maxRelError });
  });
  world.free();
  const mjTotal = [...mjBodies.values()].reduce((s, b) => s + b.mass, 0);
  if (spk === 0) throw new Error("no body of the robot is a MuJoCo body of the same name");
  const totalRel = Math.abs(spk - mjTotal) / mjTotal;
  return {
    bodies,
    totalMass: { mujoco: mjTotal, spikeloco: spk },
    maxRelError: Math.max(totalRel, ...bodies.map((b) => b.maxRelError)),
    merged,
  };
}
