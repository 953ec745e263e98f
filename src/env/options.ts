/** Env options (validated; unknown options are rejected by name). */
import { z } from "zod";
import { SpikelocoError } from "../core/errors.ts";
import type { Conditions } from "./conditions.ts";
import { parseConditions } from "./conditions.ts";
import type { RobotDescription } from "../physics/robot.ts";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const nonNeg = finite.refine((v) => v >= 0, "must be >= 0");
const positive = finite.refine((v) => v > 0, "must be > 0");

export const EnvOptionsSchema = z.strictObject({
  /** Truncation horizon in control steps. */
  maxSteps: z.number().int("must be an integer").min(1, "must be >= 1").optional(),
  /** Control period (s); must be a whole number of physics steps. */
  controlDt: positive.optional(),
  /** Physics step (s). */
  physicsDt: positive.optional(),
  forwardRewardWeight: finite.optional(),
  healthyReward: finite.optional(),
  ctrlCostWeight: nonNeg.optional(),
  contactCostWeight: nonNeg.optional(),
  /** Torso height above the nominal ground that counts as healthy, [lo, hi] (m). */
  healthyZRange: z.tuple([finite, finite]).refine(([a, b]) => a < b, "must be [lo, hi] with lo < hi").optional(),
  terminateWhenUnhealthy: z.boolean().optional(),
  /** Scale of the reset noise (joint angles U(±scale) rad, torso velocity scale·N(0,1)). */
  resetNoiseScale: nonNeg.optional(),
  /** Default conditions for every reset that does not pass its own. */
  conditions: z.unknown().optional(),
  /** Default seed for reset() without a seed (later resets continue from it). */
  seed: z.number().int().optional(),
  /** Rapier solver iterations per physics step. */
  solverIterations: z.number().int("must be an integer").min(1, "must be >= 1").max(16, "must be <= 16").optional(),
  /** Gravity along z (m/s²). */
  gravity: finite.optional(),
  /** Appends a clock (sin, cos of 2π·clockHz·t, t from the episode start) to the observation; 0 = none. */
  clockHz: nonNeg.optional(),
  /** env "legged" only: a robot file path (.urdf, .xml/.mjcf, robot .json) or a robot description. */
  robot: z.union([z.string().min(1, "must be a path"), z.record(z.string(), z.unknown())]).optional(),
  /** env "legged" only: PD gains and torque limit for every actuated joint. */
  gains: z.strictObject({ kp: nonNeg.optional(), kd: nonNeg.optional(), maxTorque: positive.optional() }).optional(),
});

export type EnvOptions = Omit<z.input<typeof EnvOptionsSchema>, "conditions" | "robot"> & { conditions?: Conditions; robot?: string | RobotDescription };

export interface LocomotionSettings {
  maxSteps: number;
  controlDt: number;
  physicsDt: number;
  substeps: number;
  forwardRewardWeight: number;
  healthyReward: number;
  ctrlCostWeight: number;
  contactCostWeight: number;
  healthyZRange: [number, number];
  terminateWhenUnhealthy: boolean;
  resetNoiseScale: number;
  conditions: Conditions;
  seed: number;
  solverIterations: number;
  gravity: number;
  clockHz: number;
}

export function resolveOptions(defaults: Omit<LocomotionSettings, "substeps" | "conditions" | "seed">, options: unknown): LocomotionSettings {
  const result = EnvOptionsSchema.safeParse(options ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = ["options", ...issue.path.map(String)].join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      throw new SpikelocoError(`unknown option${keys.length > 1 ? "s" : ""} ${keys.map((k) => `'${k}'`).join(", ")} (known: ${Object.keys(EnvOptionsSchema.shape).join(", ")})`, "options");
    }
    throw new SpikelocoError(issue.message, where);
  }
  const o = result.data;
  const s = { ...defaults, conditions: {} as Conditions, seed: 0, substeps: 1 };
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (s as Record<string, unknown>)[k] = v;
  s.conditions = parseConditions(o.conditions, "options.conditions");
  const ratio = s.controlDt / s.physicsDt;
  s.substeps = Math.round(ratio);
  if (s.substeps < 1 || Math.abs(ratio - s.substeps) > 1e-6) {
    throw new SpikelocoError(`controlDt (${s.controlDt}) must be a whole multiple of physicsDt (${s.physicsDt})`, "options.controlDt");
  }
  return s;
}
