/**
 * EventProp training (issue 8): separate learning rates for weights and delays, delays frozen when not
 * learned and clipped to [0, maxDelay] when they are, and an event store that grows with spikes, not with time.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_SEQUENCE_TASK, makeSequenceTask, sequenceTrialEnd } from "../../../src/lab/datasets/sequence.ts";
import { initParams, lossAndGradient, zerosLike, type EventNetConfig, type EventNetParams, type LabelledSpikes } from "../../../src/lab/eventprop/network.ts";
import { evaluate, trainEventProp } from "../../../src/lab/eventprop/train.ts";

const task = DEFAULT_SEQUENCE_TASK;
/**
 * The max-over-time readout: with the mean LI voltage over [0, T] the derivative with respect to a spike time
 * is -w psp(T - t) / T, so for spikes well before T (pattern over by ~90, T = 110, tau_m = 4) hidden-weight
 * and delay gradients are below Adam's eps of 1e-8; the max readout's are not (see test/eventprop.test.ts).
 */
const config: EventNetConfig = {
  sizes: [task.channels, 12, task.orderings.length],
  lif: { tauMem: 4, tauSyn: 2, threshold: 1 },
  trialEnd: sequenceTrialEnd(task),
  readout: "max",
};

function fresh(seed = 1): EventNetParams {
  return initParams(config, seed, { weightMean: [2.5, 0], weightScale: [1, 1], delayRange: [0.5, 4] });
}

function copy(p: EventNetParams): EventNetParams {
  return { w: p.w.map((a) => a.slice()), d: p.d.map((a) => a.slice()) };
}

function maxAbsChange(a: Float64Array[], b: Float64Array[]): { max: number; all: number[] } {
  const all: number[] = [];
  for (let l = 0; l < a.length; l++) for (let s = 0; s < a[l]!.length; s++) all.push(Math.abs(a[l]![s]! - b[l]![s]!));
  return { max: Math.max(...all), all };
}

describe("EventProp training", () => {
  const data = makeSequenceTask(24, 5);

  it("weights and delays move with their own learning rates (one Adam step: |step| <= lr, the largest = lr)", () => {
    const p = fresh();
    const before = copy(p);
    const grads = zerosLike(p);
    for (const s of data) lossAndGradient(config, p, s, 1, grads);
    trainEventProp(config, p, data, { epochs: 1, batchSize: data.length, lrWeights: 0.01, lrDelays: 0.5, learnDelays: true, maxDelay: 60, scale: 1, seed: 1 });
    const dw = maxAbsChange(p.w, before.w);
    const dd = maxAbsChange(p.d, before.d);
    // Adam's first step is lr * g / (|g| + eps): every parameter with a clear gradient moves by its group's lr.
    expect(dw.max).toBeLessThanOrEqual(0.01 * (1 + 1e-9));
    expect(dw.max).toBeGreaterThan(0.0099);
    expect(dd.max).toBeLessThanOrEqual(0.5 * (1 + 1e-9));
    expect(dd.max).toBeGreaterThan(0.495);
    // and in the descent direction of the summed gradient
    for (let l = 0; l < p.d.length; l++) {
      for (let s = 0; s < p.d[l]!.length; s++) {
        const g = grads.d[l]![s]!;
        if (Math.abs(g) > 1e-6 && before.d[l]![s]! > 0.5) expect(Math.sign(p.d[l]![s]! - before.d[l]![s]!)).toBe(-Math.sign(g));
      }
    }
  });

  it("learnDelays: false leaves every delay bit-identical while the weights train", () => {
    const p = fresh();
    const before = copy(p);
    trainEventProp(config, p, data, { epochs: 2, batchSize: 8, lrWeights: 0.01, lrDelays: 1, learnDelays: false, maxDelay: 60, scale: 1, seed: 2 });
    for (let l = 0; l < p.d.length; l++) expect(Array.from(p.d[l]!)).toEqual(Array.from(before.d[l]!));
    expect(maxAbsChange(p.w, before.w).max).toBeGreaterThan(0);
  });

  it("learned delays stay in [0, maxDelay]", () => {
    const p = fresh();
    trainEventProp(config, p, data, { epochs: 3, batchSize: 4, lrWeights: 0.01, lrDelays: 20, learnDelays: true, maxDelay: 5, scale: 1, seed: 3 });
    const all = p.d.flatMap((d) => Array.from(d));
    for (const d of all) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(5);
    }
    expect(all.some((d) => d === 0 || d === 5)).toBe(true);
  });

  it("training lowers the loss on the sequence task; learned delays generalise, weights only stay near chance", () => {
    // The repro's network (32 hidden, delays learned on input -> hidden), at a fifth of its data and half its epochs.
    const big: EventNetConfig = { ...config, sizes: [task.channels, 32, task.orderings.length] };
    const train = makeSequenceTask(80, 5);
    const test = makeSequenceTask(200, 9);
    const run = (learnDelays: boolean) => {
      const p = initParams(big, 3, { weightMean: [2.5, 0], weightScale: [1, 1], delayRange: [0.5, 4] });
      const start = evaluate(big, p, train, 1);
      trainEventProp(big, p, train, { epochs: 30, batchSize: 20, lrWeights: 0.01, lrDelays: 3, learnDelays, delayLayers: [0], maxDelay: 100, scale: 1, seed: 3 });
      return { start, end: evaluate(big, p, train, 1), test: evaluate(big, p, test, 1).accuracy, readoutDelays: Array.from(p.d[1]) };
    };
    const withDelays = run(true);
    const weightsOnly = run(false);
    expect(withDelays.end.loss).toBeLessThan(withDelays.start.loss - 0.15);
    expect(weightsOnly.end.loss).toBeLessThan(weightsOnly.start.loss);
    expect(withDelays.end.loss).toBeLessThan(weightsOnly.end.loss);
    expect(weightsOnly.test).toBeLessThan(0.35); // 4 classes: chance 0.25
    expect(withDelays.test).toBeGreaterThan(weightsOnly.test + 0.2);
    // delayLayers: [0] leaves the readout delays at their init
    const init = initParams(big, 3, { weightMean: [2.5, 0], weightScale: [1, 1], delayRange: [0.5, 4] });
    expect(withDelays.readoutDelays).toEqual(Array.from(init.d[1]));
  });
});

describe("EventProp memory", () => {
  it("the event store depends on the spikes, not on the trial length (10x longer trial, same events)", () => {
    const sample: LabelledSpikes = { times: Float64Array.of(1, 3, 21, 24, 40), neurons: Int32Array.of(0, 1, 2, 0, 1), label: 1 };
    const short: EventNetConfig = { ...config, trialEnd: 100 };
    const long: EventNetConfig = { ...config, trialEnd: 1000 };
    const p = initParams(short, 6, { weightMean: [2.5, 0], weightScale: [1, 1], delayRange: [0, 4] });
    const a = lossAndGradient(short, p, sample, 1, zerosLike(p));
    const b = lossAndGradient(long, p, sample, 1, zerosLike(p));
    expect(a.spikes).toBeGreaterThan(0);
    expect(b.spikes).toBe(a.spikes);
    expect(b.storedValues).toBe(a.storedValues);
    // one more input spike adds a bounded number of values (its arrivals, any spikes it causes)
    const more: LabelledSpikes = { times: Float64Array.of(1, 3, 21, 24, 40, 60), neurons: Int32Array.of(0, 1, 2, 0, 1, 2), label: 1 };
    const c = lossAndGradient(long, p, more, 1, zerosLike(p));
    expect(c.storedValues).toBeGreaterThan(b.storedValues);
  });
});
