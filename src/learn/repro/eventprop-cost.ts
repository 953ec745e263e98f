import { Rng, deriveSeed } from "../../core/rng.ts";
import { selectTensorBackend } from "../../snn/tensor.ts";
import { initParams, lossAndGradient, zerosLike, type EventNetConfig, type LabelledSpikes } from "../eventprop/network.ts";
import type { ReproExperiment } from "./experiment.ts";

const SIZES = [16, 64, 4];
const TRIAL_END = 100;
const RATE = 0.08; // input spikes per time unit per input neuron

function poissonInput(seed: number): LabelledSpikes {
  const rng = new Rng(seed);
  const spikes: Array<[number, number]> = [];
  for (let i = 0; i < SIZES[0]; i++) {
    let t = 0;
    for (;;) {
      t += -Math.log(1 - rng.uniform()) / RATE;
      if (t >= TRIAL_END * 0.8) break;
      spikes.push([t, i]);
    }
  }
  spikes.sort((a, b) => a[0] - b[0]);
  return { times: Float64Array.from(spikes, (s) => s[0]), neurons: Int32Array.from(spikes, (s) => s[1]), label: 1 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb || 1);
}

export const experiment: ReproExperiment = {
  name: "eventprop-cost",
  summary: "time and peak memory: EventProp gradient vs tfjs BPTT gradient, same delayed network, 500 and 1000 steps",
  async run({ seed, log }) {
    const tf = await import("@tensorflow/tfjs");
    const { bpttGradient, disposeBpttProblem, makeBpttProblem } = await import("../eventprop/bptt.ts");
    const backend = await selectTensorBackend();
    const config: EventNetConfig = { sizes: SIZES, lif: { tauMem: 10, tauSyn: 5, threshold: 1 }, trialEnd: TRIAL_END };
    const params = initParams(config, deriveSeed(seed, "cost-params"), { weightScale: [0.6, 1], weightMean: [0.5, 0], delayRange: [0, 10] });
    const sample = poissonInput(deriveSeed(seed, "cost-input"));

    // EventProp (float64, exact): timing over many repetitions; memory = the event store kept for the backward pass.
    const epTimes: number[] = [];
    let stored = 0;
    let spikes = 0;
    let epGrads = zerosLike(params);
    for (let r = 0; r < 30; r++) {
      epGrads = zerosLike(params);
      const t0 = performance.now();
      const res = lossAndGradient(config, params, sample, 1, epGrads);
      epTimes.push(performance.now() - t0);
      stored = res.storedValues;
      spikes = res.spikes;
    }
    const eventprop = {
      medianMs: median(epTimes.slice(5)),
      eventStoreBytes: stored * 8,
      hiddenSpikes: spikes,
      inputSpikes: sample.times.length,
      precision: "float64",
    };
    log(`EventProp: ${eventprop.medianMs.toFixed(2)} ms, event store ${eventprop.eventStoreBytes} B, ${spikes} hidden spikes`);

    const bptt: Array<Record<string, number>> = [];
    for (const steps of [500, 1000]) {
      const dt = TRIAL_END / steps;
      const problem = makeBpttProblem(config, params, sample, sample.label, dt);
      bpttGradient(problem); // warm-up (kernel compilation)
      const times: number[] = [];
      let grads = bpttGradient(problem);
      for (let r = 0; r < 3; r++) {
        const t0 = performance.now();
        grads = bpttGradient(problem);
        times.push(performance.now() - t0);
      }
      const before = tf.memory().numBytes;
      const profile = await tf.profile(() => {
        bpttGradient(problem);
      });
      const row = {
        steps,
        dt,
        medianMs: median(times),
        peakBytes: profile.peakBytes,
        tensorBytesBefore: before,
        leakedBytes: tf.memory().numBytes - before,
        cosineWeights1VsEventProp: cosine(grads.grads.w1, epGrads.w[0]),
        cosineDelays1VsEventProp: cosine(grads.grads.d1, epGrads.d[0]),
      };
      bptt.push(row);
      log(`BPTT ${steps} steps: ${row.medianMs.toFixed(1)} ms, peak ${row.peakBytes} B`);
      disposeBpttProblem(problem);
    }
    const b1000 = bptt[1];
    return {
      network: { sizes: SIZES, delays: "per synapse, both projections, init U[0,10]", trialEnd: TRIAL_END, lif: config.lif },
      machine: "2 cores shared with other jobs; figures measured side by side in one process",
      tensorBackend: backend,
      eventprop,
      bptt,
      ratiosAt1000Steps: {
        timeBpttOverEventProp: b1000.medianMs / eventprop.medianMs,
        memoryBpttPeakOverEventStore: b1000.peakBytes / eventprop.eventStoreBytes,
      },
      note: "EventProp memory counts the float64 values kept between forward and backward (spike times, arrivals, event order); BPTT memory is tf.profile peakBytes of one gradient (tensor memory only). BPTT uses surrogate spikes, so its gradient differs from the exact one (cosines reported).",
    };
  },
  format(r) {
    const ep = r.eventprop as { medianMs: number; eventStoreBytes: number; hiddenSpikes: number };
    const rows = r.bptt as Array<{ steps: number; medianMs: number; peakBytes: number }>;
    const ratio = r.ratiosAt1000Steps as { timeBpttOverEventProp: number; memoryBpttPeakOverEventStore: number };
    return [
      `backend ${r.tensorBackend}; network ${SIZES.join("-")} with delays, T = ${TRIAL_END}`,
      `EventProp (exact, float64): ${ep.medianMs.toFixed(2)} ms per gradient, event store ${(ep.eventStoreBytes / 1024).toFixed(1)} KiB (${ep.hiddenSpikes} hidden spikes)`,
      ...rows.map((b) => `BPTT tfjs ${b.steps} steps: ${b.medianMs.toFixed(1)} ms per gradient, peak tensor memory ${(b.peakBytes / 1048576).toFixed(1)} MiB`),
      `at 1000 steps: BPTT/EventProp time x${ratio.timeBpttOverEventProp.toFixed(1)}, memory x${ratio.memoryBpttPeakOverEventStore.toFixed(1)}`,
    ].join("\n");
  },
};
