/**
 * Time and peak memory of one EventProp gradient against one tfjs BPTT gradient for the same delayed network
 * (issue 8), both measured in the same process, with the same number of timed repetitions (median).
 *
 * Memory. BPTT: tf.profile's peakBytes (live tensor memory: the tape of per-step tensors), also given above the
 * tensor bytes that existed before (parameters and input raster). EventProp: measured process memory
 * (heapUsed + arrayBuffers) above a post-GC baseline taken with the parameters and input already allocated:
 *   keptForBackward  after the forward pass and a forced GC: what the backward pass needs (event store,
 *                    ForwardResult, gradient buffers), the live set at the start of the backward pass;
 *   afterBackward    right after the backward pass, no GC: kept + everything the backward pass allocated.
 * measuredPeakBytes = max of the two, an upper bound on the live peak of the backward pass; the forward pass's
 * live set only grows towards keptForBackward (its temporaries are O(input spikes of one layer)). The forward
 * pass also allocates short-lived garbage (allocatedByForwardBytes, sampled before any GC, ~9x the kept
 * store here; young-generation scavenges may already have collected part of it): that is allocation churn
 * which V8 reclaims, not live memory, and tf.profile does not count the tfjs equivalent either, so it is
 * reported but not used for the peak. The analytic count of stored float64 values x 8 is kept as a second
 * field. A few KB of heap noise is close to the size of the figure at T = 100, so the measurement is repeated
 * over trial lengths (same input rate, so the number of events grows with T), and the least-squares slope in
 * bytes per stored value is reported. */
import v8 from "node:v8";
import vm from "node:vm";
import { Rng, deriveSeed } from "../../core/rng.ts";
import { selectTensorBackend } from "../../snn/tensor.ts";
import { cosine } from "../eprop/stats.ts";
import {
  backward,
  crossEntropy,
  forward,
  initParams,
  lossAndGradient,
  zerosLike,
  type EventNetConfig,
  type EventNetParams,
  type Gradients,
  type LabelledSpikes,
} from "../eventprop/network.ts";
import type { ReproExperiment } from "./experiment.ts";

const SIZES = [16, 64, 4];
const TRIAL_END = 100;
const RATE = 0.08; // input spikes per time unit per input neuron
const LIF = { tauMem: 10, tauSyn: 5, threshold: 1 };

export interface CostOptions {
  /** BPTT step counts over the same trial [0, TRIAL_END]. */
  bpttSteps: number[];
  /** Untimed warm-up calls, then timed repetitions (median), the same for both methods. */
  warmup: number;
  repetitions: number;
  /** Trial lengths for the EventProp memory slope (TRIAL_END among them). */
  memoryTrialEnds: number[];
  /** Memory measurements per trial length (median). */
  memoryRepetitions: number;
}

export const DEFAULT_COST: CostOptions = {
  bpttSteps: [500, 1000],
  warmup: 2,
  repetitions: 5,
  memoryTrialEnds: [100, 200, 400, 800],
  memoryRepetitions: 7,
};

function poissonInput(seed: number, trialEnd: number): LabelledSpikes {
  const rng = new Rng(seed);
  const spikes: Array<[number, number]> = [];
  for (let i = 0; i < SIZES[0]!; i++) {
    let t = 0;
    for (;;) {
      t += -Math.log(1 - rng.uniform()) / RATE;
      if (t >= trialEnd * 0.8) break;
      spikes.push([t, i]);
    }
  }
  spikes.sort((a, b) => a[0] - b[0]);
  return { times: Float64Array.from(spikes, (s) => s[0]), neurons: Int32Array.from(spikes, (s) => s[1]), label: 1 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : 0.5 * (s[s.length / 2 - 1]! + s[s.length / 2]!);
}

/** A full-GC function: global.gc under `node --expose-gc`, otherwise enabled at run time through V8 flags. */
function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === "function") return existing;
  v8.setFlagsFromString("--expose-gc");
  const fn = vm.runInNewContext("gc") as unknown;
  if (typeof fn !== "function") throw new Error("cannot enable gc(); run node with --expose-gc");
  return fn as () => void;
}

const processBytes = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

export interface EventPropMemory {
  trialEnd: number;
  inputSpikes: number;
  hiddenSpikes: number;
  storedValues: number;
  analyticEventStoreBytes: number;
  /** Medians over repetitions, bytes above the pre-gradient baseline (see the file comment). */
  allocatedByForwardBytes: number;
  keptForBackwardBytes: number;
  afterBackwardBytes: number;
  /** max(keptForBackward, afterBackward). */
  peakBytes: number;
  /** Spread of peakBytes over repetitions (max - min). */
  peakBytesRange: number;
  /** Baseline-to-baseline drift with nothing run in between (|delta| of two successive post-GC samples): median and max over repetitions. */
  noiseFloorBytes: number;
  noiseFloorMaxBytes: number;
}

/** Measured process memory of one EventProp gradient (see the file comment). */
export function measureEventPropMemory(config: EventNetConfig, params: EventNetParams, sample: LabelledSpikes, repetitions: number): EventPropMemory {
  const gc = getGc();
  for (let r = 0; r < 3; r++) lossAndGradient(config, params, sample, 1, zerosLike(params)); // JIT warm-up
  for (let r = 0; r < 3; r++) gc(); // settle (pending finalizers, earlier garbage)
  const after: number[] = [];
  const kept: number[] = [];
  const afterBack: number[] = [];
  const peak: number[] = [];
  const noise: number[] = [];
  let stored = 0;
  let hidden = 0;
  for (let r = 0; r < repetitions; r++) {
    gc();
    const idle = processBytes();
    gc();
    const base = processBytes();
    noise.push(Math.abs(base - idle));
    let grads: Gradients | null = zerosLike(params);
    let fwd: ReturnType<typeof forward> | null = forward(config, params, sample);
    const ce = crossEntropy(fwd.readout, sample.label, 1);
    const a = processBytes() - base;
    gc();
    const k = processBytes() - base;
    const stats = backward(config, params, fwd, ce.grad, grads);
    const b = processBytes() - base;
    stored = stats.storedValues;
    hidden = fwd.spikeCounts.reduce((x, y) => x + y, 0);
    after.push(a);
    kept.push(k);
    afterBack.push(b);
    peak.push(Math.max(k, b));
    // release before the next baseline
    fwd = null;
    grads = null;
  }
  return {
    trialEnd: config.trialEnd,
    inputSpikes: sample.times.length,
    hiddenSpikes: hidden,
    storedValues: stored,
    analyticEventStoreBytes: stored * 8,
    allocatedByForwardBytes: median(after),
    keptForBackwardBytes: median(kept),
    afterBackwardBytes: median(afterBack),
    peakBytes: median(peak),
    peakBytesRange: Math.max(...peak) - Math.min(...peak),
    noiseFloorBytes: median(noise),
    noiseFloorMaxBytes: Math.max(...noise),
  };
}

/** Least-squares line y = a + b x. */
function fitLine(xs: number[], ys: number[]): { intercept: number; slope: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

export async function measureCost(seed: number, log: (message: string) => void, o: CostOptions = DEFAULT_COST): Promise<Record<string, unknown>> {
  const tf = await import("@tensorflow/tfjs");
  const { bpttGradient, disposeBpttProblem, makeBpttProblem } = await import("../eventprop/bptt.ts");
  const backend = await selectTensorBackend();
  const configFor = (trialEnd: number): EventNetConfig => ({ sizes: SIZES, lif: LIF, trialEnd });
  const config = configFor(TRIAL_END);
  const params = initParams(config, deriveSeed(seed, "cost-params"), { weightScale: [0.6, 1], weightMean: [0.5, 0], delayRange: [0, 10] });
  const sample = poissonInput(deriveSeed(seed, "cost-input"), TRIAL_END);

  // EventProp (float64, exact): time.
  const epTimes: number[] = [];
  let epGrads = zerosLike(params);
  let res = lossAndGradient(config, params, sample, 1, epGrads);
  for (let r = 0; r < o.warmup + o.repetitions; r++) {
    epGrads = zerosLike(params);
    const t0 = performance.now();
    res = lossAndGradient(config, params, sample, 1, epGrads);
    if (r >= o.warmup) epTimes.push(performance.now() - t0);
  }
  // EventProp: measured memory at this trial length and over several (same input rate, so more events).
  const memory = o.memoryTrialEnds.map((T) => {
    const m = measureEventPropMemory(configFor(T), params, T === TRIAL_END ? sample : poissonInput(deriveSeed(seed, "cost-input", T), T), o.memoryRepetitions);
    log(`EventProp memory T=${T}: ${m.storedValues} stored values (${m.analyticEventStoreBytes} B analytic), measured peak ${m.peakBytes} B (kept for backward ${m.keptForBackwardBytes} B), noise floor ${m.noiseFloorBytes} B (max ${m.noiseFloorMaxBytes} B)`);
    return m;
  });
  const atT = memory.find((m) => m.trialEnd === TRIAL_END) ?? measureEventPropMemory(config, params, sample, o.memoryRepetitions);
  const peakFit = fitLine(memory.map((m) => m.storedValues), memory.map((m) => m.peakBytes));
  const keptFit = fitLine(memory.map((m) => m.storedValues), memory.map((m) => m.keptForBackwardBytes));
  const eventprop = {
    medianMs: median(epTimes),
    timesMs: epTimes,
    measuredPeakBytes: atT.peakBytes,
    measuredKeptForBackwardBytes: atT.keptForBackwardBytes,
    analyticEventStoreBytes: res.storedValues * 8,
    storedValues: res.storedValues,
    hiddenSpikes: res.spikes,
    inputSpikes: sample.times.length,
    precision: "float64",
    memoryByTrialLength: memory,
    memorySlope: {
      peakBytesPerStoredValue: peakFit.slope,
      peakInterceptBytes: peakFit.intercept,
      keptBytesPerStoredValue: keptFit.slope,
      keptInterceptBytes: keptFit.intercept,
      note: "least-squares fit of the measured bytes against the stored-value count over the trial lengths; 8 B per value would be the analytic float64 count (JS arrays grown by push carry spare capacity)",
    },
  };
  log(`EventProp: ${eventprop.medianMs.toFixed(2)} ms, measured peak ${eventprop.measuredPeakBytes} B (analytic store ${eventprop.analyticEventStoreBytes} B), ${res.spikes} hidden spikes`);

  const bptt: Array<Record<string, number | number[]>> = [];
  for (const steps of o.bpttSteps) {
    const dt = TRIAL_END / steps;
    const problem = makeBpttProblem(config, params, sample, sample.label, dt);
    const times: number[] = [];
    let grads = bpttGradient(problem);
    for (let r = 0; r < o.warmup + o.repetitions; r++) {
      const t0 = performance.now();
      grads = bpttGradient(problem);
      if (r >= o.warmup) times.push(performance.now() - t0);
    }
    const before = tf.memory().numBytes;
    const profile = await tf.profile(() => {
      bpttGradient(problem);
    });
    const row = {
      steps,
      dt,
      medianMs: median(times),
      timesMs: times,
      peakBytes: profile.peakBytes,
      tensorBytesBefore: before,
      peakBytesAboveBaseline: profile.peakBytes - before,
      leakedBytes: tf.memory().numBytes - before,
      cosineWeights1VsEventProp: cosine(grads.grads.w1, epGrads.w[0]!),
      cosineDelays1VsEventProp: cosine(grads.grads.d1, epGrads.d[0]!),
    };
    bptt.push(row);
    log(`BPTT ${steps} steps: ${row.medianMs.toFixed(1)} ms, peak ${row.peakBytes} B`);
    disposeBpttProblem(problem);
  }
  const last = bptt[bptt.length - 1] as { steps: number; medianMs: number; peakBytes: number; peakBytesAboveBaseline: number };
  return {
    network: { sizes: SIZES, delays: "per synapse, both projections, init U[0,10]", trialEnd: TRIAL_END, lif: LIF, inputRate: RATE },
    machine: "2 cores shared with other jobs; figures measured side by side in one process",
    tensorBackend: backend,
    timing: { warmup: o.warmup, repetitions: o.repetitions, statistic: "median", note: "same warm-up and repetition count for both methods" },
    eventprop,
    bptt,
    [`ratiosAt${last.steps}Steps`]: {
      timeBpttOverEventProp: last.medianMs / eventprop.medianMs,
      memoryBpttPeakOverEventPropMeasuredPeak: last.peakBytesAboveBaseline / eventprop.measuredPeakBytes,
      memoryBpttPeakOverEventPropAnalyticStore: last.peakBytesAboveBaseline / eventprop.analyticEventStoreBytes,
    },
    note: "EventProp memory: measured heapUsed + arrayBuffers above a post-GC baseline (parameters and input already allocated), the largest of: after forward (no GC), after a forced GC (kept for backward), after backward (no GC); analytic = stored float64 values x 8. BPTT memory: tf.profile peakBytes (tensor memory only); ratios use BPTT's peak above its pre-existing tensors (parameters, input raster), the same kind of baseline. EventProp runs in float64 and BPTT in float32. BPTT uses surrogate spikes, so its gradient differs from the exact one (cosines reported).",
  };
}

export const experiment: ReproExperiment = {
  name: "eventprop-cost",
  summary: "time and peak memory: EventProp gradient vs tfjs BPTT gradient, same delayed network, 500 and 1000 steps",
  async run({ seed, log }) {
    return measureCost(seed, log);
  },
  format(r) {
    const ep = r.eventprop as { medianMs: number; measuredPeakBytes: number; analyticEventStoreBytes: number; hiddenSpikes: number; memorySlope: { peakBytesPerStoredValue: number } };
    const rows = r.bptt as Array<{ steps: number; medianMs: number; peakBytes: number; peakBytesAboveBaseline: number }>;
    const key = Object.keys(r).find((k) => k.startsWith("ratiosAt")) ?? "";
    const ratio = r[key] as { timeBpttOverEventProp: number; memoryBpttPeakOverEventPropMeasuredPeak: number };
    const timing = r.timing as { repetitions: number };
    return [
      `backend ${r.tensorBackend}; network ${SIZES.join("-")} with delays, T = ${TRIAL_END}; median of ${timing.repetitions} timed runs each`,
      `EventProp (exact, float64): ${ep.medianMs.toFixed(2)} ms per gradient, measured peak ${(ep.measuredPeakBytes / 1024).toFixed(1)} KiB (analytic event store ${(ep.analyticEventStoreBytes / 1024).toFixed(1)} KiB; ${ep.memorySlope.peakBytesPerStoredValue.toFixed(1)} B per stored value over trial lengths; ${ep.hiddenSpikes} hidden spikes)`,
      ...rows.map((b) => `BPTT tfjs ${b.steps} steps: ${b.medianMs.toFixed(1)} ms per gradient, peak tensor memory ${(b.peakBytes / 1048576).toFixed(1)} MiB (${(b.peakBytesAboveBaseline / 1048576).toFixed(1)} MiB above parameters/input)`),
      `${key.replace("ratiosAt", "at ").replace("Steps", " steps")}: BPTT/EventProp time x${ratio.timeBpttOverEventProp.toFixed(1)}, memory x${ratio.memoryBpttPeakOverEventPropMeasuredPeak.toFixed(1)} (measured)`,
    ].join("\n");
  },
};
