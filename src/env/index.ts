export { LocomotionEnv } from "./locomotion.ts";
export { VecEnv } from "./vec.ts";
export type { VecStepResult } from "./vec.ts";
export { parseConditions, sampleConditions } from "./conditions.ts";
export type { Conditions, ResolvedConditions } from "./conditions.ts";
export type { EnvOptions } from "./options.ts";
export type { BoxSpace, Env, EnvSnapshot, ResetOptions, ResetResult, StepInfo, StepResult } from "./types.ts";
export type { EnvDefinition } from "./config.ts";
