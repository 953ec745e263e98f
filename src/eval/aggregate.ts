/**
 * Turn paired episode records into the evaluation report's numbers: per condition and controller the
 * return with its interval, forward distance, fall rate, retention against nominal; paired differences
 * between controllers; adaptation curves and recovery for suites with an onset.
 *
 * Pairing: unit u of every (controller, condition) cell ran with the same episode seed, so cells are
 * compared unit by unit and the bootstrap resamples units jointly.
 */
import { deriveSeed } from "../core/rng.ts";
import { padTrace, recoveryTime, windowMeans } from "./adaptation.ts";
import { mean, meanInterval, pairedDifference, retention, retentionDifference, type Interval } from "./stats.ts";
import { onsetOf, type ResolvedSuite } from "./suite.ts";
import type { OnsetAblation } from "./ablation.ts";

export interface EpisodeRecord {
  controller: number;
  condition: number;
  unit: number;
  seed: number;
  return: number;
  distance: number;
  steps: number;
  fell: boolean;
  /** Truncated because the robot left the terrain (not a fall; absent = false). */
  offCourse?: boolean;
  terms: Record<string, number>;
  /** The episode's conditions with every range drawn (JSON), as the env reported them. */
  sampled?: string;
  /** Per-step reward and forward speed (adaptation suites only). */
  trace?: { reward: Float32Array; speed: Float32Array };
}

export interface ControllerInfo {
  id: string;
  label: string;
  checkpoint: string;
  agent: string;
  /** The network has plastic projections. */
  plastic: boolean;
  /** Within-episode plasticity frozen at evaluation (the ablation). */
  frozen: boolean;
  /** An ablation acting from the suite's onset step (ablation.ts); absent = as `frozen` says. */
  ablation?: OnsetAblation;
  config: Record<string, unknown>;
  versions: Record<string, string>;
  trainedOn: unknown;
  generation: number;
}

export interface CellResult {
  controller: string;
  condition: string;
  group: string;
  n: number;
  return: Interval;
  distance: Interval;
  fallRate: number;
  /** Share of episodes truncated because the robot left the terrain's course. */
  offCourseRate: number;
  /** Mean return under the condition over mean return under nominal (same units). */
  retention: Interval;
  /** The same ratio for forward distance. */
  distanceRetention: Interval;
  terms: Record<string, number>;
}

export interface Comparison {
  a: string;
  b: string;
  condition: string;
  /** Mean of return(a) - return(b) over paired units. */
  returnDifference: Interval;
  /** retention(a) - retention(b) over paired units. */
  retentionDifference: Interval;
}

export interface WindowStat {
  start: number;
  reward: Interval;
  speed: Interval;
}

export interface AdaptationResult {
  controller: string;
  condition: string;
  onsetStep: number;
  window: number;
  windows: WindowStat[];
  recoveryFraction: number;
  /** Episodes (of those with positive pre-onset speed) that regained the fraction. */
  recoveredRate: number;
  defined: number;
  /** Mean recovery steps over recovered episodes. */
  recoverySteps: Interval | null;
  /** Mean of post-onset minimum speed / pre-onset speed. */
  minRelativeSpeed: Interval;
  preOnsetSpeed: Interval;
  /** Mean reward and speed over the windows after onset / before onset. */
  rewardAfterOverBefore: number;
}

export interface ControllerSummary {
  controller: string;
  nominalReturn: Interval;
  /** Mean retention over the non-nominal conditions (each condition weighted equally). */
  meanRetention: number;
  meanDistanceRetention: number;
  fallRate: number;
  offCourseRate: number;
}

export interface Aggregate {
  cells: CellResult[];
  comparisons: Comparison[];
  adaptation: AdaptationResult[];
  summary: ControllerSummary[];
}

export interface AggregateOptions {
  resamples?: number | undefined;
  seed?: number | undefined;
}

function cellKey(controller: number, condition: number): string {
  return `${controller}/${condition}`;
}

/** Group records by cell, each cell's records ordered by unit, checking the paired design is complete. */
export function groupCells(records: EpisodeRecord[], controllers: number, conditions: number, units: number): Map<string, EpisodeRecord[]> {
  const cells = new Map<string, EpisodeRecord[]>();
  for (let c = 0; c < controllers; c++) for (let k = 0; k < conditions; k++) cells.set(cellKey(c, k), new Array<EpisodeRecord>(units));
  for (const r of records) {
    const cell = cells.get(cellKey(r.controller, r.condition));
    if (!cell || r.unit < 0 || r.unit >= units) throw new Error(`episode record outside the design: ${cellKey(r.controller, r.condition)} unit ${r.unit}`);
    if (cell[r.unit]) throw new Error(`duplicate episode record ${cellKey(r.controller, r.condition)} unit ${r.unit}`);
    cell[r.unit] = r;
  }
  for (const [key, cell] of cells) {
    for (let u = 0; u < units; u++) if (!cell[u]) throw new Error(`missing episode record ${key} unit ${u}`);
  }
  // Every cell must have used the same seed for the same unit.
  const reference = cells.get(cellKey(0, 0))!;
  for (const [key, cell] of cells) {
    for (let u = 0; u < units; u++) {
      if (cell[u]!.seed !== reference[u]!.seed) throw new Error(`unpaired seeds: ${key} unit ${u} used ${cell[u]!.seed}, expected ${reference[u]!.seed}`);
    }
  }
  return cells;
}

function column(cell: EpisodeRecord[], pick: (r: EpisodeRecord) => number): Float64Array {
  return Float64Array.from(cell, pick);
}

function meanTerms(cell: EpisodeRecord[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const r of cell) for (const [k, v] of Object.entries(r.terms)) sums[k] = (sums[k] ?? 0) + v;
  for (const k of Object.keys(sums)) sums[k]! /= cell.length;
  return sums;
}

export function aggregate(
  suite: ResolvedSuite,
  controllers: Pick<ControllerInfo, "id">[],
  units: number,
  records: EpisodeRecord[],
  options: AggregateOptions = {},
): Aggregate {
  const C = controllers.length;
  const K = suite.conditions.length;
  const cells = groupCells(records, C, K, units);
  const nominalIndex = suite.conditions.findIndex((c) => c.name === suite.nominal);
  const boot = (...tags: Array<string | number>) => ({ resamples: options.resamples, seed: deriveSeed(options.seed ?? 0, ...tags) });

  const returns = (c: number, k: number) => column(cells.get(cellKey(c, k))!, (r) => r.return);
  const distances = (c: number, k: number) => column(cells.get(cellKey(c, k))!, (r) => r.distance);

  const out: Aggregate = { cells: [], comparisons: [], adaptation: [], summary: [] };
  for (let c = 0; c < C; c++) {
    const nomR = returns(c, nominalIndex);
    const nomD = distances(c, nominalIndex);
    for (let k = 0; k < K; k++) {
      const cell = cells.get(cellKey(c, k))!;
      const cond = suite.conditions[k]!;
      const R = returns(c, k);
      const D = distances(c, k);
      out.cells.push({
        controller: controllers[c]!.id,
        condition: cond.name,
        group: cond.group,
        n: units,
        return: meanInterval(R, boot("return", c, k)),
        distance: meanInterval(D, boot("distance", c, k)),
        fallRate: mean(column(cell, (r) => (r.fell ? 1 : 0))),
        offCourseRate: mean(column(cell, (r) => (r.offCourse ? 1 : 0))),
        retention: retention(R, nomR, boot("retention", c, k)),
        distanceRetention: retention(D, nomD, boot("distanceRetention", c, k)),
        terms: meanTerms(cell),
      });
    }
  }

  for (let a = 0; a < C; a++) {
    for (let b = a + 1; b < C; b++) {
      for (let k = 0; k < K; k++) {
        out.comparisons.push({
          a: controllers[a]!.id,
          b: controllers[b]!.id,
          condition: suite.conditions[k]!.name,
          returnDifference: pairedDifference(returns(a, k), returns(b, k), boot("diff", a, b, k)),
          retentionDifference: retentionDifference(returns(a, k), returns(a, nominalIndex), returns(b, k), returns(b, nominalIndex), boot("rdiff", a, b, k)),
        });
      }
    }
  }

  if (suite.adaptation) {
    const spec = suite.adaptation;
    for (let c = 0; c < C; c++) {
      for (let k = 0; k < K; k++) {
        const cell = cells.get(cellKey(c, k))!;
        if (cell.some((r) => !r.trace)) throw new Error(`adaptation suite needs per-step traces (${cellKey(c, k)})`);
        const onset = onsetOf(suite, suite.conditions[k]!);
        const rewardW = cell.map((r) => windowMeans(padTrace(r.trace!.reward, suite.maxSteps), spec.window));
        const speedW = cell.map((r) => windowMeans(padTrace(r.trace!.speed, suite.maxSteps), spec.window));
        const windows: WindowStat[] = [];
        for (let w = 0; w < rewardW[0]!.length; w++) {
          windows.push({
            start: w * spec.window,
            reward: meanInterval(rewardW.map((x) => x[w]!), boot("wr", c, k, w)),
            speed: meanInterval(speedW.map((x) => x[w]!), boot("ws", c, k, w)),
          });
        }
        const recoveries = cell.map((r) =>
          recoveryTime(padTrace(r.trace!.speed, suite.maxSteps), { onsetStep: onset, window: spec.window, fraction: spec.recoveryFraction, preOnsetWindows: spec.preOnsetWindows }),
        );
        const defined = recoveries.filter((r) => r.defined);
        const recovered = defined.filter((r) => r.steps !== null).map((r) => r.steps as number);
        const onsetWindow = Math.floor(onset / spec.window);
        const before = windows.slice(Math.max(0, onsetWindow - spec.preOnsetWindows), onsetWindow).map((w) => w.reward.estimate);
        const after = windows.slice(Math.ceil(onset / spec.window)).map((w) => w.reward.estimate);
        out.adaptation.push({
          controller: controllers[c]!.id,
          condition: suite.conditions[k]!.name,
          onsetStep: onset,
          window: spec.window,
          windows,
          recoveryFraction: spec.recoveryFraction,
          recoveredRate: defined.length ? recovered.length / defined.length : NaN,
          defined: defined.length,
          recoverySteps: recovered.length ? meanInterval(recovered, boot("rec", c, k)) : null,
          minRelativeSpeed: meanInterval(defined.map((r) => r.minRelativeSpeed), boot("min", c, k)),
          preOnsetSpeed: meanInterval(recoveries.map((r) => r.preOnsetSpeed), boot("pre", c, k)),
          rewardAfterOverBefore: mean(before) > 0 ? mean(after) / mean(before) : NaN,
        });
      }
    }
  }

  for (let c = 0; c < C; c++) {
    const mine = out.cells.filter((x) => x.controller === controllers[c]!.id);
    const others = mine.filter((x) => x.condition !== suite.nominal);
    out.summary.push({
      controller: controllers[c]!.id,
      nominalReturn: mine.find((x) => x.condition === suite.nominal)!.return,
      meanRetention: mean(others.map((x) => x.retention.estimate)),
      meanDistanceRetention: mean(others.map((x) => x.distanceRetention.estimate)),
      fallRate: mean(mine.map((x) => x.fallRate)),
      offCourseRate: mean(mine.map((x) => x.offCourseRate)),
    });
  }
  return out;
}
