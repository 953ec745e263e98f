import { deriveSeed } from "../../core/rng.ts";
import { YIN_YANG_CLASSES, encodeYinYang, makeYinYang } from "../datasets/yinyang.ts";
import { initParams, type EventNetConfig } from "../eventprop/network.ts";
import { evaluate, trainEventProp } from "../eventprop/train.ts";
import type { ReproExperiment } from "./experiment.ts";

const SEEDS = 3;
const TRAIN = 3000;
const TEST = 1000;
const EPOCHS = 30;
const HIDDEN_SIZES = [30, 10];
const configFor = (hidden: number): EventNetConfig => ({ sizes: [5, hidden, 3], lif: { tauMem: 10, tauSyn: 5, threshold: 1 }, trialEnd: 60 });
/** Latency code window and bias spike (input 4 at t = 0). */
const T_EARLY = 2;
const T_LATE = 27;

export const experiment: ReproExperiment = {
  name: "yinyang",
  summary: "Yin-Yang (analytic definition), EventProp 5-30-3 and 5-10-3: test accuracy with and without learned delays, 3 seeds",
  async run({ seed, log }) {
    const runs: Array<{ hidden: number; seed: number; delays: boolean; testAccuracy: number; trainAccuracy: number; hiddenSpikesPerSample: number; meanDelay: number }> = [];
    const firstTrain = makeYinYang(TRAIN, deriveSeed(seed, "yy-train", 0));
    const counts = [0, 1, 2].map((c) => firstTrain.filter((p) => p.label === c).length);
    for (let s = 0; s < SEEDS; s++) {
      const train = encodeYinYang(makeYinYang(TRAIN, deriveSeed(seed, "yy-train", s)), T_EARLY, T_LATE);
      const test = encodeYinYang(makeYinYang(TEST, deriveSeed(seed, "yy-test", s)), T_EARLY, T_LATE);
      for (const hidden of HIDDEN_SIZES)
      for (const delays of [false, true]) {
        const config = configFor(hidden);
        const p = initParams(config, deriveSeed(seed, "yy-init", s), { weightScale: [1.5, 1], weightMean: [1, 0], delayRange: [0, 0] });
        const hist = trainEventProp(config, p, train, {
          epochs: EPOCHS, batchSize: 32, lrWeights: 0.01, lrDelays: 0.02, learnDelays: delays, maxDelay: 30, scale: 1,
          seed: deriveSeed(seed, "yy-order", s),
        });
        const ev = evaluate(config, p, test, 1);
        const allD = p.d.flatMap((d) => Array.from(d));
        runs.push({
          hidden, seed: s, delays, testAccuracy: ev.accuracy, trainAccuracy: hist[hist.length - 1]!.trainAccuracy,
          hiddenSpikesPerSample: ev.spikesPerSample, meanDelay: allD.reduce((a, b) => a + b, 0) / allD.length,
        });
        log(`hidden ${hidden} seed ${s} delays=${delays}: test ${ev.accuracy.toFixed(3)}`);
      }
    }
    const stat = (hidden: number, delays: boolean) => {
      const xs = runs.filter((r) => r.hidden === hidden && r.delays === delays).map((r) => r.testAccuracy);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1)), values: xs };
    };
    return {
      dataset: { train: TRAIN, test: TEST, classes: YIN_YANG_CLASSES, trainClassCounts: counts, encoding: { tEarly: T_EARLY, tLate: T_LATE, bias: 0 } },
      network: { sizes: HIDDEN_SIZES.map((h) => configFor(h).sizes), lif: configFor(30).lif, trialEnd: 60, readout: "mean LI voltage, cross-entropy" },
      training: { epochs: EPOCHS, batchSize: 32, lrWeights: 0.01, lrDelays: 0.02, delayInit: 0, maxDelay: 30 },
      byHidden: HIDDEN_SIZES.map((hidden) => ({
        hidden,
        testAccuracyWithoutDelays: stat(hidden, false),
        testAccuracyWithDelays: stat(hidden, true),
      })),
      runs,
    };
  },
  format(r) {
    type Stat = { mean: number; std: number };
    const rows = r.byHidden as Array<{ hidden: number; testAccuracyWithoutDelays: Stat; testAccuracyWithDelays: Stat }>;
    const pct = (x: Stat) => `${(100 * x.mean).toFixed(1)} ± ${(100 * x.std).toFixed(1)} %`;
    return [
      `Yin-Yang test accuracy over ${SEEDS} seeds (EventProp, 5-H-3)`,
      ...rows.map((x) => `  H=${x.hidden}: weights only ${pct(x.testAccuracyWithoutDelays)}, weights + delays ${pct(x.testAccuracyWithDelays)}`),
    ].join("\n");
  },
};
