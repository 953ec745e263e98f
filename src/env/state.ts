/**
 * Everything an episode changes, in one object. The env and its parts read and write it (through this object,
 * since a restore may replace a variable-length array), and a snapshot is this object encoded whole
 * (snapshot.ts), so a new field is captured and restored without further code.
 */
import type { TerrainSpec } from "../physics/terrain.ts";

export interface EpisodeTerrain {
  spec: TerrainSpec;
  seed: number;
  /** World x where the features begin, for a terrain that switched on mid-episode (absent: built at reset). */
  featureStartX?: number;
}
import type { Conditions, ResolvedConditions } from "./conditions.ts";

export interface EpisodeState {
  episodeSeed: number;
  /** Seed of the next reset() that passes none. */
  nextSeed: number;
  stepCount: number;
  done: boolean;
  /** Torso x after the last step (for the forward velocity). */
  torsoX: number;
  /** Conditions for resets that pass none (the last ones given). */
  conditions: Conditions;
  /** This episode's conditions, every range drawn. */
  resolved: ResolvedConditions;
  /** The terrain under the robot (seed 0 unless the terrain is seeded; see EpisodeTerrain). */
  terrain: EpisodeTerrain;
  /** True once the conditions act (step >= onsetStep). */
  onsetApplied: boolean;
  /** Action delay in control steps (0 before onset). */
  latencySteps: number;
  /** Ring of past actions, one row per step; latency + 1 rows. */
  latencyBuf: Float32Array;
  /** The action the motors received in the last step (after latency and action noise). */
  applied: Float32Array;
  /** PD strength per actuator (0 = limp). */
  strength: Float64Array;
  /** Observation noise std per channel (0 before onset). */
  obsSigma: Float32Array;
  contacts: Uint8Array;
  /** Normal contact force per foot (N), when read from manifolds. */
  contactForce: Float64Array;
  obs: Float32Array;
}

export function createEpisodeState(sizes: { actions: number; observations: number; feet: number }, conditions: Conditions, seed: number): EpisodeState {
  return {
    episodeSeed: 0,
    nextSeed: seed,
    stepCount: 0,
    done: true,
    torsoX: 0,
    conditions,
    resolved: { onsetStep: 0 },
    terrain: { spec: { kind: "flat" }, seed: 0 },
    onsetApplied: false,
    latencySteps: 0,
    latencyBuf: new Float32Array(0),
    applied: new Float32Array(sizes.actions),
    strength: new Float64Array(sizes.actions).fill(1),
    obsSigma: new Float32Array(sizes.observations),
    contacts: new Uint8Array(sizes.feet),
    contactForce: new Float64Array(sizes.feet),
    obs: new Float32Array(sizes.observations),
  };
}
