/**
 * Training configuration as stored in checkpoints (`config`), built from CLI flags or read back on resume.
 */
import { readFileSync } from "node:fs";
import { SpikelocoError } from "../core/errors.ts";
import { parseConditions, type Conditions } from "../env/conditions.ts";
import type { SearcherName } from "./es/searcher.ts";
import { DEFAULT_GROUP_SCALING, type GroupScales, type GroupScaling } from "./es/groups.ts";

export interface LocomotionTrainConfig {
  kind: "locomotion";
  env: string;
  agent: string;
  algo: SearcherName;
  popSize: number;
  sigma: number;
  lr: number;
  weightDecay: number;
  /** Absent in runs made before decoupled decay existed: those resume with the coupled decay they used. */
  weightDecayMode?: "decoupled" | "coupled";
  /** Per-group sigma and lr (es/groups.ts); absent = "none" (runs made before groups existed). */
  groupScaling?: GroupScaling;
  /** Multipliers of chosen groups' sigma and lr on top of groupScaling (es/groups.ts), e.g. { alpha: 10 }; absent = none. */
  groupScales?: GroupScales;
  /**
   * Episodes per member per generation. When the conditions are a distribution with several strata
   * (mixture components x categorical choices), the episodes are allocated over the strata (stratified),
   * the same for every member of a generation.
   */
  episodesPerMember: number;
  maxSteps: number;
  normalizerClip: number;
  evalCenterEvery: number;
  conditions: Conditions;
  /** Env options the controller was trained with (eval and the viewer rebuild the same env). */
  envOptions?: { clockHz?: number; robot?: string };
  /**
   * Warm start: the checkpoint folder (or shipped zoo name) whose parameters and observation normaliser
   * generation 0 starts from, instead of the preset's random initialisation. Same agent and env layout.
   */
  init?: string;
}

export const LOCOMOTION_DEFAULTS = {
  algo: "es" as SearcherName,
  popSize: 32,
  sigma: 0.04,
  lr: 0.02,
  weightDecay: 0.005,
  weightDecayMode: "decoupled" as const,
  groupScaling: DEFAULT_GROUP_SCALING,
  episodesPerMember: 1,
  /** Training episodes of 15 s: ~3x the generations of 1000-step ones in the same time; evaluation uses 1000. */
  maxSteps: 300,
  normalizerClip: 5,
  evalCenterEvery: 5,
  /**
   * Clock observation (Hz) appended for the controller (a CPG-like rhythm to time a gait by); 0 = none.
   * Off by default: nm-hebb learned a 0.81 m/s gait without it in 15 min, and was no faster with it
   * generation for generation (0.41 vs 0.66 m/s at generation 350).
   */
  clockHz: 0,
};

/** Read and validate a conditions file; errors name the flag, the file and the offending field. */
export function readConditionsFile(path: string): Conditions {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new SpikelocoError(`cannot read '${path}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, "--conditions");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SpikelocoError(`'${path}' is not valid JSON (${(err as Error).message})`, "--conditions");
  }
  return parseConditions(json, "conditions");
}
