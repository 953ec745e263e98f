/**
 * The locomotion env shared by every robot in envs/: one Rapier world per env, rebuilt on reset so an
 * episode depends only on (seed, conditions, actions). Actions are PD position targets (see docs in
 * envs/ant.ts for why); the step loop reuses every buffer.
 */
import { SpikelocoError } from "../core/errors.ts";
import { Rng, deriveSeed } from "../core/rng.ts";
import type { BuiltRobot } from "../physics/builder.ts";
import { applyInertial, buildRobot, forwardKinematics } from "../physics/builder.ts";
import type { Quat, Vec3 } from "../physics/math.ts";
import { inverseRotateInto, rotateInto } from "../physics/math.ts";
import type { Collider, Rapier, World } from "../physics/rapier.ts";
import type { TerrainDescription, TerrainSpec } from "../physics/terrain.ts";
import { FEATURE_START as FEATURE_START_X, buildTerrain, describeTerrain, maxHeightNear, shiftTerrain, terrainHeightAt, terrainSurfaceAt } from "../physics/terrain.ts";
import type { EnvDefinition } from "./config.ts";
import type { Conditions, ResolvedConditions } from "./conditions.ts";
import { parseConditions, sampleConditions } from "./conditions.ts";
import type { LocomotionSettings } from "./options.ts";
import type { BoxSpace, Env, EnvSnapshot, ResetOptions, ResetResult, StepInfo, StepResult } from "./types.ts";

const CONTACT_DISTANCE = 0.006;
const MANIFOLD_CONTACT_DISTANCE = 0.005;

interface Handles {
  bodies: number[];
  joints: number[];
  robotColliders: number[][];
  footColliders: number[];
  groundColliders: number[];
}

export class LocomotionEnv implements Env {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly controlDt: number;
  readonly robot: EnvDefinition["robot"];
  readonly observationGroups: Record<string, number[]>;
  terrain: TerrainDescription;

  private readonly R: Rapier;
  private readonly settings: LocomotionSettings;
  private world: World | undefined;
  private built: BuiltRobot | undefined;
  private groundColliders: Collider[] = [];
  private handles: Handles | undefined;

  private readonly nJ: number;
  private readonly nFeet: number;
  private readonly nB: number;
  private readonly obs: Float32Array;
  private readonly action: Float32Array;
  private readonly applied: Float32Array;
  private readonly targetCenter: Float64Array;
  private readonly targetHalf: Float64Array;
  private readonly strength: Float64Array;
  private readonly contacts: Uint8Array;
  private readonly contactForce: Float64Array;
  /** Joint angles and velocities of the physics state (before observation noise). */
  private readonly jointPos: Float64Array;
  private readonly jointVel: Float64Array;
  private readonly rot: Float64Array; // per body qx,qy,qz,qw
  private readonly angvel: Float64Array; // per body wx,wy,wz
  private readonly obsSigma: Float32Array;
  private readonly tmp3 = new Float64Array(3);
  private readonly tmpQuat: { x: number; y: number; z: number; w: number };
  private readonly tmpVec: { x: number; y: number; z: number };
  private readonly info: StepInfo;
  private readonly result: StepResult;

  private conditions: Conditions;
  private resolved: ResolvedConditions = { onsetStep: 0 };
  private latencyBuf = new Float32Array(0);
  private latencySteps = 0;
  private episodeSeed = 0;
  private nextSeed: number;
  private stepCount = 0;
  private done = true;
  private onsetApplied = false;
  private torsoX = 0;
  private terrainKey = "";
  private stepRng: Rng | undefined;

  constructor(R: Rapier, def: EnvDefinition, settings: LocomotionSettings) {
    this.R = R;
    this.id = def.id;
    this.robot = def.robot;
    this.settings = settings;
    this.controlDt = settings.physicsDt * settings.substeps;
    this.conditions = settings.conditions;
    this.nextSeed = settings.seed;
    this.nJ = def.robot.joints.length;
    this.nFeet = def.robot.feet.length;
    this.nB = def.robot.bodies.length;

    const names: string[] = [];
    const groups: Record<string, number[]> = { height: [], orientation: [], linvel: [], angvel: [], jointPos: [], jointVel: [], contacts: [] };
    const add = (group: string, name: string) => {
      groups[group].push(names.length);
      names.push(name);
    };
    add("height", "torso_height");
    for (const c of ["w", "x", "y", "z"]) add("orientation", `torso_quat_${c}`);
    for (const c of ["x", "y", "z"]) add("linvel", `torso_linvel_${c}`);
    for (const c of ["x", "y", "z"]) add("angvel", `torso_angvel_${c}`);
    for (const j of def.robot.joints) add("jointPos", `joint_pos:${j.name}`);
    for (const j of def.robot.joints) add("jointVel", `joint_vel:${j.name}`);
    def.robot.legs.forEach((leg) => add("contacts", `foot_contact:${leg.name}`));
    if (settings.clockHz > 0) {
      groups.clock = [];
      add("clock", "clock_sin");
      add("clock", "clock_cos");
    }
    this.observationGroups = groups;
    const nObs = names.length;
    this.observationSpace = { shape: [nObs], low: new Float32Array(nObs).fill(-Infinity), high: new Float32Array(nObs).fill(Infinity), names };
    for (const i of groups.contacts) {
      this.observationSpace.low[i] = 0;
      this.observationSpace.high[i] = 1;
    }
    for (const i of groups.clock ?? []) {
      this.observationSpace.low[i] = -1;
      this.observationSpace.high[i] = 1;
    }
    this.actionSpace = {
      shape: [this.nJ],
      low: new Float32Array(this.nJ).fill(-1),
      high: new Float32Array(this.nJ).fill(1),
      names: def.robot.joints.map((j) => j.name),
    };

    this.obs = new Float32Array(nObs);
    this.obsSigma = new Float32Array(nObs);
    this.action = new Float32Array(this.nJ);
    this.applied = new Float32Array(this.nJ);
    this.targetCenter = new Float64Array(this.nJ);
    this.targetHalf = new Float64Array(this.nJ);
    def.robot.joints.forEach((j, i) => {
      this.targetCenter[i] = (j.limits[0] + j.limits[1]) / 2;
      this.targetHalf[i] = (j.limits[1] - j.limits[0]) / 2;
    });
    this.strength = new Float64Array(this.nJ).fill(1);
    this.contacts = new Uint8Array(this.nFeet);
    this.contactForce = new Float64Array(this.nFeet);
    this.jointPos = new Float64Array(this.nJ);
    this.jointVel = new Float64Array(this.nJ);
    this.rot = new Float64Array(this.nB * 4);
    this.angvel = new Float64Array(this.nB * 3);
    this.tmpQuat = new R.Quaternion(0, 0, 0, 1);
    this.tmpVec = new R.Vector3(0, 0, 0);
    this.info = {
      terms: { forward: 0, healthy: 0, ctrl: 0, contact: 0 },
      step: 0,
      x: 0,
      y: 0,
      forwardVelocity: 0,
      torsoHeight: 0,
      nonFiniteAction: false,
      offCourse: false,
      healthy: true,
      conditions: this.resolved,
    };
    this.result = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
    this.terrain = describeTerrain({ kind: "flat" }, 0);
  }

  // ---------------------------------------------------------------- reset

  reset(options: ResetOptions = {}): ResetResult {
    if (options.seed !== undefined) {
      if (!Number.isInteger(options.seed)) throw new SpikelocoError(`seed must be an integer, got ${options.seed}`, "reset.seed");
      this.episodeSeed = options.seed >>> 0;
    } else {
      this.episodeSeed = this.nextSeed >>> 0;
    }
    this.nextSeed = deriveSeed(this.episodeSeed, "next-episode");
    const conditions = options.conditions !== undefined ? parseConditions(options.conditions, "reset.conditions") : this.conditions;
    const resolved = sampleConditions(conditions, new Rng(deriveSeed(this.episodeSeed, "conditions")));
    this.validateResolved(resolved, "conditions");
    // commit only valid conditions, so a rejected reset leaves the env usable
    this.conditions = conditions;
    this.resolved = resolved;
    this.info.conditions = resolved;

    const later = this.resolved.terrainFromOnset === true && this.resolved.onsetStep > 0;
    const terrainSpec: TerrainSpec = (!later && this.resolved.terrain) || { kind: "flat" };
    const terrainSeed = deriveSeed(this.episodeSeed, "terrain");
    const key = JSON.stringify(terrainSpec) + ":" + (terrainSpec.kind === "rough" ? terrainSeed : 0);
    if (key !== this.terrainKey) {
      this.terrain = describeTerrain(terrainSpec, terrainSeed);
      this.terrainKey = key;
    }
    this.buildWorld();

    this.stepCount = 0;
    this.done = false;
    this.onsetApplied = false;
    this.latencySteps = 0;
    this.latencyBuf = new Float32Array(((this.resolved.latency?.steps ?? 0) + 1) * this.nJ);
    this.applied.fill(0);
    this.applyPhysicalConditions(this.resolved.onsetStep === 0);
    // contact pairs appear only after the first physics step
    this.contacts.fill(0);
    this.contactForce.fill(0);
    this.readState();
    const start = this.built!.bodies[0].translation();
    this.torsoX = start.x;
    const info = this.info;
    info.torsoHeight = this.writeObservation();
    info.x = start.x;
    info.y = start.y;
    info.step = 0;
    info.nonFiniteAction = false;
    info.offCourse = false;
    info.forwardVelocity = 0;
    info.healthy = true;
    for (const k in info.terms) info.terms[k] = 0;
    return { obs: this.obs, info };
  }

  private buildWorld(): void {
    const R = this.R;
    const s = this.settings;
    this.world?.free();
    const world = new R.World({ x: 0, y: 0, z: s.gravity });
    world.timestep = s.physicsDt;
    world.integrationParameters.numSolverIterations = s.solverIterations;
    this.groundColliders = buildTerrain(R, world, this.terrain, 1);

    const rng = new Rng(deriveSeed(this.episodeSeed, "reset-noise"));
    const noise = s.resetNoiseScale;
    const angles = new Float64Array(this.nJ);
    this.robot.joints.forEach((j, i) => {
      const a = noise > 0 ? rng.range(-noise, noise) : 0;
      angles[i] = Math.min(Math.max(a, j.limits[0]), j.limits[1]);
    });
    const identity: Quat = [0, 0, 0, 1];
    const ground = maxHeightNear(this.terrain, 0, 0, 0.8);
    // place the robot so that its lowest foot rests on the ground
    const probe = forwardKinematics(this.robot, [0, 0, 0], identity, angles);
    let lowest = Infinity;
    for (const f of this.robot.feet) {
      const q = probe.rotation[f.body];
      const p = probe.position[f.body];
      const w = rotateInto(q[0], q[1], q[2], q[3], f.point[0], f.point[1], f.point[2], [0, 0, 0]);
      lowest = Math.min(lowest, p[2] + w[2] - f.radius);
    }
    const rootZ = ground - lowest + 0.002;
    const pose = forwardKinematics(this.robot, [0, 0, rootZ], identity, angles);
    const built = buildRobot(R, world, this.robot, pose);
    // reset velocity noise on the torso (joint velocities start at zero)
    // (every body moves with the torso's rigid motion, so joint velocities start at zero)
    if (noise > 0) {
      const v: Vec3 = [noise * rng.normal(), noise * rng.normal(), noise * rng.normal()];
      const w: Vec3 = [noise * rng.normal(), noise * rng.normal(), noise * rng.normal()];
      const root = pose.position[0];
      built.bodies.forEach((body, b) => {
        const r = pose.position[b];
        const dx = r[0] - root[0], dy = r[1] - root[1], dz = r[2] - root[2];
        body.setLinvel({ x: v[0] + w[1] * dz - w[2] * dy, y: v[1] + w[2] * dx - w[0] * dz, z: v[2] + w[0] * dy - w[1] * dx }, true);
        body.setAngvel({ x: w[0], y: w[1], z: w[2] }, true);
      });
    }
    this.world = world;
    this.built = built;
    this.handles = {
      bodies: built.bodies.map((b) => b.handle),
      joints: built.joints.map((j) => j.handle),
      robotColliders: built.colliders.map((cs) => cs.map((c) => c.handle)),
      footColliders: built.footColliders.map((c) => c.handle),
      groundColliders: this.groundColliders.map((c) => c.handle),
    };
  }

  /** Indices and group names depend on the robot, so they are checked here. */
  private validateResolved(r: ResolvedConditions, path: string): void {
    const nLegs = this.robot.legs.length;
    r.disabledLegs?.forEach((leg, i) => {
      if (leg >= nLegs) throw new SpikelocoError(`leg index ${leg} out of range [0, ${nLegs - 1}] for '${this.id}'`, `${path}.disabledLegs[${i}]`);
    });
    r.weakenedLegs?.forEach((w, i) => {
      if (w.leg >= nLegs) throw new SpikelocoError(`leg index ${w.leg} out of range [0, ${nLegs - 1}] for '${this.id}'`, `${path}.weakenedLegs[${i}].leg`);
    });
    if (Array.isArray(r.motorStrength) && r.motorStrength.length !== this.nJ) {
      throw new SpikelocoError(`expected ${this.nJ} per-actuator scales for '${this.id}', got ${r.motorStrength.length}`, `${path}.motorStrength`);
    }
    const known = Object.keys(this.observationGroups);
    const check = (g: string, p: string) => {
      if (!known.includes(g)) throw new SpikelocoError(`unknown observation group '${g}' (known: ${known.join(", ")})`, p);
    };
    const on = r.obsNoise;
    if (on) {
      on.groups?.forEach((g, i) => check(g, `${path}.obsNoise.groups[${i}]`));
      if (typeof on.sigma === "object") for (const g of Object.keys(on.sigma)) check(g, `${path}.obsNoise.sigma.${g}`);
    }
  }

  /** Friction, mass, motor strength, disabled legs and obs-noise sigmas; `active` = past onset. */
  private applyPhysicalConditions(active: boolean): void {
    const r = this.resolved;
    const built = this.built!;
    if (active && r.terrainFromOnset && r.terrain && this.terrain.originX === undefined && r.onsetStep > 0) this.switchTerrainOn(r.terrain);
    const friction = active ? (r.friction ?? 1) : 1;
    const mass = active ? (r.mass ?? 1) : 1;
    this.robot.bodies.forEach((b, bi) => {
      b.geoms.forEach((g, gi) => {
        const c = built.colliders[bi][gi];
        c.setFriction(g.friction * friction);
        c.setDensity(g.density * mass);
      });
      if (b.inertial) applyInertial(built.bodies[bi], b, mass);
      // Rapier would only recompute the mass at the next world step; a push applied before it
      // (applyPush right after reset or setConditions) would otherwise see the unscaled mass
      built.bodies[bi].recomputeMassPropertiesFromColliders();
    });
    for (const c of this.groundColliders) c.setFriction(friction);

    this.strength.fill(1);
    if (active) {
      const m = r.motorStrength;
      for (let j = 0; j < this.nJ; j++) this.strength[j] = typeof m === "number" ? m : Array.isArray(m) ? m[j] : 1;
      for (const w of r.weakenedLegs ?? []) for (const j of this.robot.legs[w.leg].joints) this.strength[j] *= w.scale;
      for (const leg of r.disabledLegs ?? []) for (const j of this.robot.legs[leg].joints) this.strength[j] = 0;
    }
    this.robot.joints.forEach((jd, j) => {
      const joint = built.joints[j];
      const s = this.strength[j];
      joint.setMotorMaxForce(jd.maxTorque * s);
    });
    this.configureMotors();

    this.obsSigma.fill(0);
    const on = r.obsNoise;
    if (active && on) {
      for (const [g, idx] of Object.entries(this.observationGroups)) {
        let sigma = 0;
        if (typeof on.sigma === "number") sigma = !on.groups || on.groups.includes(g) ? on.sigma : 0;
        else sigma = on.sigma[g] ?? 0;
        for (const i of idx) this.obsSigma[i] = sigma;
      }
    }
    this.latencySteps = active ? (r.latency?.steps ?? 0) : 0;
    this.onsetApplied = active;
  }

  /** Replace the flat ground by `spec`, its features starting 0.3 m ahead of the torso. */
  private switchTerrainOn(spec: TerrainSpec): void {
    const world = this.world!;
    // disable, not remove: removing the ground body under a robot in contact made Rapier's step panic
    for (const c of this.groundColliders) c.setEnabled(false);
    const x = this.built!.bodies[0].translation(this.tmpVec).x;
    this.terrain = shiftTerrain(describeTerrain(spec, deriveSeed(this.episodeSeed, "terrain")), x + 0.3);
    this.terrainKey = "";
    this.groundColliders = buildTerrain(this.R, world, this.terrain, 1);
    this.handles!.groundColliders = this.groundColliders.map((c) => c.handle);
  }

  private configureMotors(): void {
    const joints = this.built!.joints;
    const robotJoints = this.robot.joints;
    for (let j = 0; j < this.nJ; j++) {
      const jd = robotJoints[j];
      const s = this.strength[j];
      const target = this.targetCenter[j] + this.applied[j] * this.targetHalf[j];
      joints[j].configureMotorPosition(target, jd.kp * s, jd.kd * s);
    }
  }

  // ---------------------------------------------------------------- step

  step(action: ArrayLike<number>): StepResult {
    if (this.done) throw new SpikelocoError(this.world ? "episode has ended; call reset() before step()" : "call reset() before step()", "step");
    if (action == null || typeof action.length !== "number") throw new SpikelocoError("action must be an array of numbers", "action");
    if (action.length !== this.nJ) throw new SpikelocoError(`action has length ${action.length}, expected ${this.nJ} (${this.id} action space)`, "action");
    const nJ = this.nJ;
    const r = this.resolved;
    const info = this.info;

    // clip; NaN/Inf entries become 0 and are flagged
    let nonFinite = false;
    let ctrl = 0;
    for (let j = 0; j < nJ; j++) {
      let a = Number(action[j]);
      if (!Number.isFinite(a)) {
        nonFinite = true;
        a = 0;
      }
      a = a < -1 ? -1 : a > 1 ? 1 : a;
      this.action[j] = a;
      ctrl += a * a;
    }

    const t = this.stepCount;
    if (!this.onsetApplied && t >= r.onsetStep) this.applyPhysicalConditions(true);
    const active = this.onsetApplied;
    this.stepRng = undefined;

    // latency ring: always record; apply the action from `latencySteps` ago once active
    const depth = this.latencyBuf.length / nJ;
    const slot = t % depth;
    this.latencyBuf.set(this.action, slot * nJ);
    if (this.latencySteps > 0) {
      if (t >= this.latencySteps) {
        const from = ((t - this.latencySteps) % depth) * nJ;
        for (let j = 0; j < nJ; j++) this.applied[j] = this.latencyBuf[from + j];
      } else this.applied.fill(0);
    } else this.applied.set(this.action);

    if (active && r.actionNoise && r.actionNoise.sigma > 0) {
      const rng = this.rng();
      const sigma = r.actionNoise.sigma;
      for (let j = 0; j < nJ; j++) {
        const a = this.applied[j] + sigma * rng.normal();
        this.applied[j] = a < -1 ? -1 : a > 1 ? 1 : a;
      }
    }
    this.configureMotors();

    const p = r.pushes;
    if (active && p && p.impulse > 0 && t > r.onsetStep && (t - r.onsetStep) % p.interval === 0) {
      let dx: number, dy: number, dz: number;
      if (p.direction === "random") {
        const ang = this.rng().range(0, 2 * Math.PI);
        dx = Math.cos(ang);
        dy = Math.sin(ang);
        dz = 0;
      } else {
        const d = p.direction;
        const n = Math.hypot(d[0], d[1], d[2]) || 1;
        dx = d[0] / n;
        dy = d[1] / n;
        dz = d[2] / n;
      }
      this.applyPush([p.impulse * dx, p.impulse * dy, p.impulse * dz]);
    }

    const world = this.world!;
    for (let s = 0; s < this.settings.substeps; s++) world.step();

    this.stepCount = t + 1;
    this.readState();
    this.readContacts();
    const torsoPos = this.built!.bodies[0].translation(this.tmpVec);
    // tmpVec is reused below (writeObservation), so copy the torso position out now
    const x = torsoPos.x;
    const y = torsoPos.y;
    const forwardVelocity = (x - this.torsoX) / this.controlDt;
    this.torsoX = x;
    const height = this.writeObservation();
    if (active) this.addObservationNoise();

    const [zlo, zhi] = this.settings.healthyZRange;
    const finite = Number.isFinite(height) && this.stateFinite();
    const healthy = finite && height >= zlo && height <= zhi;
    const terminated = !finite || (this.settings.terminateWhenUnhealthy && !healthy);
    const course = this.terrain.course;
    const offCourse = x < course.xMin || x > course.xMax || Math.abs(y) > course.yHalf;
    const truncated = !terminated && (this.stepCount >= this.settings.maxSteps || offCourse);

    let contactCost = 0;
    for (let f = 0; f < this.nFeet; f++) {
      const c = Math.min(this.contactForce[f], 1);
      contactCost += c * c;
    }
    const s = this.settings;
    const terms = info.terms;
    terms.forward = s.forwardRewardWeight * (Number.isFinite(forwardVelocity) ? forwardVelocity : 0);
    terms.healthy = healthy ? s.healthyReward : 0;
    terms.ctrl = -s.ctrlCostWeight * ctrl;
    terms.contact = s.contactCostWeight > 0 ? -s.contactCostWeight * contactCost : 0;
    const reward = terms.forward + terms.healthy + terms.ctrl + terms.contact;

    info.step = this.stepCount;
    info.x = x;
    info.y = y;
    info.forwardVelocity = forwardVelocity;
    info.torsoHeight = height;
    info.nonFiniteAction = nonFinite;
    info.healthy = healthy;
    info.offCourse = offCourse;
    this.done = terminated || truncated;
    const res = this.result;
    res.reward = reward;
    res.terminated = terminated;
    res.truncated = truncated;
    return res;
  }

  private rng(): Rng {
    this.stepRng ??= new Rng(deriveSeed(this.episodeSeed, "step", this.stepCount));
    return this.stepRng;
  }

  private readState(): void {
    const bodies = this.built!.bodies;
    const rot = this.rot;
    const av = this.angvel;
    const q = this.tmpQuat;
    const v = this.tmpVec;
    for (let b = 0; b < this.nB; b++) {
      bodies[b].rotation(q as never);
      rot[b * 4] = q.x;
      rot[b * 4 + 1] = q.y;
      rot[b * 4 + 2] = q.z;
      rot[b * 4 + 3] = q.w;
      bodies[b].angvel(v as never);
      av[b * 3] = v.x;
      av[b * 3 + 1] = v.y;
      av[b * 3 + 2] = v.z;
    }
  }

  private stateFinite(): boolean {
    for (let i = 0; i < this.rot.length; i++) if (!Number.isFinite(this.rot[i])) return false;
    for (let i = 0; i < this.angvel.length; i++) if (!Number.isFinite(this.angvel[i])) return false;
    for (let i = 0; i < this.obs.length; i++) if (!Number.isFinite(this.obs[i])) return false;
    return true;
  }

  /**
   * Foot contacts. On smooth terrains (flat, rough, slope) the flags are geometric: the foot's end-cap
   * sphere comes within CONTACT_DISTANCE of the terrain surface (probed under its centre and around it).
   * That costs ~1 µs, whereas reading Rapier's contact manifolds costs ~30 µs per control step through the
   * JS bindings. On terrains with edges (stairs, gaps) a lower leg can touch an edge with its side, which
   * geometry alone misses, so there — and whenever the contact cost is enabled — manifolds are read
   * (contact = a manifold point within 5 mm; force = normal impulse / physics dt).
   */
  private readContacts(): void {
    const kind = this.terrain.kind;
    if (kind === "stairs" || kind === "gaps" || this.settings.contactCostWeight > 0) {
      this.readContactManifolds();
      return;
    }
    this.contactForce.fill(0);
    const bodies = this.built!.bodies;
    const feet = this.robot.feet;
    const rot = this.rot;
    const t = this.tmp3;
    for (let f = 0; f < this.nFeet; f++) {
      const foot = feet[f];
      const b = foot.body;
      const p = bodies[b].translation(this.tmpVec);
      const px = p.x, py = p.y, pz = p.z;
      rotateInto(rot[b * 4], rot[b * 4 + 1], rot[b * 4 + 2], rot[b * 4 + 3], foot.point[0], foot.point[1], foot.point[2], t);
      const x = px + t[0];
      const y = py + t[1];
      const cz = pz + t[2];
      const r = foot.radius;
      const o = 0.7 * r;
      const lift = r - Math.sqrt(r * r - o * o);
      let gap = cz - r - terrainSurfaceAt(this.terrain, x, y);
      gap = Math.min(gap, cz - r + lift - terrainSurfaceAt(this.terrain, x + o, y));
      gap = Math.min(gap, cz - r + lift - terrainSurfaceAt(this.terrain, x - o, y));
      gap = Math.min(gap, cz - r + lift - terrainSurfaceAt(this.terrain, x, y + o));
      gap = Math.min(gap, cz - r + lift - terrainSurfaceAt(this.terrain, x, y - o));
      this.contacts[f] = gap <= CONTACT_DISTANCE ? 1 : 0;
    }
  }

  private readContactManifolds(): void {
    const world = this.world!;
    const feet = this.built!.footColliders;
    const dt = this.settings.physicsDt;
    for (let f = 0; f < this.nFeet; f++) {
      let impulse = 0;
      let touching = 0;
      const foot = feet[f];
      world.contactPairsWith(foot, (other) => {
        world.contactPair(foot, other, (m) => {
          const n = m.numContacts();
          for (let i = 0; i < n; i++) {
            if (m.contactDist(i) <= MANIFOLD_CONTACT_DISTANCE) touching = 1;
            impulse += m.contactImpulse(i);
          }
        });
      });
      this.contacts[f] = touching;
      this.contactForce[f] = impulse / dt;
    }
  }

  /** Fills this.obs from the state buffers; returns the torso height above nominal ground. */
  private writeObservation(): number {
    const torso = this.built!.bodies[0];
    const o = this.obs;
    const pos = torso.translation(this.tmpVec);
    const px = pos.x;
    const py = pos.y;
    const height = pos.z - terrainHeightAt(this.terrain, px, py);
    const rot = this.rot;
    const qx = rot[0], qy = rot[1], qz = rot[2], qw = rot[3];
    let k = 0;
    o[k++] = height;
    o[k++] = qw;
    o[k++] = qx;
    o[k++] = qy;
    o[k++] = qz;
    const lv = torso.linvel(this.tmpVec);
    const t = this.tmp3;
    inverseRotateInto(qx, qy, qz, qw, lv.x, lv.y, lv.z, t);
    o[k++] = t[0];
    o[k++] = t[1];
    o[k++] = t[2];
    inverseRotateInto(qx, qy, qz, qw, this.angvel[0], this.angvel[1], this.angvel[2], t);
    o[k++] = t[0];
    o[k++] = t[1];
    o[k++] = t[2];
    const joints = this.robot.joints;
    const av = this.angvel;
    for (let j = 0; j < this.nJ; j++) {
      const jd = joints[j];
      const p = jd.parent * 4;
      const c = jd.child * 4;
      // relative rotation conj(qp) * qc; with identity rest rotations it is a pure rotation about the axis
      const ax = rot[p], ay = rot[p + 1], az = rot[p + 2], aw = rot[p + 3];
      const bx = rot[c], by = rot[c + 1], bz = rot[c + 2], bw = rot[c + 3];
      const rw = aw * bw + ax * bx + ay * by + az * bz;
      const rx = aw * bx - ax * bw - ay * bz + az * by;
      const ry = aw * by + ax * bz - ay * bw - az * bx;
      const rz = aw * bz - ax * by + ay * bx - az * bw;
      const axis = jd.axis;
      if (jd.type === "prismatic") {
        this.prismaticState(j, k);
        continue;
      }
      let angle = 2 * Math.atan2(rx * axis[0] + ry * axis[1] + rz * axis[2], rw);
      if (angle > Math.PI) angle -= 2 * Math.PI;
      else if (angle <= -Math.PI) angle += 2 * Math.PI;
      o[k + j] = angle;
      this.jointPos[j] = angle;
      // relative angular velocity projected on the world-frame axis
      rotateInto(ax, ay, az, aw, axis[0], axis[1], axis[2], t);
      const pv = jd.parent * 3;
      const cv = jd.child * 3;
      const vel = (av[cv] - av[pv]) * t[0] + (av[cv + 1] - av[pv + 1]) * t[1] + (av[cv + 2] - av[pv + 2]) * t[2];
      o[k + this.nJ + j] = vel;
      this.jointVel[j] = vel;
    }
    k += 2 * this.nJ;
    for (let f = 0; f < this.nFeet; f++) o[k++] = this.contacts[f];
    if (this.settings.clockHz > 0) {
      const phase = 2 * Math.PI * this.settings.clockHz * this.stepCount * this.controlDt;
      o[k++] = Math.sin(phase);
      o[k++] = Math.cos(phase);
    }
    return height;
  }

  /** Prismatic joint j: displacement along the axis (parent frame, from rest) and its rate, into obs[k + j], obs[k + nJ + j]. */
  private prismaticState(j: number, k: number): void {
    const jd = this.robot.joints[j];
    const bodies = this.built!.bodies;
    const rot = this.rot;
    const av = this.angvel;
    const t = this.tmp3;
    const p = jd.parent, c = jd.child;
    const pp = bodies[p].translation(this.tmpVec);
    const ppx = pp.x, ppy = pp.y, ppz = pp.z;
    const pc = bodies[c].translation(this.tmpVec);
    const dx = pc.x - ppx, dy = pc.y - ppy, dz = pc.z - ppz;
    const qx = rot[p * 4], qy = rot[p * 4 + 1], qz = rot[p * 4 + 2], qw = rot[p * 4 + 3];
    inverseRotateInto(qx, qy, qz, qw, dx, dy, dz, t);
    const rp = this.robot.bodies[p].position, rc = this.robot.bodies[c].position;
    const a = jd.axis;
    this.obs[k + j] = (t[0] - (rc[0] - rp[0])) * a[0] + (t[1] - (rc[1] - rp[1])) * a[1] + (t[2] - (rc[2] - rp[2])) * a[2];
    // rate: (v_c - v_p - w_p x d) . axis_world
    const vp = bodies[p].linvel(this.tmpVec);
    const vpx = vp.x, vpy = vp.y, vpz = vp.z;
    const vc = bodies[c].linvel(this.tmpVec);
    const wx = av[p * 3], wy = av[p * 3 + 1], wz = av[p * 3 + 2];
    const rx = vc.x - vpx - (wy * dz - wz * dy);
    const ry = vc.y - vpy - (wz * dx - wx * dz);
    const rz = vc.z - vpz - (wx * dy - wy * dx);
    rotateInto(qx, qy, qz, qw, a[0], a[1], a[2], t);
    this.obs[k + this.nJ + j] = rx * t[0] + ry * t[1] + rz * t[2];
  }

  private addObservationNoise(): void {
    const sig = this.obsSigma;
    let any = false;
    for (let i = 0; i < sig.length; i++) if (sig[i] > 0) any = true;
    if (!any) return;
    const rng = this.rng();
    const o = this.obs;
    for (let i = 0; i < o.length; i++) if (sig[i] > 0) o[i] += sig[i] * rng.normal();
  }

  // ---------------------------------------------------------------- viewer / eval helpers

  bodyPoses(out?: Float32Array): Float32Array {
    const n = this.nB;
    const buf = out ?? new Float32Array(n * 7);
    if (buf.length < n * 7) throw new SpikelocoError(`pose buffer needs ${n * 7} floats, got ${buf.length}`, "bodyPoses.out");
    if (!this.built) return buf;
    const bodies = this.built.bodies;
    for (let b = 0; b < n; b++) {
      const p = bodies[b].translation(this.tmpVec);
      buf[b * 7] = p.x;
      buf[b * 7 + 1] = p.y;
      buf[b * 7 + 2] = p.z;
      const q = bodies[b].rotation(this.tmpQuat as never);
      buf[b * 7 + 3] = q.x;
      buf[b * 7 + 4] = q.y;
      buf[b * 7 + 5] = q.z;
      buf[b * 7 + 6] = q.w;
    }
    return buf;
  }

  footContacts(): Uint8Array {
    return this.contacts;
  }

  /** Per-joint angles (rad, relative to rest) from the last observation. */
  jointAngles(out = new Float64Array(this.nJ)): Float64Array {
    const start = this.observationGroups.jointPos[0];
    for (let j = 0; j < this.nJ; j++) out[j] = this.obs[start + j];
    return out;
  }

  /** The action the motors received in the last step (after latency and action noise). */
  appliedAction(): Float32Array {
    return this.applied;
  }

  /** Current PD strength multiplier per actuator (0 = motor off). */
  motorStrengths(): Float64Array {
    return this.strength;
  }

  /** Truncation horizon (control steps). */
  get maxSteps(): number {
    return this.settings.maxSteps;
  }

  /** Joint angles (rad, relative to rest) of the physics state after the last step, without observation noise. */
  jointPositions(out: Float32Array): Float32Array {
    for (let j = 0; j < this.nJ; j++) out[j] = this.jointPos[j];
    return out;
  }

  /**
   * Motor torques (N·m) of the last step from the PD motor law s·(kp·(target − q) − kd·q̇), clipped to
   * s·maxTorque (s = motor strength). An estimate for display: Rapier's motor is solved implicitly.
   */
  jointTorques(out: Float32Array): Float32Array {
    const joints = this.robot.joints;
    for (let j = 0; j < this.nJ; j++) {
      const jd = joints[j];
      const s = this.strength[j];
      const target = this.targetCenter[j] + this.applied[j] * this.targetHalf[j];
      const tau = s * (jd.kp * (target - this.jointPos[j]) - jd.kd * this.jointVel[j]);
      const lim = s * jd.maxTorque;
      out[j] = tau > lim ? lim : tau < -lim ? -lim : tau;
    }
    return out;
  }

  /** Ground contact normal force on each foot (N, world frame, 3 per foot) from the last physics substep's contact impulses. */
  contactForces(out: Float32Array): Float32Array {
    out.fill(0);
    if (!this.world || !this.built || !this.handles) return out;
    const world = this.world;
    const ground = new Set(this.handles.groundColliders);
    const dt = this.settings.physicsDt;
    this.built.footColliders.forEach((foot, f) => {
      world.contactPairsWith(foot, (other) => {
        if (!ground.has(other.handle)) return;
        world.contactPair(foot, other, (m, flipped) => {
          let impulse = 0;
          for (let i = 0; i < m.numContacts(); i++) impulse += m.contactImpulse(i);
          if (impulse === 0) return;
          // The manifold normal points from the first collider to the second; the ground pushes the foot away from itself.
          const n = m.normal();
          const sign = flipped ? 1 : -1;
          out[3 * f] += (sign * n.x * impulse) / dt;
          out[3 * f + 1] += (sign * n.y * impulse) / dt;
          out[3 * f + 2] += (sign * n.z * impulse) / dt;
        });
      });
    });
    return out;
  }

  /** Access for tests and benches: the Rapier world and robot of the current episode. */
  get physics(): { world: World; robot: BuiltRobot } {
    if (!this.world || !this.built) throw new SpikelocoError("call reset() first", "physics");
    return { world: this.world, robot: this.built };
  }

  applyPush(impulse: [number, number, number]): void {
    if (!impulse.every(Number.isFinite)) throw new SpikelocoError("impulse must be 3 finite numbers", "applyPush.impulse");
    if (!this.built) throw new SpikelocoError("call reset() first", "applyPush");
    const v = this.tmpVec;
    v.x = impulse[0];
    v.y = impulse[1];
    v.z = impulse[2];
    this.built.bodies[0].applyImpulse(v, true);
  }

  setConditions(c: Conditions): void {
    const parsed = parseConditions(c, "conditions");
    this.conditions = parsed;
    if (!this.built || this.done) return;
    const resolved = sampleConditions(parsed, new Rng(deriveSeed(this.episodeSeed, "live-conditions", this.stepCount)));
    this.validateResolved(resolved, "conditions");
    resolved.terrain = this.resolved.terrain; // the world keeps its terrain until the next reset
    const depth = (resolved.latency?.steps ?? 0) + 1;
    if (depth * this.nJ > this.latencyBuf.length) {
      // keep the recorded history in step-indexed slots of the larger ring
      const old = this.latencyBuf;
      const oldDepth = old.length / this.nJ;
      const grown = new Float32Array(depth * this.nJ);
      for (let t = Math.max(0, this.stepCount - oldDepth); t < this.stepCount; t++) grown.set(old.subarray((t % oldDepth) * this.nJ, (t % oldDepth + 1) * this.nJ), (t % depth) * this.nJ);
      this.latencyBuf = grown;
    }
    this.resolved = resolved;
    this.info.conditions = resolved;
    this.applyPhysicalConditions(this.stepCount >= resolved.onsetStep);
  }

  snapshot(): EnvSnapshot {
    if (!this.world) throw new SpikelocoError("call reset() before snapshot()", "snapshot");
    const state = {
      envId: this.id,
      settings: this.dynamicsSettings(),
      episodeSeed: this.episodeSeed,
      nextSeed: this.nextSeed,
      stepCount: this.stepCount,
      done: this.done,
      onsetApplied: this.onsetApplied,
      torsoX: this.torsoX,
      latencySteps: this.latencySteps,
      latencyBuf: Array.from(this.latencyBuf),
      applied: Array.from(this.applied),
      strength: Array.from(this.strength),
      obsSigma: Array.from(this.obsSigma),
      contacts: Array.from(this.contacts),
      contactForce: Array.from(this.contactForce),
      obs: Array.from(this.obs),
      resolved: this.resolved,
      conditions: this.conditions,
      terrainSpec: this.terrain.spec,
      terrainSeed: this.terrain.seed,
      terrainOriginX: this.terrain.originX,
      handles: this.handles,
    };
    return { world: this.world.takeSnapshot(), state: JSON.stringify(state) };
  }

  /** The options an episode's dynamics and flags depend on (everything but default conditions and seed). */
  private dynamicsSettings(): Record<string, unknown> {
    const { conditions: _c, seed: _s, ...rest } = this.settings;
    return rest;
  }

  restore(snap: EnvSnapshot): void {
    let s: {
      envId: string; settings: Record<string, unknown>;
      episodeSeed: number; nextSeed: number; stepCount: number; done: boolean; onsetApplied: boolean; torsoX: number;
      latencySteps: number; latencyBuf: number[]; applied: number[]; strength: number[]; obsSigma: number[];
      contacts: number[]; contactForce: number[]; obs: number[]; resolved: ResolvedConditions; conditions: Conditions;
      terrainSpec: TerrainSpec; terrainSeed: number; terrainOriginX?: number; handles: Handles;
    };
    try {
      s = JSON.parse(snap.state) as typeof s;
    } catch {
      throw new SpikelocoError("snapshot state is not valid JSON (not made by snapshot()?)", "restore");
    }
    if (s.envId !== this.id) throw new SpikelocoError(`snapshot is of a '${String(s.envId)}' env, cannot restore it into '${this.id}'`, "restore");
    const mine = this.dynamicsSettings();
    const differ = Object.keys(mine).filter((k) => JSON.stringify(mine[k]) !== JSON.stringify(s.settings?.[k]));
    if (differ.length > 0) {
      throw new SpikelocoError(`snapshot was taken with other env options (${differ.join(", ")}); restore it into an env made with the same options`, "restore");
    }
    this.world?.free();
    const world = this.R.World.restoreSnapshot(snap.world);
    const h = s.handles;
    const bodies = h.bodies.map((hd) => world.getRigidBody(hd));
    const built: BuiltRobot = {
      desc: this.robot,
      bodies,
      joints: h.joints.map((hd) => world.getImpulseJoint(hd) as BuiltRobot["joints"][number]),
      colliders: h.robotColliders.map((cs) => cs.map((hd) => world.getCollider(hd))),
      footColliders: h.footColliders.map((hd) => world.getCollider(hd)),
    };
    this.world = world;
    this.built = built;
    this.handles = h;
    this.groundColliders = h.groundColliders.map((hd) => world.getCollider(hd));
    const key = JSON.stringify(s.terrainSpec) + ":" + (s.terrainSpec.kind === "rough" ? s.terrainSeed : 0);
    if (s.terrainOriginX !== undefined) {
      const described = describeTerrain(s.terrainSpec, s.terrainSeed);
      this.terrain = shiftTerrain(described, s.terrainOriginX + (described.originX ?? 0) + FEATURE_START_X);
      this.terrainKey = "";
    } else if (key !== this.terrainKey) {
      this.terrain = describeTerrain(s.terrainSpec, s.terrainSeed);
      this.terrainKey = key;
    }
    this.episodeSeed = s.episodeSeed;
    this.nextSeed = s.nextSeed;
    this.stepCount = s.stepCount;
    this.done = s.done;
    this.onsetApplied = s.onsetApplied;
    this.torsoX = s.torsoX;
    this.latencySteps = s.latencySteps;
    this.latencyBuf = Float32Array.from(s.latencyBuf);
    this.applied.set(s.applied);
    this.strength.set(s.strength);
    this.obsSigma.set(s.obsSigma);
    this.contacts.set(s.contacts);
    this.contactForce.set(s.contactForce);
    this.obs.set(s.obs);
    this.resolved = s.resolved;
    this.conditions = s.conditions;
    this.info.conditions = s.resolved;
    this.readState();
  }

  close(): void {
    this.world?.free();
    this.world = undefined;
    this.built = undefined;
    this.done = true;
  }
}

export type { Vec3 };
