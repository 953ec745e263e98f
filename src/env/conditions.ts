/**
 * Conditions: one declarative JSON object used both for training-time randomisation and for
 * evaluation. Any numeric field may be a value or a [lo, hi] range; `sampleConditions` draws one
 * value per episode from the episode's seed. Everything except `terrain` starts at `onsetStep`
 * (control steps), so mid-episode damage is `{disabledLegs: [1], onsetStep: 300}`; with
 * `terrainFromOnset: true` the terrain too switches on at onset, 0.3 m ahead of the robot.
 *
 * Distributions over condition sets:
 * - a categorical draw: any field may be `{ "oneOf": [v1, v2, ...], "weights"?: [w1, w2, ...] }`
 *   (which leg: `"disabledLegs": { "oneOf": [[0], [1], [2]] }`; which terrain: `"terrain": { "oneOf": [...] }`);
 * - a weighted mixture: `"mixture": [{ "name": "intact", "weight": 0.25 }, { "name": "leg", "weight": 0.75,
 *   "disabledLegs": {...} }]`; fields beside `mixture` are shared by every component (a component's own
 *   field wins). Mixtures do not nest.
 * `strata()` lists every (component x categorical choice) with its probability, so a trainer can cover
 * them evenly (stratified fitness); `sampleConditions` draws one of them from the episode's rng.
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
  /** The terrain appears at onsetStep, starting 0.3 m ahead of the torso (flat ground before). */
  terrainFromOnset: z.boolean().optional(),
  onsetStep: NonNegIntRange.optional(),
});

type SetFields = z.input<typeof ConditionsSchema>;
type FieldName = keyof SetFields;
const FIELD_NAMES = Object.keys(ConditionsSchema.shape) as FieldName[];

/** A categorical draw over a field's values; weights default to equal. */
export interface Categorical<T> {
  oneOf: T[];
  weights?: number[];
  /** Never set: lets code read `terrain?.kind` on a field that may hold a categorical draw. */
  kind?: undefined;
}

/** One condition set: every field a value (with ranges) or a categorical draw over values. */
export type ConditionSet = { [K in FieldName]?: SetFields[K] | Categorical<NonNullable<SetFields[K]>> };

/** A mixture component: a condition set with a weight (relative; need not sum to 1) and a name. */
export type MixtureComponent = ConditionSet & { name?: string; weight: number };

export type Conditions = ConditionSet & { mixture?: MixtureComponent[] };

/** One cell of a condition distribution: no categorical draws and no mixture left (ranges remain). */
export type PlainConditions = SetFields;

export interface Stratum {
  /** e.g. "leg" or "leg/disabledLegs=[1]" */
  name: string;
  /** Probability of this cell under the distribution (all strata sum to 1). */
  weight: number;
  conditions: PlainConditions;
}

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
  terrainFromOnset?: boolean;
  onsetStep: number;
  /** Name of the mixture component drawn (absent without a mixture). */
  component?: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCategorical = (v: unknown): v is Categorical<unknown> => isPlainObject(v) && "oneOf" in v;

/**
 * Validate JSON conditions; errors name the offending field, e.g. `conditions.obsNoise.sigma`,
 * `conditions.mixture[1].disabledLegs.oneOf[0][0]` or `conditions.mixture[0].weight`.
 */
export function parseConditions(json: unknown, path = "conditions"): Conditions {
  if (json === undefined || json === null) return {};
  if (!isPlainObject(json)) throw new SpikelocoError("must be an object of condition fields", path);
  const { mixture, ...shared } = json;
  parseSet(shared, path, json);
  if (mixture !== undefined) {
    if (!Array.isArray(mixture) || mixture.length === 0) throw new SpikelocoError("must be a non-empty list of weighted condition sets", `${path}.mixture`);
    mixture.forEach((component: unknown, i) => {
      const where = `${path}.mixture[${i}]`;
      if (!isPlainObject(component)) throw new SpikelocoError("must be an object (a condition set with a weight)", where);
      const { weight, name, mixture: nested, ...fields } = component;
      if (nested !== undefined) throw new SpikelocoError("mixtures do not nest", `${where}.mixture`);
      if (weight === undefined) throw new SpikelocoError("is required (a number > 0)", `${where}.weight`);
      if (typeof weight !== "number" || !Number.isFinite(weight) || weight <= 0) throw new SpikelocoError("must be a finite number > 0", `${where}.weight`);
      if (name !== undefined && (typeof name !== "string" || name.length === 0)) throw new SpikelocoError("must be a non-empty string", `${where}.name`);
      parseSet(fields, where, component);
    });
    const names = mixture.map((m: { name?: string }, i) => m.name ?? `mixture[${i}]`);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) throw new SpikelocoError(`duplicate component name '${n}'`, `${path}.mixture[${i}].name`);
    });
  }
  return json as Conditions;
}

/** Validate one condition set (categorical fields option by option, the rest with the schema). */
function parseSet(fields: Record<string, unknown>, path: string, original: unknown): void {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!isCategorical(value)) {
      plain[key] = value;
      continue;
    }
    if (!(FIELD_NAMES as string[]).includes(key)) throw new SpikelocoError(`unknown field '${key}'`, path);
    const where = `${path}.${key}`;
    const extra = Object.keys(value).filter((k) => k !== "oneOf" && k !== "weights");
    if (extra.length) throw new SpikelocoError(`unknown field${extra.length > 1 ? "s" : ""} ${extra.map((k) => `'${k}'`).join(", ")} (a categorical draw has oneOf and weights)`, where);
    const options = value.oneOf;
    if (!Array.isArray(options) || options.length === 0) throw new SpikelocoError("must be a non-empty list of values to draw from", `${where}.oneOf`);
    options.forEach((option, i) => {
      if (isCategorical(option)) throw new SpikelocoError("categorical draws do not nest", `${where}.oneOf[${i}]`);
      checkWithSchema({ [key]: option }, `${path}`, option, (p) => (p === key ? `${key}.oneOf[${i}]` : p));
    });
    const w = value.weights;
    if (w !== undefined) {
      if (!Array.isArray(w) || w.length !== options.length) throw new SpikelocoError(`must list one weight per option (${options.length})`, `${where}.weights`);
      w.forEach((x: unknown, i) => {
        if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new SpikelocoError("must be a finite number >= 0", `${where}.weights[${i}]`);
      });
      if ((w as number[]).reduce((a, b) => a + b, 0) <= 0) throw new SpikelocoError("must not all be 0", `${where}.weights`);
    }
  }
  checkWithSchema(plain, path, original, (p) => p);
}

function checkWithSchema(json: Record<string, unknown>, path: string, original: unknown, renameHead: (p: string) => string): void {
  const result = ConditionsSchema.safeParse(json);
  if (result.success) return;
  const issue = mostSpecific(result.error.issues[0]!);
  const parts = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `.${i === 0 ? renameHead(String(p)) : String(p)}`));
  const where = [path, ...parts].join("");
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const keys = (issue as unknown as { keys: string[] }).keys;
    message = `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => `'${k}'`).join(", ")}`;
  } else if (issue.code === "invalid_union" && issue.path[issue.path.length - 1] === "kind") {
    const kind = isPlainObject(original) && isPlainObject(original.terrain) ? original.terrain.kind : isPlainObject(original) ? original.kind : undefined;
    message = `unknown terrain kind ${JSON.stringify(kind)} (known: ${TERRAIN_KINDS.join(", ")})`;
  } else if (issue.code === "invalid_union") {
    message = "expected a number or a [lo, hi] range";
  }
  throw new SpikelocoError(message, where);
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

/** Index drawn with probability weights[i] / sum (one uniform draw). */
function drawIndex(weights: readonly number[], rng: Rng): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  // rounding: the last option with a positive weight
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
  return weights.length - 1;
}

const optionWeights = (c: Categorical<unknown>): number[] => c.weights ?? c.oneOf.map(() => 1);

/** A mixture component merged over the shared fields (the component's own fields win). */
function mergeComponent(c: Conditions, i: number): { name: string; set: ConditionSet } {
  const { mixture, ...shared } = c;
  const { weight: _w, name, ...own } = mixture![i]!;
  return { name: name ?? `mixture[${i}]`, set: { ...shared, ...own } as ConditionSet };
}

/**
 * Every cell of the distribution: mixture components x categorical choices (in field order), each with
 * its probability. Conditions without mixture or categorical fields are one stratum of weight 1.
 */
export function strata(c: Conditions): Stratum[] {
  const components: Array<{ name: string; weight: number; set: ConditionSet }> = [];
  if (c.mixture && c.mixture.length) {
    const total = c.mixture.reduce((s, m) => s + m.weight, 0);
    c.mixture.forEach((m, i) => components.push({ ...mergeComponent(c, i), weight: m.weight / total }));
  } else {
    const { mixture: _m, ...set } = c;
    components.push({ name: "", weight: 1, set });
  }
  const out: Stratum[] = [];
  for (const comp of components) {
    let cells: Stratum[] = [{ name: comp.name, weight: comp.weight, conditions: {} }];
    for (const [key, value] of Object.entries(comp.set) as Array<[FieldName, unknown]>) {
      if (!isCategorical(value)) {
        for (const cell of cells) (cell.conditions as Record<string, unknown>)[key] = value;
        continue;
      }
      const w = optionWeights(value);
      const total = w.reduce((a, b) => a + b, 0);
      const next: Stratum[] = [];
      for (const cell of cells) {
        value.oneOf.forEach((option, i) => {
          if (w[i]! <= 0) return;
          const label = `${key}=${JSON.stringify(option)}`;
          next.push({ name: cell.name ? `${cell.name}/${label}` : label, weight: (cell.weight * w[i]!) / total, conditions: { ...cell.conditions, [key]: option } });
        });
      }
      cells = next;
    }
    out.push(...cells);
  }
  for (const s of out) if (!s.name) s.name = "all";
  return out;
}

/**
 * Stratified allocation of `k` episodes over strata (systematic sampling on the cumulative weights with
 * one offset `u` in [0, 1)): stratum i gets floor or ceil of k * weight_i episodes, so a plain mean over
 * the k episodes estimates the mixture's expectation without bias, and every stratum with weight >= 1/k
 * is covered every time. Returns a stratum index per episode.
 */
export function allocateStrata(weights: readonly number[], k: number, u: number): number[] {
  const out: number[] = [];
  let cum = 0;
  let i = 0;
  for (let e = 0; e < k; e++) {
    const pos = (u + e) / k;
    while (i < weights.length - 1 && cum + weights[i]! <= pos) cum += weights[i++]!;
    out.push(i);
  }
  return out;
}

/** Largest onset step the conditions can draw (0 when none is set). */
export function maxOnsetStep(c: Conditions): number {
  let max = 0;
  for (const s of strata(c)) {
    const o = s.conditions.onsetStep;
    if (o !== undefined) max = Math.max(max, typeof o === "number" ? o : (o as [number, number])[1]);
  }
  return max;
}

/** Resolve the mixture component and categorical fields (drawn from `rng`; no draws when there are none). */
function drawCell(c: Conditions, rng: Rng): { component?: string | undefined; set: PlainConditions } {
  let component: string | undefined;
  let set: ConditionSet;
  if (c.mixture && c.mixture.length) {
    const i = drawIndex(c.mixture.map((m) => m.weight), rng);
    const merged = mergeComponent(c, i);
    component = merged.name;
    set = merged.set;
  } else {
    const { mixture: _m, ...rest } = c;
    set = rest;
  }
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(set)) plain[key] = isCategorical(value) ? value.oneOf[drawIndex(optionWeights(value), rng)] : value;
  return { component, set: plain as PlainConditions };
}

/** Parse (with defaults) and draw every range once from `rng`. Integer ranges are inclusive. */
export function sampleConditions(c: Conditions, rng: Rng): ResolvedConditions {
  const cell = drawCell(c ?? {}, rng);
  const p: ParsedConditions = ConditionsSchema.parse(cell.set);
  const num = (r: RangeValue): number => (typeof r === "number" ? r : r[0] === r[1] ? r[0] : rng.range(r[0], r[1]));
  const int = (r: RangeValue): number => (typeof r === "number" ? r : r[0] + rng.int(r[1] - r[0] + 1));
  const out: ResolvedConditions = { onsetStep: p.onsetStep === undefined ? 0 : int(p.onsetStep) };
  if (cell.component !== undefined) out.component = cell.component;
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
      direction: d === "random" ? "random" : typeof d === "string" ? named[d]! : (d as Vec3),
    };
  }
  if (p.friction !== undefined) out.friction = num(p.friction);
  if (p.mass !== undefined) out.mass = num(p.mass);
  if (p.motorStrength !== undefined) {
    const m = p.motorStrength;
    out.motorStrength = typeof m === "number" || (Array.isArray(m) && m.length === 2 && typeof m[0] === "number" && typeof m[1] === "number" && !isStrengthList(cell.set)) ? num(m as RangeValue) : (m as RangeValue[]).map(num);
  }
  if (p.disabledLegs) out.disabledLegs = [...p.disabledLegs];
  if (p.weakenedLegs) out.weakenedLegs = p.weakenedLegs.map((w) => ({ leg: w.leg, scale: num(w.scale) }));
  if (p.terrain) out.terrain = resolveTerrain(p.terrain, num);
  if (p.terrainFromOnset) out.terrainFromOnset = true;
  return out;
}

/**
 * `motorStrength: [0.5, 1]` is ambiguous (a range, or two actuators): a 2-element list of numbers is a
 * range; per-actuator lists use the long form with one entry per actuator (length = action size > 2).
 */
function isStrengthList(c: PlainConditions): boolean {
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
