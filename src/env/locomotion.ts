/**
 * The locomotion env shared by every robot in envs/: reset/step orchestration over its parts (world.ts builds
 * the Rapier world, observation.ts the observation, contacts.ts the foot contacts, reward.ts the reward
 * terms, perturbations.ts the conditions, snapshot.ts snapshots of state.ts's episode state).
 *
 * Reset contract: given the env's options, reset({seed, conditions}) fully determines the episode. The world
 * is rebuilt and every piece of episode state is set from (seed, conditions), so a reused env gives bitwise
 * the trajectory of a fresh one (test/env/reset-reuse.test.ts). Without a seed, reset continues the seed
 * chain of the previous episode; without conditions, it keeps the last conditions given (reset,
 * setConditions, or the `conditions` option). A rejected reset changes nothing.
 * Actions are PD position targets (envs/ant.ts docs say why); the step loop allocates nothing.
 */
import { SpikelocoError } from "../core/errors.ts";
import { Rng, deriveSeed } from "../core/rng.ts";
import type { BuiltRobot } from "../physics/builder.ts";
import type { Rapier, World } from "../physics/rapier.ts";
import { WorldStepper } from "../physics/step.ts";
import type { TerrainDescription } from "../physics/terrain.ts";
import type { Conditions, ResolvedConditions } from "./conditions.ts";
import { parseConditions, sampleConditions } from "./conditions.ts";
import type { EnvDefinition } from "./config.ts";
import { ContactSensor } from "./contacts.ts";
import { Motors } from "./motors.ts";
import { Observer, observationLayout, observationSpace } from "./observation.ts";
import type { EnvSettings } from "./options.ts";
import { dynamicsOptions } from "./options.ts";
import { Perturbations } from "./perturbations.ts";
import { Reward, zeroTerms, type StepMeasures } from "./reward.ts";
import { readSnapshot, takeSnapshot } from "./snapshot.ts";
import { createEpisodeState, type EpisodeState } from "./state.ts";
import type { BoxSpace, Env, EnvSnapshot, ResetOptions, ResetResult, StepInfo, StepResult } from "./types.ts";
import type { EpisodeWorld } from "./world.ts";
import { SharedWorld, sharesWorld, type WorldHost } from "./lockstep.ts";
import { TerrainCache, addRobot, buildEpisodeWorld, episodeTerrain, freezeRobot, replaceGround, restoreEpisodeWorld, worldHandles } from "./world.ts";

export class LocomotionEnv implements Env {
  readonly id: string;
  /** Versioned id of the env's dynamics ("ant-v4"; "ant-v3" when made by that id). */
  readonly version: string;
  /** Physics step (s) and Rapier solver iterations per physics step of this env's version and options. */
  readonly physicsDt: number;
  readonly solverIterations: number;
  /** Physics steps per control step. */
  readonly substeps: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly controlDt: number;
  readonly robot: EnvDefinition["robot"];
  readonly observationGroups: Record<string, number[]>;

  private readonly R: Rapier;
  private readonly settings: EnvSettings;
  private readonly state: EpisodeState;
  private readonly terrains = new TerrainCache();
  private readonly observer: Observer;
  private readonly contacts: ContactSensor;
  private readonly reward: Reward;
  private readonly perturbations: Perturbations;
  private readonly motors: Motors;
  private readonly measures: StepMeasures;
  private readonly action: Float32Array;
  private readonly info: StepInfo;
  private readonly result: StepResult;
  private readonly tmpVec: { x: number; y: number; z: number };
  private readonly tmpQuat: { x: number; y: number; z: number; w: number };
  private readonly stepper: WorldStepper | null;
  // the action's flags, from beginStep to endStep
  private nonFinite = false;
  private squared = 0;
  private w: EpisodeWorld | undefined;
  /** The group's world host (lockstep), and the shared world this episode's robot is in, if any. */
  private host: WorldHost | null = null;
  private shared: SharedWorld | null = null;

  /** `internals.rapierStep`: step through World.step() (for A/B benches; same trajectories, slower). */
  constructor(R: Rapier, def: EnvDefinition, settings: EnvSettings, internals: { rapierStep?: boolean } = {}) {
    this.R = R;
    this.id = def.id;
    this.version = def.version;
    this.physicsDt = settings.physicsDt;
    this.solverIterations = settings.solverIterations;
    this.substeps = settings.substeps;
    this.robot = def.robot;
    this.settings = settings;
    this.controlDt = settings.physicsDt * settings.substeps;
    const layout = observationLayout(def.robot, settings);
    this.observationGroups = layout.groups;
    this.observationSpace = observationSpace(layout);
    const nJ = def.robot.joints.length;
    this.actionSpace = { shape: [nJ], low: new Float32Array(nJ).fill(-1), high: new Float32Array(nJ).fill(1), names: def.robot.joints.map((j) => j.name) };

    this.state = createEpisodeState({ actions: nJ, observations: layout.size, feet: def.robot.feet.length }, settings.conditions, settings.seed);
    this.observer = new Observer(R, def.robot, layout, { clockHz: settings.clockHz, controlDt: this.controlDt });
    this.contacts = new ContactSensor(R, def.robot);
    this.reward = new Reward(settings);
    this.motors = new Motors(def.robot);
    const onTerrain = (w: EpisodeWorld): void => replaceGround(R, w, this.terrains.get(this.state.terrain));
    this.perturbations = new Perturbations(def.id, def.robot, layout.groups, this.state, this.motors, onTerrain);
    this.action = new Float32Array(nJ);
    this.stepper = internals.rapierStep ? null : new WorldStepper(R, { x: 0, y: 0, z: settings.gravity });
    this.tmpVec = new R.Vector3(0, 0, 0);
    this.tmpQuat = new R.Quaternion(0, 0, 0, 1);
    this.measures = { forwardVelocity: 0, healthy: true, actionSquared: 0, contactForce: this.state.contactForce };
    this.info = { terms: zeroTerms(), step: 0, x: 0, y: 0, forwardVelocity: 0, torsoHeight: 0, nonFiniteAction: false, offCourse: false, healthy: true, conditions: this.state.resolved };
    this.result = { obs: this.state.obs, reward: 0, terminated: false, truncated: false, info: this.info };
  }

  /** The terrain of the current episode (flat before the first reset). */
  get terrain(): TerrainDescription {
    return this.terrains.current;
  }

  reset(options: ResetOptions = {}): ResetResult {
    const s = this.state;
    if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new SpikelocoError(`seed must be an integer, got ${options.seed}`, "reset.seed");
    const seed = options.seed !== undefined ? options.seed >>> 0 : s.nextSeed >>> 0;
    const conditions = options.conditions !== undefined ? parseConditions(options.conditions, "reset.conditions") : s.conditions;
    const resolved = sampleConditions(conditions, new Rng(deriveSeed(seed, "conditions")));
    this.perturbations.validate(resolved, "conditions");
    // commit only now, so a rejected reset leaves the env (and a running episode) as it was
    s.episodeSeed = seed;
    s.nextSeed = deriveSeed(seed, "next-episode");
    s.conditions = conditions;
    s.terrain = episodeTerrain(Perturbations.resetTerrain(resolved), seed);
    s.stepCount = 0;
    s.done = false;
    this.release();
    const w = this.episodeWorld(resolved, seed);
    this.w = w;
    this.perturbations.begin(w, resolved);
    // contact pairs appear only after the first physics step
    s.contacts.fill(0);
    s.contactForce.fill(0);
    this.observer.readBodies(w.robot.bodies);
    const start = w.robot.bodies[0]!.translation();
    s.torsoX = start.x;
    const info = this.info;
    info.conditions = resolved;
    info.torsoHeight = this.observer.write(s.obs, w.robot.bodies, this.terrain, s.contacts, s.stepCount);
    info.x = start.x;
    info.y = start.y;
    info.step = 0;
    info.nonFiniteAction = false;
    info.offCourse = false;
    info.forwardVelocity = 0;
    info.healthy = true;
    for (const k in info.terms) info.terms[k] = 0;
    return { obs: s.obs, info };
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.shared) throw new SpikelocoError("this env shares a world with others (lockstep); it is stepped by its group", "step");
    this.beginStep(action);
    this.physicsStep();
    return this.endStep();
  }

  /** Lockstep part 1: checks and applies the action (motor targets, perturbations); no physics yet. */
  beginStep(action: ArrayLike<number>): void {
    const s = this.state;
    if (s.done) throw new SpikelocoError(this.w ? "episode has ended; call reset() before step()" : "call reset() before step()", "step");
    if (action == null || typeof action.length !== "number") throw new SpikelocoError("action must be an array of numbers", "action");
    const nJ = this.action.length;
    if (action.length !== nJ) throw new SpikelocoError(`action has length ${action.length}, expected ${nJ} (${this.id} action space)`, "action");
    const w = this.w!;

    // clip; NaN/Inf entries become 0 and are flagged
    let nonFinite = false;
    let squared = 0;
    for (let j = 0; j < nJ; j++) {
      let a = Number(action[j]);
      if (!Number.isFinite(a)) {
        nonFinite = true;
        a = 0;
      }
      a = a < -1 ? -1 : a > 1 ? 1 : a;
      this.action[j] = a;
      squared += a * a;
    }

    this.perturbations.beforePhysics(w, this.action);
    this.nonFinite = nonFinite;
    this.squared = squared;
  }

  /** The physics steps of one control step, for an env in its own world (a shared world is stepped by its group). */
  physicsStep(): void {
    const world = this.w!.world;
    const stepper = this.stepper;
    const n = this.settings.substeps;
    if (stepper) for (let k = 0; k < n; k++) stepper.step(world);
    else for (let k = 0; k < n; k++) world.step();
  }

  /** Lockstep part 3, after the physics steps: observation, reward, termination. */
  endStep(): StepResult {
    const s = this.state;
    const w = this.w!;
    const settings = this.settings;
    const info = this.info;
    const m = this.measures;
    const nonFinite = this.nonFinite;
    const squared = this.squared;
    s.stepCount += 1;

    const terrain = this.terrain;
    this.observer.readBodies(w.robot.bodies);
    this.contacts.read(w.world, w.robot, terrain, this.observer.rot, settings.physicsDt, this.reward.needsContactForces, s.contacts, s.contactForce);
    const torso = w.robot.bodies[0]!.translation(this.tmpVec as never);
    const x = torso.x;
    const y = torso.y;
    const forwardVelocity = (x - s.torsoX) / this.controlDt;
    s.torsoX = x;
    const height = this.observer.write(s.obs, w.robot.bodies, terrain, s.contacts, s.stepCount);
    this.perturbations.afterObservation(s.obs);

    const [zlo, zhi] = settings.healthyZRange;
    const finite = Number.isFinite(height) && this.observer.finite(s.obs);
    const healthy = finite && height >= zlo && height <= zhi;
    const terminated = !finite || (settings.terminateWhenUnhealthy && !healthy);
    const course = terrain.course;
    const offCourse = x < course.xMin || x > course.xMax || Math.abs(y) > course.yHalf;
    const truncated = !terminated && (s.stepCount >= settings.maxSteps || offCourse);

    m.contactForce = s.contactForce;
    m.forwardVelocity = forwardVelocity;
    m.healthy = healthy;
    m.actionSquared = squared;
    const res = this.result;
    res.reward = this.reward.compute(m, info.terms);
    res.terminated = terminated;
    res.truncated = truncated;
    info.step = s.stepCount;
    info.x = x;
    info.y = y;
    info.forwardVelocity = forwardVelocity;
    info.torsoHeight = height;
    info.nonFiniteAction = nonFinite;
    info.healthy = healthy;
    info.offCourse = offCourse;
    s.done = terminated || truncated;
    return res;
  }

  /**
   * Lockstep: from the next reset on, episodes join `host`'s shared world when they can (lockstep.ts says
   * when); null returns to a world of its own. The group that set the host steps the shared world.
   */
  useWorldHost(host: WorldHost | null): void {
    this.host = host;
  }

  /** The shared world this episode's robot is in (null: a world of its own, or no episode). */
  get sharedWorld(): SharedWorld | null {
    return this.shared;
  }

  /** Ends the current episode's hold on its world: its robot leaves the shared world, or its own world is freed. */
  release(): void {
    const w = this.w;
    if (!w) return;
    if (this.shared) {
      freezeRobot(w.robot);
      this.host?.leave(this.shared);
      this.shared = null;
    } else w.world.free();
    this.w = undefined;
  }

  private episodeWorld(resolved: ResolvedConditions, seed: number): EpisodeWorld {
    const s = this.state;
    const terrain = this.terrains.get(s.terrain);
    if (this.host && sharesWorld(terrain, resolved)) {
      const key = JSON.stringify({ terrain: s.terrain, resolved, dynamics: dynamicsOptions(this.settings) });
      const shared = this.host.join(key, () => new SharedWorld(this.R, terrain, this.settings, key));
      this.shared = shared;
      return { world: shared.world, robot: addRobot(this.R, shared.world, this.robot, terrain, this.settings, seed), ground: shared.ground };
    }
    return buildEpisodeWorld(this.R, this.robot, terrain, this.settings, seed);
  }

  // ---------------------------------------------------------------- viewer / eval helpers

  bodyPoses(out?: Float32Array): Float32Array {
    const n = this.robot.bodies.length;
    const buf = out ?? new Float32Array(n * 7);
    if (buf.length < n * 7) throw new SpikelocoError(`pose buffer needs ${n * 7} floats, got ${buf.length}`, "bodyPoses.out");
    if (!this.w) return buf;
    const bodies = this.w.robot.bodies;
    for (let b = 0; b < n; b++) {
      const p = bodies[b]!.translation(this.tmpVec as never);
      buf[b * 7] = p.x;
      buf[b * 7 + 1] = p.y;
      buf[b * 7 + 2] = p.z;
      const q = bodies[b]!.rotation(this.tmpQuat as never);
      buf[b * 7 + 3] = q.x;
      buf[b * 7 + 4] = q.y;
      buf[b * 7 + 5] = q.z;
      buf[b * 7 + 6] = q.w;
    }
    return buf;
  }

  footContacts(): Uint8Array {
    return this.state.contacts;
  }

  /** Truncation horizon (control steps). */
  get maxSteps(): number {
    return this.settings.maxSteps;
  }

  /** Joint positions (rad, or m for prismatic joints, from rest) of the physics state after the last step, without observation noise. */
  jointPositions(out: Float32Array): Float32Array {
    const q = this.observer.jointPos;
    for (let j = 0; j < q.length; j++) out[j] = q[j]!;
    return out;
  }

  /** Motor torques of the last step (Motors.torques: the PD law, clipped; an estimate for display). */
  jointTorques(out: Float32Array): Float32Array {
    return this.motors.torques(out, this.state.applied, this.state.strength, this.observer.jointPos, this.observer.jointVel);
  }

  /** Ground contact force on each foot (N, world frame, 3 per foot) from the last physics substep. */
  contactForces(out: Float32Array): Float32Array {
    if (!this.w) return out.fill(0);
    return ContactSensor.forceVectors(this.w.world, this.w.robot.footColliders, this.w.ground, this.settings.physicsDt, out);
  }

  /** Per-joint angles (rad, relative to rest) from the last observation. */
  jointAngles(out = new Float64Array(this.action.length)): Float64Array {
    const start = this.observationGroups.jointPos![0]!;
    const obs = this.state.obs;
    for (let j = 0; j < this.action.length; j++) out[j] = obs[start + j]!;
    return out;
  }

  /** The action the motors received in the last step (after latency and action noise). */
  appliedAction(): Float32Array {
    return this.state.applied;
  }

  /** Current PD strength multiplier per actuator (0 = motor off). */
  motorStrengths(): Float64Array {
    return this.state.strength;
  }

  /** Access for tests and benches: the Rapier world and robot of the current episode. */
  get physics(): { world: World; robot: BuiltRobot } {
    if (!this.w) throw new SpikelocoError("call reset() first", "physics");
    return { world: this.w.world, robot: this.w.robot };
  }

  applyPush(impulse: [number, number, number]): void {
    if (!impulse.every(Number.isFinite)) throw new SpikelocoError("impulse must be 3 finite numbers", "applyPush.impulse");
    if (!this.w) throw new SpikelocoError("call reset() first", "applyPush");
    this.perturbations.pushTorso(this.w, impulse[0], impulse[1], impulse[2]);
  }

  setConditions(c: Conditions): void {
    const s = this.state;
    if (this.shared && !s.done) throw new SpikelocoError("this env shares a world with others (lockstep): conditions change at its next reset", "setConditions");
    const parsed = parseConditions(c, "conditions");
    if (!this.w || s.done) {
      s.conditions = parsed;
      return;
    }
    const resolved = sampleConditions(parsed, new Rng(deriveSeed(s.episodeSeed, "live-conditions", s.stepCount)));
    this.perturbations.validate(resolved, "conditions");
    s.conditions = parsed;
    this.perturbations.change(this.w, resolved);
    this.info.conditions = resolved;
  }

  snapshot(): EnvSnapshot {
    if (!this.w) throw new SpikelocoError("call reset() before snapshot()", "snapshot");
    if (this.shared) throw new SpikelocoError("this env shares a world with others (lockstep); snapshots need a world of its own", "snapshot");
    return takeSnapshot(this.w.world.takeSnapshot(), { envId: this.id, options: dynamicsOptions(this.settings), handles: worldHandles(this.w) }, this.state);
  }

  restore(snap: EnvSnapshot): void {
    const saved = readSnapshot(snap, { envId: this.id, options: dynamicsOptions(this.settings) }, this.state);
    const w = restoreEpisodeWorld(this.R, this.robot, snap.world, saved.handles);
    this.release();
    this.w = w;
    saved.commit();
    this.terrains.get(this.state.terrain);
    this.info.conditions = this.state.resolved;
    this.observer.readBodies(w.robot.bodies);
  }

  close(): void {
    this.release();
    this.state.done = true;
  }
}
