/** What an env definition in envs/ provides: a robot, default settings and its docs block. */
import type { RobotDescription } from "../physics/robot.ts";
import type { LocomotionSettings } from "./options.ts";

export interface EnvDefinition {
  id: string;
  /** Versioned id for results tables (e.g. "ant-v1"): bump when dynamics or reward change. */
  version: string;
  summary: string;
  robot: RobotDescription;
  defaults: Omit<LocomotionSettings, "substeps" | "conditions" | "seed">;
  /** Gymnasium-style documentation block (markdown): spaces, rewards, start state, termination, options. */
  docs: string;
}
