import { deriveSeed } from "../../core/rng.ts";
import { DEFAULT_SEQUENCE_TASK as task, makeSequenceTask, sequenceTrialEnd } from "../datasets/sequence.ts";
import {
  ThreeFactorLearner,
  accuracyThreeFactor,
  initThreeFactor,
  trainThreeFactor,
  type ThreeFactorConfig,
} from "../delay3f/rule.ts";
import { initParams, type EventNetConfig } from "../eventprop/network.ts";
import { evaluate, trainEventProp } from "../eventprop/train.ts";
import type { ReproExperiment } from "./experiment.ts";

const SEEDS = 3;
const HIDDEN = 32;
const TRAIN = 400;
const TEST = 400;
/** Both methods start from the same poor delays (all near 0) and the same weight statistics. */
const INIT = { weightMean: 2.5, weightScale: 1, delayRange: [0, 2] as [number, number] };
const MAX_DELAY = 60;

const eventConfig: EventNetConfig = {
  sizes: [task.channels, HIDDEN, task.orderings.length],
  lif: { tauMem: 4, tauSyn: 2, threshold: 1 },
  trialEnd: sequenceTrialEnd(task),
};

const tfConfig: ThreeFactorConfig = {
  nIn: task.channels,
  nHidden: HIDDEN,
  nOut: task.orderings.length,
  dt: 0.5,
  tauMem: 4,
  tauSyn: 2,
  tauOut: Infinity,
  threshold: 1,
  trialEnd: sequenceTrialEnd(task),
  decisionStart: 0,
  sigma: 1.5,
  surrogateWidth: 0.3,
  maxDelay: MAX_DELAY,
};

interface Row {
  method: "eventprop" | "three-factor";
  delays: boolean;
  seed: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, std };
}

export const experiment: ReproExperiment = {
  name: "delay-sequence",
  summary: "order-detection task only delays can solve: weights-only vs weights+delays, EventProp and three-factor, 3 seeds",
  async run({ seed, log }) {
    const rows: Row[] = [];
    for (let s = 0; s < SEEDS; s++) {
      const train = makeSequenceTask(TRAIN, deriveSeed(seed, "seq-train", s));
      const test = makeSequenceTask(TEST, deriveSeed(seed, "seq-test", s));
      for (const delays of [false, true]) {
        const initSeed = deriveSeed(seed, "seq-init", s);
        let t0 = Date.now();
        const p = initParams(eventConfig, initSeed, {
          weightMean: [INIT.weightMean, 0],
          weightScale: [INIT.weightScale, 1],
          delayRange: INIT.delayRange,
        });
        const hist = trainEventProp(eventConfig, p, train, {
          epochs: 100, batchSize: 20, lrWeights: 0.01, lrDelays: 1, learnDelays: delays, maxDelay: MAX_DELAY,
          scale: 1, seed: deriveSeed(seed, "seq-order", s),
        });
        rows.push({
          method: "eventprop", delays, seed: s,
          trainAccuracy: hist[hist.length - 1].trainAccuracy,
          testAccuracy: evaluate(eventConfig, p, test, 1).accuracy,
          seconds: (Date.now() - t0) / 1000,
        });
        log(`seed ${s} eventprop delays=${delays}: test ${rows[rows.length - 1].testAccuracy.toFixed(3)}`);
        t0 = Date.now();
        const tp = initThreeFactor(tfConfig, initSeed, INIT);
        const learner = new ThreeFactorLearner(tfConfig, tp);
        const acc = trainThreeFactor(learner, train, {
          epochs: 20, lrWeights: 0.01, lrDelays: 0.5, lrReadout: 0.01, learnDelays: delays,
          seed: deriveSeed(seed, "seq-order", s),
        });
        rows.push({
          method: "three-factor", delays, seed: s,
          trainAccuracy: acc[acc.length - 1],
          testAccuracy: accuracyThreeFactor(learner, test),
          seconds: (Date.now() - t0) / 1000,
        });
        log(`seed ${s} three-factor delays=${delays}: test ${rows[rows.length - 1].testAccuracy.toFixed(3)}`);
      }
    }
    const summary = (["eventprop", "three-factor"] as const).map((method) => {
      const w = meanStd(rows.filter((r) => r.method === method && !r.delays).map((r) => r.testAccuracy));
      const wd = meanStd(rows.filter((r) => r.method === method && r.delays).map((r) => r.testAccuracy));
      return { method, weightsOnly: w, weightsAndDelays: wd, gain: wd.mean - w.mean };
    });
    return {
      task: { ...task, classes: task.orderings.length, chance: 1 / task.orderings.length, train: TRAIN, test: TEST },
      hidden: HIDDEN,
      seeds: SEEDS,
      summary,
      runs: rows,
    };
  },
  format(r) {
    const summary = r.summary as Array<{ method: string; weightsOnly: { mean: number; std: number }; weightsAndDelays: { mean: number; std: number }; gain: number }>;
    const pct = (x: { mean: number; std: number }) => `${(100 * x.mean).toFixed(1)} ± ${(100 * x.std).toFixed(1)} %`;
    return [
      `sequence detection (${(r.task as { classes: number }).classes} orderings, chance ${(100 * (r.task as { chance: number }).chance).toFixed(0)} %), test accuracy over ${r.seeds} seeds`,
      ...summary.map((s) => `${s.method.padEnd(13)} weights-only ${pct(s.weightsOnly)}   weights+delays ${pct(s.weightsAndDelays)}   gain ${(100 * s.gain).toFixed(1)} pts`),
    ].join("\n");
  },
};
