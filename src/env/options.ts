/**
 * Env options, declared once: ENV_OPTIONS gives each option its schema, default, unit and meaning. The zod
 * schema, the EnvOptions / EnvSettings types, the defaults (an env in envs/ overrides a few) and the docs
 * table (envs/docs.ts) derive from it. Unknown options are rejected by name.
 */
import { z } from "zod";
import { SpikelocoError } from "../core/errors.ts";
import type { RobotDescription } from "../physics/robot.ts";
import type { Conditions } from "./conditions.ts";
import { parseConditions } from "./conditions.ts";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const nonNeg = finite.refine((v) => v >= 0, "must be >= 0");
const positive = finite.refine((v) => v > 0, "must be > 0");

/**
 * What an option shapes. The docs table is ordered by it; a snapshot restores only into an env whose
 * options agree outside "reset" (those only supply defaults for reset()).
 */
export type OptionGroup = "physics" | "episode" | "reward" | "observation" | "robot" | "reset";

type RobotOption = string | RobotDescription | undefined;
// a path or a description object (validated in full when the legged env builds it)
const robotSchema = z.union([z.string().min(1, "must be a path"), z.record(z.string(), z.unknown())]).optional() as unknown as z.ZodType<RobotOption, RobotOption>;

interface OptionSpec<S extends z.ZodType> {
  group: OptionGroup;
  schema: S;
  default: z.output<S>;
  /** Unit of the value ("" when it has none). */
  unit: string;
  doc: string;
}

const option = <S extends z.ZodType>(spec: OptionSpec<S>): OptionSpec<S> => spec;

export const ENV_OPTIONS = {
  physicsDt: option({ group: "physics", schema: positive, default: 0.01, unit: "s", doc: "physics step" }),
  controlDt: option({ group: "physics", schema: positive, default: 0.05, unit: "s", doc: "control period; a whole multiple of physicsDt (substeps = controlDt / physicsDt)" }),
  solverIterations: option({
    group: "physics",
    schema: z.number().int("must be an integer").min(1, "must be >= 1").max(16, "must be <= 16"),
    default: 4,
    unit: "",
    doc: "Rapier solver iterations per physics step (1..16)",
  }),
  gravity: option({ group: "physics", schema: finite, default: -9.81, unit: "m/s²", doc: "gravity along z" }),
  maxSteps: option({ group: "episode", schema: z.number().int("must be an integer").min(1, "must be >= 1"), default: 1000, unit: "control steps", doc: "truncation horizon" }),
  healthyZRange: option({
    group: "episode",
    schema: z.tuple([finite, finite]).refine(([a, b]) => a < b, "must be [lo, hi] with lo < hi"),
    default: [0.2, 1.0],
    unit: "m",
    doc: "torso height above the nominal ground that counts as healthy, [lo, hi]",
  }),
  terminateWhenUnhealthy: option({ group: "episode", schema: z.boolean(), default: true, unit: "", doc: "end the episode (terminated) when unhealthy" }),
  resetNoiseScale: option({ group: "episode", schema: nonNeg, default: 0.1, unit: "rad, m/s", doc: "reset noise: joint angles U(±scale) rad, torso velocity scale·N(0, 1)" }),
  forwardRewardWeight: option({ group: "reward", schema: finite, default: 1, unit: "", doc: "weight of the forward term" }),
  healthyReward: option({ group: "reward", schema: finite, default: 1, unit: "", doc: "weight of the healthy term (reward per step while healthy)" }),
  ctrlCostWeight: option({ group: "reward", schema: nonNeg, default: 0.05, unit: "", doc: "weight of the control cost" }),
  contactCostWeight: option({ group: "reward", schema: nonNeg, default: 0, unit: "", doc: "weight of the contact cost (0 = off)" }),
  clockHz: option({
    group: "observation",
    schema: nonNeg,
    default: 0,
    unit: "Hz",
    doc: "append a clock (clock_sin, clock_cos of 2π·clockHz·t from the episode start; group 'clock') to the observation; 0 = none",
  }),
  robot: option({
    group: "robot",
    schema: robotSchema,
    default: undefined,
    unit: "",
    doc: "env 'legged' only: path to a .urdf, .xml/.mjcf or robot .json file, or a robot description object",
  }),
  gains: option({
    group: "robot",
    schema: z.strictObject({ kp: nonNeg.optional(), kd: nonNeg.optional(), maxTorque: positive.optional() }).optional(),
    default: undefined,
    unit: "",
    doc: "env 'legged' only: { kp, kd, maxTorque } for every actuated joint",
  }),
  conditions: option({
    group: "reset",
    // checked by parseConditions, whose messages name the offending field
    schema: z.custom<Conditions>(() => true),
    default: {},
    unit: "",
    doc: "default conditions for every reset that passes none (see src/env/conditions.ts)",
  }),
  seed: option({ group: "reset", schema: z.number().int(), default: 0, unit: "", doc: "seed of the first reset() without a seed (later ones continue from it)" }),
};

type Table = typeof ENV_OPTIONS;
export type OptionName = keyof Table;
/** Options as makeEnv takes them (every one optional). */
export type EnvOptions = { [K in OptionName]?: z.input<Table[K]["schema"]> };
/** A value for every option: an env's defaults. */
export type EnvDefaults = { [K in OptionName]: z.output<Table[K]["schema"]> };
/** The options an env runs with, plus what derives from them. */
export type EnvSettings = EnvDefaults & { substeps: number };

const NAMES = Object.keys(ENV_OPTIONS) as OptionName[];

export const EnvOptionsSchema = z.strictObject(
  Object.fromEntries(NAMES.map((k) => [k, ENV_OPTIONS[k].schema.optional()])) as { [K in OptionName]: z.ZodOptional<Table[K]["schema"]> },
);

/** The table's defaults with an env's overrides (e.g. its healthy height). */
export function envDefaults(overrides: Partial<EnvDefaults> = {}): EnvDefaults {
  const d = Object.fromEntries(NAMES.map((k) => [k, ENV_OPTIONS[k].default])) as EnvDefaults;
  return { ...d, ...overrides };
}

/** Options that shape an episode's dynamics, observation and reward (all but the reset defaults). */
export function dynamicsOptions(s: EnvSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of NAMES) if (ENV_OPTIONS[k].group !== "reset") out[k] = s[k];
  out.substeps = s.substeps;
  return out;
}

export function resolveOptions(defaults: EnvDefaults, options: unknown): EnvSettings {
  const result = EnvOptionsSchema.safeParse(options ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = ["options", ...issue.path.map(String)].join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      throw new SpikelocoError(`unknown option${keys.length > 1 ? "s" : ""} ${keys.map((k) => `'${k}'`).join(", ")} (known: ${NAMES.join(", ")})`, "options");
    }
    throw new SpikelocoError(issue.message, where);
  }
  const s: EnvSettings = { ...defaults, substeps: 1 };
  for (const [k, v] of Object.entries(result.data)) if (v !== undefined) (s as Record<string, unknown>)[k] = v;
  s.conditions = parseConditions(s.conditions, "options.conditions");
  const ratio = s.controlDt / s.physicsDt;
  s.substeps = Math.round(ratio);
  if (s.substeps < 1 || Math.abs(ratio - s.substeps) > 1e-6) {
    throw new SpikelocoError(`controlDt (${s.controlDt}) must be a whole multiple of physicsDt (${s.physicsDt})`, "options.controlDt");
  }
  return s;
}
