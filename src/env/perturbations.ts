/**
 * The runtime that makes resolved conditions act on an episode: friction, mass, motor strength, weakened and
 * disabled legs, observation noise, action noise, latency and pushes, all from `onsetStep` on; the terrain is
 * built with the world, or with `terrainFromOnset` switched on at onset 0.3 m ahead of the torso. Noise draws
 * come from one stream per control step derived from the episode seed.
 */
import { SpikelocoError } from "../core/errors.ts";
import { Rng, deriveSeed } from "../core/rng.ts";
import { applyInertial } from "../physics/builder.ts";
import type { RobotDescription } from "../physics/robot.ts";
import type { TerrainSpec } from "../physics/terrain.ts";
import type { ResolvedConditions } from "./conditions.ts";
import type { Motors } from "./motors.ts";
import type { EpisodeState } from "./state.ts";
import type { EpisodeWorld } from "./world.ts";
import { episodeTerrain } from "./world.ts";

export class Perturbations {
  private readonly envId: string;
  private readonly robot: RobotDescription;
  private readonly groups: Record<string, number[]>;
  private readonly state: EpisodeState;
  private readonly motors: Motors;
  /** Puts the episode's terrain (state.terrain, just set) under the robot. */
  private readonly onTerrain: (w: EpisodeWorld) => void;
  private readonly push = { x: 0, y: 0, z: 0 };
  private readonly tmpVec = { x: 0, y: 0, z: 0 };
  /** Whether the conditions act in the current step (fixed at its start). */
  private active = false;
  private stepRng: Rng | undefined;

  constructor(
    envId: string,
    robot: RobotDescription,
    observationGroups: Record<string, number[]>,
    state: EpisodeState,
    motors: Motors,
    onTerrain: (w: EpisodeWorld) => void,
  ) {
    this.envId = envId;
    this.robot = robot;
    this.groups = observationGroups;
    this.state = state;
    this.motors = motors;
    this.onTerrain = onTerrain;
  }

  /** The terrain to build at reset: flat when the resolved terrain only switches on at onset. */
  static resetTerrain(r: ResolvedConditions): TerrainSpec {
    const later = r.terrainFromOnset === true && r.onsetStep > 0;
    return (!later && r.terrain) || { kind: "flat" };
  }

  /** Leg indices, actuator counts and group names depend on the robot, so they are checked here. */
  validate(r: ResolvedConditions, path: string): void {
    const nLegs = this.robot.legs.length;
    const nJ = this.robot.joints.length;
    r.disabledLegs?.forEach((leg, i) => {
      if (leg >= nLegs) throw new SpikelocoError(`leg index ${leg} out of range [0, ${nLegs - 1}] for '${this.envId}'`, `${path}.disabledLegs[${i}]`);
    });
    r.weakenedLegs?.forEach((w, i) => {
      if (w.leg >= nLegs) throw new SpikelocoError(`leg index ${w.leg} out of range [0, ${nLegs - 1}] for '${this.envId}'`, `${path}.weakenedLegs[${i}].leg`);
    });
    if (Array.isArray(r.motorStrength) && r.motorStrength.length !== nJ) {
      throw new SpikelocoError(`expected ${nJ} per-actuator scales for '${this.envId}', got ${r.motorStrength.length}`, `${path}.motorStrength`);
    }
    const known = Object.keys(this.groups);
    const check = (g: string, p: string) => {
      if (!known.includes(g)) throw new SpikelocoError(`unknown observation group '${g}' (known: ${known.join(", ")})`, p);
    };
    const on = r.obsNoise;
    if (on) {
      on.groups?.forEach((g, i) => check(g, `${path}.obsNoise.groups[${i}]`));
      if (typeof on.sigma === "object") for (const g of Object.keys(on.sigma)) check(g, `${path}.obsNoise.sigma.${g}`);
    }
  }

  /** A new episode in world `w` under `resolved` (validated), before its first step. */
  begin(w: EpisodeWorld, resolved: ResolvedConditions): void {
    const s = this.state;
    s.resolved = resolved;
    s.latencySteps = 0;
    s.latencyBuf = new Float32Array(((resolved.latency?.steps ?? 0) + 1) * this.robot.joints.length);
    s.applied.fill(0);
    this.apply(w, resolved.onsetStep === 0);
  }

  /** New conditions mid-episode (validated; the terrain stays until the next reset). */
  change(w: EpisodeWorld, resolved: ResolvedConditions): void {
    const s = this.state;
    const nJ = this.robot.joints.length;
    if (s.resolved.terrain) resolved.terrain = s.resolved.terrain;
    else delete resolved.terrain;
    const depth = (resolved.latency?.steps ?? 0) + 1;
    if (depth * nJ > s.latencyBuf.length) {
      // keep the recorded history in step-indexed slots of the larger ring
      const old = s.latencyBuf;
      const oldDepth = old.length / nJ;
      const grown = new Float32Array(depth * nJ);
      for (let t = Math.max(0, s.stepCount - oldDepth); t < s.stepCount; t++) grown.set(old.subarray((t % oldDepth) * nJ, (t % oldDepth + 1) * nJ), (t % depth) * nJ);
      s.latencyBuf = grown;
    }
    s.resolved = resolved;
    this.apply(w, s.stepCount >= resolved.onsetStep);
  }

  /** Friction, mass, motor strength, disabled legs, obs-noise sigmas and latency; `active` = past onset. */
  private apply(w: EpisodeWorld, active: boolean): void {
    const s = this.state;
    const r = s.resolved;
    const built = w.robot;
    if (active && r.terrainFromOnset && r.terrain && s.terrain.featureStartX === undefined && r.onsetStep > 0) {
      const x = built.bodies[0]!.translation(this.tmpVec as never).x;
      s.terrain = { ...episodeTerrain(r.terrain, s.episodeSeed), featureStartX: x + 0.3 };
      this.onTerrain(w);
    }
    const friction = active ? (r.friction ?? 1) : 1;
    const mass = active ? (r.mass ?? 1) : 1;
    this.robot.bodies.forEach((b, bi) => {
      b.geoms.forEach((g, gi) => {
        const c = built.colliders[bi]![gi]!;
        c.setFriction(g.friction * friction);
        c.setDensity(g.density * mass);
      });
      if (b.inertial) applyInertial(built.bodies[bi]!, b, mass);
      // Rapier would only recompute the mass at the next world step; a push applied before it
      // (applyPush right after reset or setConditions) would otherwise see the unscaled mass
      built.bodies[bi]!.recomputeMassPropertiesFromColliders();
    });
    for (const c of w.ground) c.setFriction(friction);

    const strength = s.strength;
    strength.fill(1);
    if (active) {
      const m = r.motorStrength;
      for (let j = 0; j < strength.length; j++) strength[j] = typeof m === "number" ? m : Array.isArray(m) ? m[j]! : 1;
      for (const wl of r.weakenedLegs ?? []) for (const j of this.robot.legs[wl.leg]!.joints) strength[j]! *= wl.scale;
      for (const leg of r.disabledLegs ?? []) for (const j of this.robot.legs[leg]!.joints) strength[j] = 0;
    }
    this.motors.setStrengths(built.joints, strength);
    this.motors.drive(built.joints, s.applied, strength);

    s.obsSigma.fill(0);
    const on = r.obsNoise;
    if (active && on) {
      for (const [g, idx] of Object.entries(this.groups)) {
        let sigma = 0;
        if (typeof on.sigma === "number") sigma = !on.groups || on.groups.includes(g) ? on.sigma : 0;
        else sigma = on.sigma[g] ?? 0;
        for (const i of idx) s.obsSigma[i] = sigma;
      }
    }
    s.latencySteps = active ? (r.latency?.steps ?? 0) : 0;
    s.onsetApplied = active;
  }

  /**
   * Start of a control step with the clipped `action`: onset, latency, action noise, motor targets and pushes.
   * Leaves the motors' action in state.applied.
   */
  beforePhysics(w: EpisodeWorld, action: Float32Array): void {
    const s = this.state;
    const r = s.resolved;
    const t = s.stepCount;
    const nJ = action.length;
    if (!s.onsetApplied && t >= r.onsetStep) this.apply(w, true);
    const active = s.onsetApplied;
    this.active = active;
    this.stepRng = undefined;

    // latency ring: always record; apply the action from `latencySteps` ago once active
    const ring = s.latencyBuf;
    const applied = s.applied;
    const depth = ring.length / nJ;
    ring.set(action, (t % depth) * nJ);
    if (s.latencySteps > 0) {
      if (t >= s.latencySteps) {
        const from = ((t - s.latencySteps) % depth) * nJ;
        for (let j = 0; j < nJ; j++) applied[j] = ring[from + j]!;
      } else applied.fill(0);
    } else applied.set(action);

    if (active && r.actionNoise && r.actionNoise.sigma > 0) {
      const rng = this.rng();
      const sigma = r.actionNoise.sigma;
      for (let j = 0; j < nJ; j++) {
        const a = applied[j]! + sigma * rng.normal();
        applied[j] = a < -1 ? -1 : a > 1 ? 1 : a;
      }
    }
    this.motors.drive(w.robot.joints, applied, s.strength);

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
      this.pushTorso(w, p.impulse * dx, p.impulse * dy, p.impulse * dz);
    }
  }

  /** End of a control step: observation noise on `obs` while the conditions act. */
  afterObservation(obs: Float32Array): void {
    if (!this.active) return;
    const sig = this.state.obsSigma;
    let any = false;
    for (let i = 0; i < sig.length; i++) if (sig[i]! > 0) any = true;
    if (!any) return;
    const rng = this.rng();
    for (let i = 0; i < obs.length; i++) if (sig[i]! > 0) obs[i]! += sig[i]! * rng.normal();
  }

  /** A linear impulse (N·s) on the torso now. */
  pushTorso(w: EpisodeWorld, x: number, y: number, z: number): void {
    const v = this.push;
    v.x = x;
    v.y = y;
    v.z = z;
    w.robot.bodies[0]!.applyImpulse(v, true);
  }

  /** The step's noise stream, derived from the step count when first needed in a step. */
  private rng(): Rng {
    this.stepRng ??= new Rng(deriveSeed(this.state.episodeSeed, "step", this.state.stepCount));
    return this.stepRng;
  }
}
