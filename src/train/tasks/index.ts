import { SpikelocoError } from "../../core/errors.ts";
import { cueAssociation, type CueAssociationOptions } from "./cue-association.ts";
import { patternCompletion, type PatternCompletionOptions } from "./pattern-completion.ts";
import type { TaskName, TemporalTask } from "./types.ts";

export { cueAssociation, CUE_ASSOCIATION_DEFAULTS, type CueAssociationOptions } from "./cue-association.ts";
export { patternCompletion, PATTERN_COMPLETION_DEFAULTS, type PatternCompletionOptions } from "./pattern-completion.ts";
export type { TaskName, TaskScore, TemporalBatch, TemporalTask } from "./types.ts";

export const TASKS: readonly TaskName[] = ["cue-association", "pattern-completion"];

export function makeTask(name: string, options: CueAssociationOptions & PatternCompletionOptions = {}): TemporalTask {
  if (name === "cue-association") return cueAssociation(options);
  if (name === "pattern-completion") return patternCompletion(options);
  throw new SpikelocoError(`unknown task '${name}'; known: ${TASKS.join(", ")}`, "--task");
}
