/** What an env definition in envs/ provides: a robot, its option defaults and its docs block. */
import type { RobotDescription } from "../physics/robot.ts";
import type { EnvDefaults } from "./options.ts";

export interface EnvDefinition {
  id: string;
  /** Versioned id for results tables (e.g. "ant-v1"): bump when dynamics or reward change. */
  version: string;
  summary: string;
  robot: RobotDescription;
  /** Every option's default for this env (envDefaults() with the env's overrides). */
  defaults: EnvDefaults;
  /** Gymnasium-style documentation block (markdown): spaces, rewards, start state, termination, options. */
  docs: string;
}

/** Declares an env for the registry, keeping its id's literal type (so EnvId is the union of the ids). */
export function defineEnv<const Id extends string>(def: EnvDefinition & { id: Id }): EnvDefinition & { id: Id } {
  return def;
}
