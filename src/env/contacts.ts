/**
 * Foot contact sensing. On smooth terrains (flat, rough, slope) the flags are geometric: the foot's end-cap
 * sphere comes within CONTACT_DISTANCE of the terrain surface (probed under its centre and around it).
 * That costs ~1 µs, whereas reading Rapier's contact manifolds costs ~30 µs per control step through the
 * JS bindings. On terrains with edges (stairs, gaps) a lower leg can touch an edge with its side, which
 * geometry alone misses, so there, and whenever contact forces are needed (the contact cost), manifolds are
 * read (contact = a manifold point within MANIFOLD_CONTACT_DISTANCE; force = normal impulse / physics dt).
 */
import type { BuiltRobot } from "../physics/builder.ts";
import { rotateInto } from "../physics/math.ts";
import type { Collider, Rapier, World } from "../physics/rapier.ts";
import type { RobotDescription } from "../physics/robot.ts";
import type { TerrainDescription } from "../physics/terrain.ts";
import { terrainSurfaceAt } from "../physics/terrain.ts";

export const CONTACT_DISTANCE = 0.006;
export const MANIFOLD_CONTACT_DISTANCE = 0.005;

type Manifold = Parameters<Parameters<World["contactPair"]>[2]>[0];

export class ContactSensor {
  private readonly robot: RobotDescription;
  private readonly tmp3 = new Float64Array(3);
  private readonly tmpVec: { x: number; y: number; z: number };
  // manifold callbacks are made once, not per step; they accumulate into these fields
  private world: World | undefined;
  private foot: Collider | undefined;
  private touching = 0;
  private impulse = 0;
  private readonly onManifold = (m: Manifold): void => {
    const n = m.numContacts();
    for (let i = 0; i < n; i++) {
      if (m.contactDist(i) <= MANIFOLD_CONTACT_DISTANCE) this.touching = 1;
      this.impulse += m.contactImpulse(i);
    }
  };
  private readonly onPair = (other: Collider): void => {
    this.world!.contactPair(this.foot!, other, this.onManifold);
  };

  constructor(R: Rapier, robot: RobotDescription) {
    this.robot = robot;
    this.tmpVec = new R.Vector3(0, 0, 0);
  }

  /** Whether this terrain (or the need for forces) calls for Rapier's manifolds. */
  static usesManifolds(terrain: TerrainDescription, needForces: boolean): boolean {
    return terrain.kind === "stairs" || terrain.kind === "gaps" || needForces;
  }

  /**
   * Fills `flags` (0/1 per foot) and `force` (N per foot; 0 on the geometric path). `rot` holds each body's
   * rotation (qx, qy, qz, qw) as read after the physics step.
   */
  read(world: World, built: BuiltRobot, terrain: TerrainDescription, rot: Float64Array, physicsDt: number, needForces: boolean, flags: Uint8Array, force: Float64Array): void {
    if (ContactSensor.usesManifolds(terrain, needForces)) this.readManifolds(world, built.footColliders, physicsDt, flags, force);
    else this.readGeometric(built, terrain, rot, flags, force);
  }

  private readGeometric(built: BuiltRobot, terrain: TerrainDescription, rot: Float64Array, flags: Uint8Array, force: Float64Array): void {
    force.fill(0);
    const bodies = built.bodies;
    const feet = this.robot.feet;
    const t = this.tmp3;
    for (let f = 0; f < feet.length; f++) {
      const foot = feet[f]!;
      const b = foot.body;
      const p = bodies[b]!.translation(this.tmpVec as never);
      const px = p.x, py = p.y, pz = p.z;
      rotateInto(rot[b * 4]!, rot[b * 4 + 1]!, rot[b * 4 + 2]!, rot[b * 4 + 3]!, foot.point[0], foot.point[1], foot.point[2], t);
      const x = px + t[0]!;
      const y = py + t[1]!;
      const cz = pz + t[2]!;
      const r = foot.radius;
      const o = 0.7 * r;
      const lift = r - Math.sqrt(r * r - o * o);
      let gap = cz - r - terrainSurfaceAt(terrain, x, y);
      gap = Math.min(gap, cz - r + lift - terrainSurfaceAt(terrain, x + o, y));
      gap = Math.min(gap, cz - r + lift - terrainSurfaceAt(terrain, x - o, y));
      gap = Math.min(gap, cz - r + lift - terrainSurfaceAt(terrain, x, y + o));
      gap = Math.min(gap, cz - r + lift - terrainSurfaceAt(terrain, x, y - o));
      flags[f] = gap <= CONTACT_DISTANCE ? 1 : 0;
    }
  }

  /**
   * Ground contact force on each foot (N, world frame, 3 per foot) from the last substep's contact impulses,
   * into `out`. For display (it allocates); the step reads only the normal forces.
   */
  static forceVectors(world: World, footColliders: Collider[], ground: Collider[], dt: number, out: Float32Array): Float32Array {
    out.fill(0);
    const groundHandles = new Set(ground.map((c) => c.handle));
    footColliders.forEach((foot, f) => {
      world.contactPairsWith(foot, (other) => {
        if (!groundHandles.has(other.handle)) return;
        world.contactPair(foot, other, (m, flipped) => {
          let impulse = 0;
          for (let i = 0; i < m.numContacts(); i++) impulse += m.contactImpulse(i);
          if (impulse === 0) return;
          // the manifold normal points from the first collider to the second; the ground pushes the foot away from itself
          const n = m.normal();
          const sign = flipped ? 1 : -1;
          out[3 * f]! += (sign * n.x * impulse) / dt;
          out[3 * f + 1]! += (sign * n.y * impulse) / dt;
          out[3 * f + 2]! += (sign * n.z * impulse) / dt;
        });
      });
    });
    return out;
  }

  private readManifolds(world: World, footColliders: Collider[], dt: number, flags: Uint8Array, force: Float64Array): void {
    this.world = world;
    for (let f = 0; f < footColliders.length; f++) {
      this.impulse = 0;
      this.touching = 0;
      const foot = footColliders[f]!;
      this.foot = foot;
      world.contactPairsWith(foot, this.onPair);
      flags[f] = this.touching;
      force[f] = this.impulse / dt;
    }
    this.world = undefined;
    this.foot = undefined;
  }
}
