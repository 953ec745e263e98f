/**
 * Sequence detection only delays can solve (issue 8): weights-only vs weights+delays, EventProp (exact
 * gradients) and the three-factor online rule, same task, same network, same decision rule, >= 3 seeds.
 *
 * Why weights-only stays at chance. Every class delivers one spike on each of the same three channels; only
 * their order differs. The gap between pattern spikes (40) is 10 membrane time constants (tau_m = 4), so when
 * the next spike arrives the previous PSP is down to e^{-10} ~ 5e-5 of its size (the synaptic current to
 * e^{-20}). With delays fixed near 0, a hidden neuron's response to each spike, and each bump it causes in a
 * readout, depend on that spike alone, and the readout value (the max over time of its voltage) is the largest
 * of the same bumps for every ordering: order-blind. Onset jitter removes absolute-time cues, and a distractor
 * spike on a random channel at a random time adds order-independent noise. Delays are the only parameters that
 * can carry one channel's spike 40-80 time units onto another's, so that a hidden neuron becomes a
 * coincidence detector for one ordering. (With a gap of 20, e^{-5} ~ 0.7 %, the weights-only three-factor
 * learner reached 75 % by growing its weights until that residual reordered its readout peaks; see
 * datasets/sequence.ts.)
 *
 * Why the readout is the max over time. The mean readout voltage over [0, T] integrates each PSP in full, so
 * its derivative with respect to an arrival time t is -w psp(T - t) / T ~ e^{-(T - t)/tau_m}: with the pattern
 * over by t ~ 50, T = 110 and tau_m = 4, the hidden-weight and delay gradients were ~1e-9, below Adam's eps
 * (1e-8) (`gradNormsAtInit...eventpropMeanReadoutPreviousTask` below). With m_k = max_t V_k(t) (mlGeNN's "max_var", the
 * readout of the sequence-detection task of Meszaros et al. 2025), dm/dt = -w psp'(t*_k - t) for arrivals near
 * the peak, wherever it is in the trial; the gradient is still exact (test/eventprop.test.ts, delay-gradcheck).
 * The three-factor learner decides with the same rule: LI readouts with the same time constants, decision
 * argmax_k max_t V_k, cross-entropy on the maxima, its error delivered at each output's peak.
 *
 * Both methods learn delays on the input -> hidden projection (the only delayed projection the three-factor
 * learner has); EventProp's readout delays are fixed at 0, as the three-factor readout has none.
 */
import { deriveSeed } from "../../core/rng.ts";
import { DEFAULT_SEQUENCE_TASK as task, makeSequenceTask, sequenceTrialEnd } from "../datasets/sequence.ts";
import {
  ThreeFactorLearner,
  accuracyThreeFactor,
  initThreeFactor,
  trainThreeFactor,
  type ThreeFactorConfig,
  type ThreeFactorInit,
  type ThreeFactorTrainOptions,
} from "../delay3f/rule.ts";
import type { LabelledSpikes } from "../eventprop/network.ts";
import { initParams, lossAndGradient, zerosLike, type EventNetConfig, type EventNetParams } from "../eventprop/network.ts";
import { evaluate, trainEventProp, type TrainOptions } from "../eventprop/train.ts";
import type { ReproExperiment } from "./experiment.ts";

const SEEDS = 3;
const HIDDEN = 32;
const TRAIN = 400;
const TEST = 400;
/** Both methods start from the same poor delays (all near 0) and the same weight statistics. */
const INIT: Required<ThreeFactorInit> = { weightMean: 2.5, weightScale: 1, delayRange: [0, 2], readoutScale: 1 };
/** Room for the first channel's spike to reach the last one's (2 gaps) plus slack. */
const MAX_DELAY = 100;
/** Samples whose gradients are averaged for the norms at init (one EventProp mini-batch). */
const NORM_SAMPLES = 20;
const LIF = { tauMem: 4, tauSyn: 2, threshold: 1 };
/** The task as it was audited (gap 20 = 5 tau_m, tail 60), for the gradient-norm diagnosis only. */
const PREVIOUS_TASK = { ...task, gap: 20, tail: 60 };

const eventConfig: EventNetConfig = {
  sizes: [task.channels, HIDDEN, task.orderings.length],
  lif: LIF,
  trialEnd: sequenceTrialEnd(task),
  readout: "max",
};

const tfConfig: ThreeFactorConfig = {
  nIn: task.channels,
  nHidden: HIDDEN,
  nOut: task.orderings.length,
  dt: 0.5,
  tauMem: LIF.tauMem,
  tauSyn: LIF.tauSyn,
  tauOut: Infinity, // unused by the "max" readout
  readout: "max",
  threshold: LIF.threshold,
  trialEnd: sequenceTrialEnd(task),
  decisionStart: 0, // unused by the "max" readout
  sigma: 1.5,
  surrogateWidth: 0.3,
  maxDelay: MAX_DELAY,
};

type EventPropSettings = Omit<TrainOptions, "learnDelays" | "seed" | "log">;
const EVENTPROP: EventPropSettings = {
  epochs: 60, batchSize: 20, lrWeights: 0.01, lrDelays: 3, delayLayers: [0], maxDelay: MAX_DELAY, scale: 1,
};
type ThreeFactorSettings = Omit<ThreeFactorTrainOptions, "learnDelays" | "seed" | "log">;
const THREE_FACTOR: ThreeFactorSettings = { epochs: 20, lrWeights: 0.01, lrDelays: 0.5, lrReadout: 0.01, optimizer: "adam" };

interface Row {
  method: "eventprop" | "three-factor";
  delays: boolean;
  seed: number;
  trainAccuracy: number;
  testAccuracy: number;
  hiddenSpikesPerTrial: number;
  seconds: number;
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, std };
}

const l2 = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
};

function eventParams(config: EventNetConfig, seed: number): EventNetParams {
  const p = initParams(config, seed, {
    weightMean: [INIT.weightMean, 0],
    weightScale: [INIT.weightScale, INIT.readoutScale],
    delayRange: INIT.delayRange,
  });
  p.d[1]!.fill(0);
  return p;
}

/** Per-group norms of the gradient averaged over `samples` (what one mini-batch step sees), and the mean per-sample norm. */
function eventGradNorms(config: EventNetConfig, p: EventNetParams, samples: LabelledSpikes[]): Record<string, { batchMean: number; perSample: number }> {
  const sum = zerosLike(p);
  const perSample = { hiddenWeights: 0, hiddenDelays: 0, readoutWeights: 0, readoutDelays: 0 };
  for (const s of samples) {
    const g = zerosLike(p);
    lossAndGradient(config, p, s, EVENTPROP.scale, g);
    perSample.hiddenWeights += l2(g.w[0]!) / samples.length;
    perSample.hiddenDelays += l2(g.d[0]!) / samples.length;
    perSample.readoutWeights += l2(g.w[1]!) / samples.length;
    perSample.readoutDelays += l2(g.d[1]!) / samples.length;
    for (let l = 0; l < 2; l++) {
      for (let i = 0; i < g.w[l]!.length; i++) sum.w[l]![i]! += g.w[l]![i]!;
      for (let i = 0; i < g.d[l]!.length; i++) sum.d[l]![i]! += g.d[l]![i]!;
    }
  }
  const n = samples.length;
  return {
    hiddenWeights: { batchMean: l2(sum.w[0]!) / n, perSample: perSample.hiddenWeights },
    hiddenDelays: { batchMean: l2(sum.d[0]!) / n, perSample: perSample.hiddenDelays },
    readoutWeights: { batchMean: l2(sum.w[1]!) / n, perSample: perSample.readoutWeights },
    readoutDelays: { batchMean: l2(sum.d[1]!) / n, perSample: perSample.readoutDelays },
  };
}

/** Same for the three-factor updates (the rule's gradient estimates; readout weights are exact). */
function threeFactorUpdateNorms(seed: number, samples: LabelledSpikes[]): Record<string, { batchMean: number; perSample: number }> {
  const learner = new ThreeFactorLearner(tfConfig, initThreeFactor(tfConfig, seed, INIT));
  const n = learner.gw.length;
  const sum = { w: new Float64Array(n), d: new Float64Array(n), out: new Float64Array(learner.gOut.length) };
  const per = { hiddenWeights: 0, hiddenDelays: 0, readoutWeights: 0 };
  for (const s of samples) {
    learner.clearGradients();
    learner.trial(s, true);
    per.hiddenWeights += l2(learner.gw) / samples.length;
    per.hiddenDelays += l2(learner.gd) / samples.length;
    per.readoutWeights += l2(learner.gOut) / samples.length;
    for (let i = 0; i < n; i++) {
      sum.w[i]! += learner.gw[i]!;
      sum.d[i]! += learner.gd[i]!;
    }
    for (let i = 0; i < sum.out.length; i++) sum.out[i]! += learner.gOut[i]!;
  }
  const k = samples.length;
  return {
    hiddenWeights: { batchMean: l2(sum.w) / k, perSample: per.hiddenWeights },
    hiddenDelays: { batchMean: l2(sum.d) / k, perSample: per.hiddenDelays },
    readoutWeights: { batchMean: l2(sum.out) / k, perSample: per.readoutWeights },
  };
}

export const experiment: ReproExperiment = {
  name: "delay-sequence",
  summary: "order-detection task only delays can solve: weights-only vs weights+delays, EventProp and three-factor, 3 seeds",
  async run({ seed, log }) {
    const rows: Row[] = [];
    const gradNormsAtInit: Array<Record<string, unknown>> = [];
    for (let s = 0; s < SEEDS; s++) {
      const train = makeSequenceTask(TRAIN, deriveSeed(seed, "seq-train", s));
      const test = makeSequenceTask(TEST, deriveSeed(seed, "seq-test", s));
      const initSeed = deriveSeed(seed, "seq-init", s);
      const normSamples = train.slice(0, NORM_SAMPLES);
      gradNormsAtInit.push({
        seed: s,
        eventprop: eventGradNorms(eventConfig, eventParams(eventConfig, initSeed), normSamples),
        threeFactor: threeFactorUpdateNorms(initSeed, normSamples),
        // The previous readout (mean voltage over [0, T]) on the same network: on the previous task (the audited
        // setup: gap 20, tail 60, T = 110) and on this one (tail 20: larger, but still ~e^{-(T - t)/tau_m}).
        eventpropMeanReadoutPreviousTask: eventGradNorms(
          { ...eventConfig, readout: "mean", trialEnd: sequenceTrialEnd(PREVIOUS_TASK) },
          eventParams(eventConfig, initSeed),
          makeSequenceTask(NORM_SAMPLES, deriveSeed(seed, "seq-train", s), PREVIOUS_TASK),
        ),
        eventpropMeanReadout: eventGradNorms({ ...eventConfig, readout: "mean" }, eventParams(eventConfig, initSeed), normSamples),
      });
      for (const delays of [false, true]) {
        let t0 = Date.now();
        const p = eventParams(eventConfig, initSeed);
        const hist = trainEventProp(eventConfig, p, train, { ...EVENTPROP, learnDelays: delays, seed: deriveSeed(seed, "seq-order", s) });
        const ev = evaluate(eventConfig, p, test, EVENTPROP.scale);
        rows.push({
          method: "eventprop", delays, seed: s,
          trainAccuracy: hist[hist.length - 1]!.trainAccuracy,
          testAccuracy: ev.accuracy,
          hiddenSpikesPerTrial: ev.spikesPerSample,
          seconds: (Date.now() - t0) / 1000,
        });
        log(`seed ${s} eventprop delays=${delays}: test ${ev.accuracy.toFixed(3)}`);
        t0 = Date.now();
        const learner = new ThreeFactorLearner(tfConfig, initThreeFactor(tfConfig, initSeed, INIT));
        const acc = trainThreeFactor(learner, train, { ...THREE_FACTOR, learnDelays: delays, seed: deriveSeed(seed, "seq-order", s) });
        let spikes = 0;
        for (const x of test) spikes += learner.trial(x, false).hiddenSpikes;
        const testAcc = accuracyThreeFactor(learner, test);
        rows.push({
          method: "three-factor", delays, seed: s,
          trainAccuracy: acc[acc.length - 1]!,
          testAccuracy: testAcc,
          hiddenSpikesPerTrial: spikes / test.length,
          seconds: (Date.now() - t0) / 1000,
        });
        log(`seed ${s} three-factor delays=${delays}: test ${testAcc.toFixed(3)}`);
      }
    }
    const summary = (["eventprop", "three-factor"] as const).map((method) => {
      const w = meanStd(rows.filter((r) => r.method === method && !r.delays).map((r) => r.testAccuracy));
      const wd = meanStd(rows.filter((r) => r.method === method && r.delays).map((r) => r.testAccuracy));
      return { method, weightsOnly: w, weightsAndDelays: wd, gain: wd.mean - w.mean };
    });
    return {
      task: { ...task, trialEnd: sequenceTrialEnd(task), classes: task.orderings.length, chance: 1 / task.orderings.length, train: TRAIN, test: TEST },
      network: {
        sizes: eventConfig.sizes,
        lif: LIF,
        readout: "leaky integrator (same tau_m, tau_s), value = max over [0, T] of its voltage; decision = argmax; loss = softmax cross-entropy on the maxima",
        delays: `learned on input -> hidden only (both methods), init U[${INIT.delayRange}], clipped to [0, ${MAX_DELAY}]; readout delays 0`,
        init: INIT,
      },
      training: {
        eventprop: { ...EVENTPROP, optimizer: "adam", adamEps: 1e-8, gradients: "exact (EventProp, float64, event-based)", updates: "one Adam step per mini-batch (mean gradient)" },
        threeFactor: {
          ...THREE_FACTOR, adamEps: 1e-8, dt: tfConfig.dt, sigma: tfConfig.sigma, surrogateWidth: tfConfig.surrogateWidth, maxDelay: MAX_DELAY,
          gradients: "three-factor estimates (Gaussian-smoothed eligibility, surrogate, error at each output's peak); readout weights exact",
          updates: "online: one Adam step after every trial",
        },
        weightsOnly: "same settings, delays frozen at their init",
      },
      gradNormsAtInit: {
        note: `L2 norm per parameter group at init over the first ${NORM_SAMPLES} training samples of each seed: batchMean = norm of the mean gradient (what one step sees), perSample = mean of per-sample norms. eventpropMeanReadoutPreviousTask: the same network with the old mean-over-[0, T] readout on the task as audited (gap 20, tail 60, T = 110); eventpropMeanReadout: the mean readout on this task.`,
        seeds: gradNormsAtInit,
      },
      seeds: SEEDS,
      summary,
      runs: rows,
    };
  },
  format(r) {
    const summary = r.summary as Array<{ method: string; weightsOnly: { mean: number; std: number }; weightsAndDelays: { mean: number; std: number }; gain: number }>;
    const pct = (x: { mean: number; std: number }) => `${(100 * x.mean).toFixed(1)} ± ${(100 * x.std).toFixed(1)} %`;
    const norms = (r.gradNormsAtInit as { seeds: Array<Record<string, Record<string, { batchMean: number }>>> }).seeds[0]!;
    const fmt = (g: Record<string, { batchMean: number }> | undefined) => g === undefined ? "n/a" : Object.entries(g).map(([k, v]) => `${k} ${v.batchMean.toExponential(1)}`).join(", ");
    return [
      `sequence detection (${(r.task as { classes: number }).classes} orderings, chance ${(100 * (r.task as { chance: number }).chance).toFixed(0)} %), test accuracy over ${r.seeds} seeds`,
      ...summary.map((s) => `${s.method.padEnd(13)} weights-only ${pct(s.weightsOnly)}   weights+delays ${pct(s.weightsAndDelays)}   gain ${(100 * s.gain).toFixed(1)} pts`),
      `gradient norms at init (seed 0, mean over a batch): eventprop ${fmt(norms.eventprop)}`,
      `  three-factor ${fmt(norms.threeFactor)}`,
      `  eventprop, mean-over-[0,T] readout, previous task (gap 20, tail 60) ${fmt(norms.eventpropMeanReadoutPreviousTask)}`,
      `  eventprop, mean-over-[0,T] readout, this task ${fmt(norms.eventpropMeanReadout)}`,
    ].join("\n");
  },
};
