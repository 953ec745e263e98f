/**
 * Evaluation suites as data: a list of named conditions in the shared condition format (the same
 * objects training uses for randomisation), plus the episode length, which condition is the nominal
 * baseline for retention, and (for adaptation suites) the onset and window settings.
 *
 * A condition entry with `"forEachLeg": true` expands into one condition per leg of the robot;
 * the string "{leg}" in its name and any value equal to "{leg}" are replaced by the leg index.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SpikelocoError } from "../core/errors.ts";
import { defined } from "../core/defined.ts";
import { parseConditions, type Conditions } from "../env/conditions.ts";

const LEG_PLACEHOLDER = "{leg}";

const AdaptationSchema = z.strictObject({
  onsetStep: z.number().int("must be an integer").min(1, "must be >= 1"),
  window: z.number().int("must be an integer").min(1, "must be >= 1"),
  recoveryFraction: z.number().gt(0, "must be > 0").max(1.5, "must be <= 1.5").default(0.8),
  preOnsetWindows: z.number().int("must be an integer").min(1, "must be >= 1").default(3),
});

const ConditionEntrySchema = z.strictObject({
  name: z.string().min(1, "must be a non-empty string"),
  group: z.string().min(1, "must be a non-empty string").optional(),
  forEachLeg: z.boolean().optional(),
  conditions: z.unknown(),
});

const SuiteSchema = z.strictObject({
  name: z.string().min(1, "must be a non-empty string"),
  description: z.string().optional(),
  maxSteps: z.number().int("must be an integer").min(1, "must be >= 1").max(100_000, "must be <= 100000"),
  nominal: z.string().min(1, "must be a non-empty string"),
  adaptation: AdaptationSchema.optional(),
  conditions: z.array(ConditionEntrySchema).min(1, "must list at least one condition"),
});

export type AdaptationSpec = z.output<typeof AdaptationSchema>;
type ConditionEntry = z.output<typeof ConditionEntrySchema>;

export interface Suite {
  name: string;
  description?: string;
  maxSteps: number;
  nominal: string;
  adaptation?: AdaptationSpec;
  /** Entries as written (forEachLeg entries not yet expanded). */
  entries: ConditionEntry[];
}

export interface SuiteCondition {
  name: string;
  group: string;
  conditions: Conditions;
}

/** A suite expanded for a robot with a known number of legs. */
export interface ResolvedSuite {
  name: string;
  description?: string;
  maxSteps: number;
  nominal: string;
  adaptation?: AdaptationSpec;
  conditions: SuiteCondition[];
}

export const BUILTIN_SUITES = ["robustness", "adaptation"] as const;

function zodPath(base: string, path: ReadonlyArray<PropertyKey>): string {
  return [base, ...path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))].join("");
}

function substituteLeg(value: unknown, leg: number): unknown {
  if (value === LEG_PLACEHOLDER) return leg;
  if (Array.isArray(value)) return value.map((v) => substituteLeg(v, leg));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteLeg(v, leg)]));
  }
  return value;
}

function expandEntry(entry: ConditionEntry, legCount: number): Array<{ name: string; group: string; raw: unknown }> {
  const group = entry.group ?? entry.name;
  if (!entry.forEachLeg) return [{ name: entry.name, group, raw: entry.conditions }];
  const out = [];
  for (let leg = 0; leg < legCount; leg++) {
    out.push({ name: entry.name.split(LEG_PLACEHOLDER).join(String(leg)), group, raw: substituteLeg(entry.conditions, leg) });
  }
  return out;
}

/**
 * Validate a suite object. Every error names the offending field, e.g.
 * `my-suite.json: suite.conditions[2].conditions.friction: must be > 0`.
 */
export function parseSuite(json: unknown, source = "suite"): Suite {
  const prefix = source === "suite" ? "" : `${source}: `;
  const result = SuiteSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      message = `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => `'${k}'`).join(", ")}`;
    } else if (issue.code === "invalid_type" && issue.message.includes("received undefined")) {
      message = "is required";
    }
    throw new SpikelocoError(message, prefix + zodPath("suite", issue.path));
  }
  const s = result.data;
  const entries = s.conditions;
  // Validate every condition body with the shared parser (leg placeholders checked as leg 0).
  entries.forEach((entry, i) => {
    const raw = entry.forEachLeg ? substituteLeg(entry.conditions, 0) : entry.conditions;
    if (!entry.forEachLeg && JSON.stringify(entry.conditions ?? {}).includes(LEG_PLACEHOLDER)) {
      throw new SpikelocoError(`uses "${LEG_PLACEHOLDER}" but forEachLeg is not true`, `${prefix}suite.conditions[${i}]`);
    }
    parseConditions(raw, `${prefix}suite.conditions[${i}].conditions`);
  });
  const suite: Suite = { name: s.name, maxSteps: s.maxSteps, nominal: s.nominal, ...defined({ description: s.description, adaptation: s.adaptation }), entries };
  // Structural checks on a 1-leg expansion (names must be unique, nominal must exist).
  checkResolved(resolveSuite(suite, 1, false), prefix, entries.some((e) => e.forEachLeg));
  return suite;
}

function checkResolved(r: ResolvedSuite, prefix: string, hasLegTemplates: boolean): void {
  const seen = new Set<string>();
  r.conditions.forEach((c, i) => {
    if (seen.has(c.name)) {
      const hint = hasLegTemplates ? " (a forEachLeg name must contain \"{leg}\")" : "";
      throw new SpikelocoError(`duplicate condition name '${c.name}'${hint}`, `${prefix}suite.conditions[${i}].name`);
    }
    seen.add(c.name);
  });
  if (!seen.has(r.nominal)) {
    throw new SpikelocoError(`'${r.nominal}' is not one of the suite's condition names`, `${prefix}suite.nominal`);
  }
  const a = r.adaptation;
  if (a) {
    if (a.onsetStep >= r.maxSteps) throw new SpikelocoError(`must be < maxSteps (${r.maxSteps})`, `${prefix}suite.adaptation.onsetStep`);
    if (a.window * a.preOnsetWindows > a.onsetStep) {
      throw new SpikelocoError(`window * preOnsetWindows (${a.window * a.preOnsetWindows}) must fit before onsetStep (${a.onsetStep})`, `${prefix}suite.adaptation.window`);
    }
    r.conditions.forEach((c, i) => {
      const onset = c.conditions.onsetStep;
      if (onset !== undefined && typeof onset !== "number") {
        throw new SpikelocoError("adaptation suites need a fixed onset step, not a range", `${prefix}suite.conditions[${i}].conditions.onsetStep`);
      }
      if (typeof onset === "number" && (onset < a.window * a.preOnsetWindows || onset >= r.maxSteps)) {
        throw new SpikelocoError(`must be in [${a.window * a.preOnsetWindows}, ${r.maxSteps}) so pre-onset windows exist`, `${prefix}suite.conditions[${i}].conditions.onsetStep`);
      }
    });
  }
}

/** Expand forEachLeg entries for a robot with `legCount` legs. */
export function resolveSuite(suite: Suite, legCount: number, check = true): ResolvedSuite {
  if (!Number.isInteger(legCount) || legCount < 1) throw new SpikelocoError(`leg count must be a positive integer, got ${legCount}`);
  const conditions: SuiteCondition[] = [];
  for (const entry of suite.entries) {
    for (const e of expandEntry(entry, legCount)) conditions.push({ name: e.name, group: e.group, conditions: (e.raw ?? {}) as Conditions });
  }
  const r: ResolvedSuite = { name: suite.name, maxSteps: suite.maxSteps, nominal: suite.nominal, ...defined({ description: suite.description, adaptation: suite.adaptation }), conditions };
  if (check) checkResolved(r, `${suite.name}: `, suite.entries.some((e) => e.forEachLeg));
  return r;
}

/** The onset step of a condition in an adaptation suite (its own, else the suite's). */
export function onsetOf(suite: ResolvedSuite, c: SuiteCondition): number {
  const own = c.conditions.onsetStep;
  return typeof own === "number" ? own : suite.adaptation?.onsetStep ?? 0;
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new SpikelocoError(`cannot read suite file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SpikelocoError(`not valid JSON (${(err as Error).message})`, path);
  }
}

/** A built-in suite by name (`robustness`, `adaptation`) or a user suite from a JSON file. */
export function loadSuite(nameOrFile: string): Suite {
  if ((BUILTIN_SUITES as readonly string[]).includes(nameOrFile)) {
    const path = new URL(`./suites/${nameOrFile}.json`, import.meta.url);
    return parseSuite(JSON.parse(readFileSync(path, "utf8")), `${nameOrFile} suite`);
  }
  if (!nameOrFile.toLowerCase().endsWith(".json")) {
    throw new SpikelocoError(`unknown suite '${nameOrFile}': use ${BUILTIN_SUITES.join(" or ")}, or a path to a .json suite file`, "--suite");
  }
  return parseSuite(readJsonFile(nameOrFile), nameOrFile);
}

/**
 * Conditions that cannot act within the suite's episode length (e.g. after `--max-steps 100`, a push
 * every 100 steps or an onset at step 500): their results would silently equal nominal.
 */
export function inertConditionWarnings(suite: ResolvedSuite): string[] {
  const out: string[] = [];
  for (const c of suite.conditions) {
    if (c.name === suite.nominal) continue;
    const raw = c.conditions as { onsetStep?: unknown; pushes?: { interval?: unknown; impulse?: unknown } };
    const onset = typeof raw.onsetStep === "number" ? raw.onsetStep : 0;
    if (onset >= suite.maxSteps - 1) {
      out.push(`condition '${c.name}' starts at step ${onset}, but episodes last ${suite.maxSteps} steps: it cannot act`);
      continue;
    }
    const p = raw.pushes;
    if (p && typeof p.interval === "number" && onset + p.interval >= suite.maxSteps) {
      out.push(`condition '${c.name}' pushes first at step ${onset + p.interval}, but episodes last ${suite.maxSteps} steps: no push lands (use --max-steps > ${onset + p.interval})`);
    }
  }
  return out;
}
