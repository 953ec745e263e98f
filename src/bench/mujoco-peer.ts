/**
 * The measurement peer: the same RobotDescription written as MJCF (same shapes, densities, so the same
 * masses; same dt; MuJoCo's implicitfast integrator (semi-implicit Euler with implicit damping, the
 * closest match to Rapier's semi-implicit Euler with implicit motor springs); position actuators with the same kp/kd/torque limit)
 * and stepped with the official MuJoCo WASM build (`mujoco-js`) in this process.
 */
import type { RobotDescription, ShapeDescription } from "../physics/robot.ts";

export interface MujocoPeer {
  /** Set position targets (rad, relative to rest) for every actuator. */
  setTargets(targets: ArrayLike<number>): void;
  step(n: number): void;
  /** Back to the start state (the MJCF's spawn pose at rest, targets 0). */
  reset(): void;
  torsoPosition(): [number, number, number];
  /** Active contacts after the last step (MuJoCo's ncon: robot-floor pairs, distance below the margin 0). */
  contacts(): number;
  totalMass(): number;
  close(): void;
}

/**
 * Rapier's ForceBased motors are implicit springs; MuJoCo's position actuator stiffness is explicit, so at
 * dt 0.01 with kp 200 on 0.04 kg links MuJoCo diverges (measured: NaN at t = 0.5 s). Gymnasium's ant.xml
 * uses armature 1 for the same reason; we add the smallest armature that keeps kp·dt²/armature < 1.
 */
const ARMATURE = 0.02;

/**
 * MuJoCo's own settings for an Ant, as Gymnasium runs it: timestep 0.01 s (ant.xml) and frame_skip 5, so the
 * same 0.05 s control step as our envs; the default constraint solver (Newton) and its default iterations.
 */
export const MUJOCO_DEFAULTS = { physicsDt: 0.01, substeps: 5 } as const;

const f = (v: number) => Number(v.toFixed(6)).toString();
const v3 = (v: readonly number[]) => v.map(f).join(" ");

function geomXml(s: ShapeDescription, density: number, friction: number): string {
  const common = `density="${f(density)}" friction="${f(friction)} 0.005 0.0001" contype="1" conaffinity="0"`;
  switch (s.kind) {
    case "sphere":
      return `<geom type="sphere" size="${f(s.radius)}" pos="${v3(s.center)}" ${common}/>`;
    case "box":
      return `<geom type="box" size="${v3(s.halfExtents)}" pos="${v3(s.center)}" ${common}/>`;
    case "capsule":
      return `<geom type="capsule" size="${f(s.radius)}" fromto="${v3(s.from)} ${v3(s.to)}" ${common}/>`;
    case "cylinder":
      return `<geom type="cylinder" size="${f(s.radius)}" fromto="${v3(s.from)} ${v3(s.to)}" ${common}/>`;
    case "convex":
      throw new Error("the MuJoCo peer does not write convex geoms (imported meshes)");
  }
}

/** MJCF for a robot description (bodies nested by joint tree; positions relative to the parent). */
export function robotToMjcf(robot: RobotDescription, physicsDt: number, spawnHeight: number): string {
  const children = new Map<number, number[]>();
  const jointOf = new Map<number, number>();
  robot.joints.forEach((j, i) => {
    children.set(j.parent, [...(children.get(j.parent) ?? []), j.child]);
    jointOf.set(j.child, i);
  });
  const bodyXml = (b: number, parentPos: readonly number[], indent: string): string => {
    const body = robot.bodies[b]!;
    const rel = body.position.map((v, k) => v - parentPos[k]!);
    const lines = [`${indent}<body name="${body.name}" pos="${b === 0 ? `0 0 ${f(spawnHeight)}` : v3(rel)}">`];
    if (b === 0) lines.push(`${indent}  <freejoint/>`);
    const ji = jointOf.get(b);
    if (ji !== undefined) {
      const j = robot.joints[ji]!;
      const anchor = j.anchor.map((v, k) => v - body.position[k]!);
      lines.push(`${indent}  <joint name="${j.name}" type="hinge" pos="${v3(anchor)}" axis="${v3(j.axis)}" range="${f(j.limits[0])} ${f(j.limits[1])}" limited="true" armature="${f(ARMATURE)}"/>`);
    }
    for (const g of body.geoms) lines.push(`${indent}  ${geomXml(g.shape, g.density, g.friction)}`);
    for (const c of children.get(b) ?? []) lines.push(bodyXml(c, body.position, indent + "  "));
    lines.push(`${indent}</body>`);
    return lines.join("\n");
  };
  const actuators = robot.joints
    .map((j) => `    <position joint="${j.name}" kp="${f(j.kp)}" kv="${f(j.kd)}" forcelimited="true" forcerange="${f(-j.maxTorque)} ${f(j.maxTorque)}" ctrllimited="true" ctrlrange="${f(j.limits[0])} ${f(j.limits[1])}"/>`)
    .join("\n");
  return `<mujoco model="${robot.name}-peer">
  <compiler angle="radian" inertiafromgeom="true"/>
  <option timestep="${f(physicsDt)}" integrator="implicitfast"/>
  <worldbody>
    <geom name="floor" type="plane" size="100 100 0.1" contype="0" conaffinity="1" friction="1 0.005 0.0001"/>
${bodyXml(0, [0, 0, 0], "    ")}
  </worldbody>
  <actuator>
${actuators}
  </actuator>
</mujoco>`;
}

interface MujocoModule {
  FS: { mkdir(p: string): void; writeFile(p: string, s: string): void; unlink(p: string): void };
  MjModel: { loadFromXML(path: string): MujocoModel };
  MjData: new (m: MujocoModel) => MujocoData;
  mj_step(m: MujocoModel, d: MujocoData): void;
  mj_forward(m: MujocoModel, d: MujocoData): void;
  mj_resetData(m: MujocoModel, d: MujocoData): void;
}
interface MujocoModel {
  nu: number;
  body_mass: Float64Array;
  delete(): void;
}
interface MujocoData {
  ctrl: Float64Array;
  ncon: number;
  qpos: Float64Array;
  delete(): void;
}

let modulePromise: Promise<MujocoModule> | undefined;
let fileCounter = 0;

export async function createMujocoPeer(robot: RobotDescription, physicsDt: number, spawnHeight: number): Promise<MujocoPeer> {
  modulePromise ??= import("mujoco-js").then(async (m) => {
    const mod = (await (m.default as unknown as () => Promise<unknown>)()) as MujocoModule;
    mod.FS.mkdir("/peer");
    return mod;
  });
  const mj = await modulePromise;
  const path = `/peer/${robot.name}-${fileCounter++}.xml`;
  mj.FS.writeFile(path, robotToMjcf(robot, physicsDt, spawnHeight));
  const model = mj.MjModel.loadFromXML(path);
  mj.FS.unlink(path);
  const data = new mj.MjData(model);
  mj.mj_forward(model, data);
  const nu = model.nu;
  return {
    setTargets(targets) {
      const ctrl = data.ctrl;
      for (let i = 0; i < nu; i++) ctrl[i] = targets[i]!;
    },
    step(n) {
      for (let i = 0; i < n; i++) mj.mj_step(model, data);
    },
    reset() {
      mj.mj_resetData(model, data);
      mj.mj_forward(model, data);
    },
    contacts() {
      return data.ncon;
    },
    torsoPosition() {
      const q = data.qpos;
      return [q[0]!, q[1]!, q[2]!];
    },
    totalMass() {
      const m = model.body_mass;
      let s = 0;
      for (let i = 0; i < m.length; i++) s += m[i]!;
      return s;
    },
    close() {
      data.delete();
      model.delete();
    },
  };
}
