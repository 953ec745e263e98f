import { OpenAIES } from "./openai-es.ts";
import { PGPE } from "./pgpe.ts";
import type { Searcher, SearcherName, SearcherOptions } from "./searcher.ts";

export { OpenAIES } from "./openai-es.ts";
export { PGPE } from "./pgpe.ts";
export { antitheticPopulation, fillDirection, materialize, type Candidate } from "./noise.ts";
export { centeredRanks, shapeFitness, type FitnessShaping } from "./shaping.ts";
export type { EvaluationRequest, EvaluationResult, ObsStatsData, Problem } from "./problem.ts";
export type { Searcher, SearcherName, SearcherOptions, SearcherState, TellStats } from "./searcher.ts";

export const SEARCHERS: readonly SearcherName[] = ["es", "pgpe"];

export function createSearcher(algo: SearcherName, initial: Float32Array, options: SearcherOptions): Searcher {
  return algo === "es" ? new OpenAIES(initial, options) : new PGPE(initial, options);
}
export { applyGroupScales, GROUP_SCALINGS, parameterGroups, parseGroupScales, perParameterScale, type GroupScales, type GroupScaling, type ParamGroup } from "./groups.ts";
