/** Public env types (Gymnasium semantics). */
import type { RobotDescription } from "../physics/robot.ts";
import type { TerrainDescription } from "../physics/terrain.ts";
import type { Conditions, ResolvedConditions } from "./conditions.ts";

export interface BoxSpace {
  shape: [number];
  low: Float32Array;
  high: Float32Array;
  /** One name per channel, e.g. "torso_height", "joint_pos:hip_front_left". */
  names: string[];
}

/**
 * Given the env's options, reset({seed, conditions}) fully determines the episode: a reused env gives bitwise
 * the trajectory of a fresh one. Omitted, the seed continues the previous episode's seed chain and the
 * conditions stay the last ones given.
 */
export interface ResetOptions {
  seed?: number;
  /** Replaces the env's current conditions for this and later episodes. */
  conditions?: Conditions;
}

export interface StepInfo {
  /** Every reward term, already weighted; `reward` is their sum. */
  terms: Record<string, number>;
  step: number;
  /** Torso position (forward progress is x). */
  x: number;
  y: number;
  /** Torso x velocity over the last control step, (x - x_prev) / controlDt. */
  forwardVelocity: number;
  torsoHeight: number;
  /** True when the last action held NaN/Inf entries; they were replaced by 0 (documented handling). */
  nonFiniteAction: boolean;
  healthy: boolean;
  /** True when the torso left the terrain's course (TerrainDescription.course); the step is truncated. */
  offCourse: boolean;
  /** The conditions active in this episode, every range drawn. */
  conditions: ResolvedConditions;
}

/**
 * Observation arrays and the info object are owned by the env and REUSED by every call (no per-step
 * allocation). Copy what you keep: `obs.slice()`, `{ ...info.terms }`.
 */
export interface ResetResult {
  obs: Float32Array;
  info: StepInfo;
}

export interface StepResult {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

export interface EnvSnapshot {
  world: Uint8Array;
  state: string;
}

export interface Env {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  /** Control period in seconds (physics substeps x physics dt). */
  readonly controlDt: number;
  readonly robot: RobotDescription;
  readonly terrain: TerrainDescription;
  /** Observation channel groups (for obs noise), name -> channel indices. */
  readonly observationGroups: Record<string, number[]>;
  reset(options?: ResetOptions): ResetResult;
  step(action: ArrayLike<number>): StepResult;
  /** Per body: x, y, z, qx, qy, qz, qw in the world frame (7 floats per body). */
  bodyPoses(out?: Float32Array): Float32Array;
  /** One byte per foot: 1 when touching the ground after the last step. */
  footContacts(): Uint8Array;
  /** Apply a linear impulse (N·s) to the torso now. */
  applyPush(impulse: [number, number, number]): void;
  /** Change conditions mid-episode (effective now; a terrain change takes effect at the next reset). */
  setConditions(c: Conditions): void;
  snapshot(): EnvSnapshot;
  restore(s: EnvSnapshot): void;
  close(): void;
}
