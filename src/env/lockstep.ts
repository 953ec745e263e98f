/**
 * Lockstep: many robots of one env stepped in one Rapier world. Robots collide only with the ground
 * (collision groups) and start at the same spot, so each robot's numbers are those it gets alone in its own
 * world (test/env/lockstep.test.ts compares every step bitwise, early ends and restarts included), while
 * the world's fixed cost per physics step (pipeline entry, broad phase, island and solver setup) is paid
 * once for all of them.
 *
 * A WorldHost keeps the shared worlds of a group (a VecEnv, a worker's batch of ES members). At reset an
 * env joins a shared world whose episodes have the same key (terrain with its seed, resolved conditions,
 * dynamics options) or starts one. A robot whose episode ends is frozen (its bodies disabled), not removed:
 * removal reorders Rapier's sets and the others drift in the last bits. A world takes at most `capacity`
 * robots in its life and is freed when its last live robot leaves.
 *
 * Where it is bitwise (measured, ant and hexapod, random actions, early ends, restarts joining mid-run):
 * flat ground only. On the rough heightfield, slopes, stairs and gaps the ground is several colliders (or a
 * heightfield's triangles); a robot's contact pairs with them are then ordered by Rapier in a way that
 * depends on the other robots, and trajectories drift in the last bits within a few steps. Those episodes,
 * and any with a terrain switched on mid-episode (terrainFromOnset), get a world of their own.
 */
import type { Collider, Rapier, World } from "../physics/rapier.ts";
import { WorldStepper } from "../physics/step.ts";
import type { TerrainDescription } from "../physics/terrain.ts";
import type { ResolvedConditions } from "./conditions.ts";
import type { EnvSettings } from "./options.ts";
import { buildGround } from "./world.ts";

/** Whether an episode on `terrain` under `resolved` may share a world (see above). */
export function sharesWorld(terrain: TerrainDescription, resolved: ResolvedConditions): boolean {
  return terrain.kind === "flat" && !(resolved.terrainFromOnset === true && resolved.onsetStep > 0);
}

export class SharedWorld {
  readonly world: World;
  readonly ground: Collider[];
  readonly key: string;
  /** Robots in the world now, and robots it has held (frozen ones stay in it). */
  members = 0;
  robots = 0;
  private readonly stepper: WorldStepper;

  constructor(R: Rapier, terrain: TerrainDescription, settings: EnvSettings, key: string) {
    const { world, ground } = buildGround(R, terrain, settings);
    this.world = world;
    this.ground = ground;
    this.key = key;
    this.stepper = new WorldStepper(R, { x: 0, y: 0, z: settings.gravity });
  }

  /** One physics step of every robot in the world. */
  step(): void {
    this.stepper.step(this.world);
  }

  free(): void {
    this.world.free();
  }
}

export class WorldHost {
  private readonly worlds: SharedWorld[] = [];

  /** `capacity`: robots a shared world takes in its life (frozen ones stay in it until it is freed). */
  constructor(private readonly capacity = 64) {}

  /** A shared world for an episode with `key`: one that has room, or a new one from `make`. */
  join(key: string, make: () => SharedWorld): SharedWorld {
    let w = this.worlds.find((x) => x.key === key && x.robots < this.capacity);
    if (!w) {
      w = make();
      this.worlds.push(w);
    }
    w.members++;
    w.robots++;
    return w;
  }

  /** A robot left `w` (frozen first); the world is freed with its last live robot. */
  leave(w: SharedWorld): void {
    w.members--;
    if (w.members === 0) {
      w.free();
      this.worlds.splice(this.worlds.indexOf(w), 1);
    }
  }

  /** `substeps` physics steps of every shared world (each has live robots). */
  step(substeps: number): void {
    const worlds = this.worlds;
    for (let i = 0; i < worlds.length; i++) {
      const w = worlds[i]!;
      for (let k = 0; k < substeps; k++) w.step();
    }
  }

  /** Shared worlds now (each with live robots). */
  get count(): number {
    return this.worlds.length;
  }

  free(): void {
    for (const w of this.worlds) w.free();
    this.worlds.length = 0;
  }
}
