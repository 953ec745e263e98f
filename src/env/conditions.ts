/**
 * Conditions: one declarative JSON object used both for training-time randomisation and for
 * evaluation. Any numeric field may be a value or a [lo, hi] range; `sampleConditions` draws one
 * value per episode from the episode's seed. Everything except `terrain` starts at `onsetStep`
 * (control steps), so mid-episode damage is `{disabledLegs: [1], onsetStep: 300}`.
 */
import { z } from "zod";
import { SpikelocoError } from "../core/errors.ts";
import type { Rng } from "../core/rng.ts";
import type { Vec3 } from "../physics/math.ts";
import { TERRAIN_KINDS, type TerrainKind, type TerrainSpec } from "../physics/terrain.ts";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const rangeOf = (item: z.ZodType<number>) =>
  z.union([item, z.tuple([item, item]).refine(([lo, hi]) => lo <= hi, "range must be [lo, hi] with lo <= hi")]);
const nonNeg = finite.refine((v) => v >= 0, "must be >= 0");
const positive = finite.refine((v) => v > 0, "must be > 0");
const nonNegInt = z.number().int("must be an integer").min(0, "must be >= 0");
const Range = rangeOf(finite);
const NonNegRange = rangeOf(nonNeg);
const PositiveRange = rangeOf(positive);
const NonNegIntRange = rangeOf(nonNegInt);
const PositiveIntRange = rangeOf(z.number().int("must be an integer").min(1, "must be >= 1"));

const Direction = z.union([z.enum(["random", "forward", "backward", "left", "right"]), z.tuple([finite, finite, finite])]);
const UpDown = z.enum(["up", "down"]);

const TerrainCondition = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("flat") }),
  z.strictObject({ kind: z.literal("rough"), amplitude: NonNegRange.default(0.06), scale: PositiveRange.default(0.5) }),
  z.strictObject({ kind: z.literal("slope"), angle: rangeOf(finite.refine((v) => v >= 0 && v < 45, "must be in [0, 45)")).default(10), direction: UpDown.default("up") }),
  z.strictObject({ kind: z.literal("stairs"), stepHeight: NonNegRange.default(0.04), stepWidth: PositiveRange.default(0.3), direction: UpDown.default("up") }),
  z.strictObject({ kind: z.literal("gaps"), gapWidth: NonNegRange.default(0.1), stoneLength: PositiveRange.default(0.4) }),
]);
// a compile error here means the schema above and TERRAIN_KINDS (src/physics/terrain.ts) list different kinds
const CONDITION_KINDS_MATCH: [z.infer<typeof TerrainCondition>["kind"]] extends [TerrainKind] ? ([TerrainKind] extends [z.infer<typeof TerrainCondition>["kind"]] ? true : never) : never = true;
void CONDITION_KINDS_MATCH;

export const ConditionsSchema = z.strictObject({
  obsNoise: z
    .strictObject({
      sigma: z.union([NonNegRange, z.record(z.string(), NonNegRange)]),
      groups: z.array(z.string()).optional(),
    })
    .optional(),
  actionNoise: z.strictObject({ sigma: NonNegRange }).optional(),
  latency: z.strictObject({ steps: NonNegIntRange }).optional(),
  pushes: z.strictObject({ interval: PositiveIntRange, impulse: NonNegRange, direction: Direction.default("random") }).optional(),
  friction: PositiveRange.optional(),
  mass: PositiveRange.optional(),
  motorStrength: z.union([NonNegRange, z.array(NonNegRange)]).optional(),
  disabledLegs: z.array(nonNegInt).optional(),
  weakenedLegs: z.array(z.strictObject({ leg: nonNegInt, scale: NonNegRange })).optional(),
  terrain: TerrainCondition.optional(),
  onsetStep: NonNegIntRange.optional(),
});

export type Conditions = z.input<typeof ConditionsSchema>;
type ParsedConditions = z.output<typeof ConditionsSchema>;
type RangeValue = number | [number, number];

/** Conditions with every range drawn: plain numbers only. */
export interface ResolvedConditions {
  obsNoise?: { sigma: number | Record<string, number>; groups?: string[] };
  actionNoise?: { sigma: number };
  latency?: { steps: number };
  pushes?: { interval: number; impulse: number; direction: "random" | Vec3 };
  friction?: number;
  mass?: number;
  motorStrength?: number | number[];
  disabledLegs?: number[];
  weakenedLegs?: Array<{ leg: number; scale: number }>;
  terrain?: TerrainSpec;
  onsetStep: number;
}

/** Validate JSON conditions; errors name the offending field, e.g. `conditions.obsNoise.sigma`. */
export function parseConditions(json: unknown, path = "conditions"): Conditions {
  if (json === undefined || json === null) return {};
  const result = ConditionsSchema.safeParse(json);
  if (!result.success) {
    const issue = mostSpecific(result.error.issues[0]);
    const where = [path, ...issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))].join("");
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as unknown as { keys: string[] }).keys;
      message = `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => `'${k}'`).join(", ")}`;
    } else if (issue.code === "invalid_union" && issue.path[issue.path.length - 1] === "kind") {
      message = `unknown terrain kind ${JSON.stringify((json as { terrain?: { kind?: unknown } }).terrain?.kind)} (known: ${TERRAIN_KINDS.join(", ")})`;
    } else if (issue.code === "invalid_union") {
      message = "expected a number or a [lo, hi] range";
    }
    throw new SpikelocoError(message, where);
  }
  return json as Conditions;
}

interface Issue {
  code: string;
  message: string;
  path: PropertyKey[];
  errors?: Issue[][];
  expected?: string;
}

const isSpecific = (i: Issue) => (i.code !== "invalid_type" || i.expected === "int") && i.code !== "invalid_union";

/** For a failed union, the branch issue that says what is wrong with the value (not just its type). */
function mostSpecific(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || !issue.errors) return issue;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      if (isSpecific(inner)) return { ...inner, path: [...issue.path, ...inner.path] };
      if (inner.code === "invalid_union") {
        const deeper = mostSpecific({ ...inner, path: [...issue.path, ...inner.path] });
        if (isSpecific(deeper)) return deeper;
      }
    }
  }
  return issue;
}

/** Parse (with defaults) and draw every range once from `rng`. Integer ranges are inclusive. */
export function sampleConditions(c: Conditions, rng: Rng): ResolvedConditions {
  const p: ParsedConditions = ConditionsSchema.parse(c ?? {});
  const num = (r: RangeValue): number => (typeof r === "number" ? r : r[0] === r[1] ? r[0] : rng.range(r[0], r[1]));
  const int = (r: RangeValue): number => (typeof r === "number" ? r : r[0] + rng.int(r[1] - r[0] + 1));
  const out: ResolvedConditions = { onsetStep: p.onsetStep === undefined ? 0 : int(p.onsetStep) };
  if (p.obsNoise) {
    const s = p.obsNoise.sigma;
    const sigma = typeof s === "number" || Array.isArray(s) ? num(s) : Object.fromEntries(Object.entries(s).map(([k, v]) => [k, num(v)]));
    out.obsNoise = p.obsNoise.groups ? { sigma, groups: [...p.obsNoise.groups] } : { sigma };
  }
  if (p.actionNoise) out.actionNoise = { sigma: num(p.actionNoise.sigma) };
  if (p.latency) out.latency = { steps: int(p.latency.steps) };
  if (p.pushes) {
    const d = p.pushes.direction;
    const named: Record<string, Vec3> = { forward: [1, 0, 0], backward: [-1, 0, 0], left: [0, 1, 0], right: [0, -1, 0] };
    out.pushes = {
      interval: int(p.pushes.interval),
      impulse: num(p.pushes.impulse),
      direction: d === "random" ? "random" : typeof d === "string" ? named[d] : (d as Vec3),
    };
  }
  if (p.friction !== undefined) out.friction = num(p.friction);
  if (p.mass !== undefined) out.mass = num(p.mass);
  if (p.motorStrength !== undefined) {
    const m = p.motorStrength;
    out.motorStrength = typeof m === "number" || (Array.isArray(m) && m.length === 2 && typeof m[0] === "number" && typeof m[1] === "number" && !isStrengthList(c)) ? num(m as RangeValue) : (m as RangeValue[]).map(num);
  }
  if (p.disabledLegs) out.disabledLegs = [...p.disabledLegs];
  if (p.weakenedLegs) out.weakenedLegs = p.weakenedLegs.map((w) => ({ leg: w.leg, scale: num(w.scale) }));
  if (p.terrain) out.terrain = resolveTerrain(p.terrain, num);
  return out;
}

/**
 * `motorStrength: [0.5, 1]` is ambiguous (a range, or two actuators): a 2-element list of numbers is a
 * range; per-actuator lists use the long form with one entry per actuator (length = action size > 2).
 */
function isStrengthList(c: Conditions): boolean {
  const m = c.motorStrength;
  return Array.isArray(m) && m.length !== 2;
}

function resolveTerrain(t: NonNullable<ParsedConditions["terrain"]>, num: (r: RangeValue) => number): TerrainSpec {
  switch (t.kind) {
    case "flat":
      return { kind: "flat" };
    case "rough":
      return { kind: "rough", amplitude: num(t.amplitude), scale: num(t.scale) };
    case "slope":
      return { kind: "slope", angle: num(t.angle), direction: t.direction };
    case "stairs":
      return { kind: "stairs", stepHeight: num(t.stepHeight), stepWidth: num(t.stepWidth), direction: t.direction };
    case "gaps":
      return { kind: "gaps", gapWidth: num(t.gapWidth), stoneLength: num(t.stoneLength) };
  }
}
