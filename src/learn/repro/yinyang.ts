import { deriveSeed } from "../../core/rng.ts";
import { YIN_YANG_CLASSES, encodeYinYang, makeYinYang } from "../datasets/yinyang.ts";
import { initParams, type EventNetConfig } from "../eventprop/network.ts";
import { evaluate, trainEventProp } from "../eventprop/train.ts";
import type { ReproExperiment } from "./experiment.ts";

const SEEDS = 3;
const TRAIN = 3000;
const TEST = 1000;
const EPOCHS = 30;
const config: EventNetConfig = { sizes: [5, 30, 3], lif: { tauMem: 10, tauSyn: 5, threshold: 1 }, trialEnd: 60 };
/** Latency code window and bias spike (input 4 at t = 0). */
const T_EARLY = 2;
const T_LATE = 27;

export const experiment: ReproExperiment = {
  name: "yinyang",
  summary: "Yin-Yang (analytic definition), EventProp 5-30-3: test accuracy with and without learned delays, 3 seeds",
  async run({ seed, log }) {
    const runs: Array<{ seed: number; delays: boolean; testAccuracy: number; trainAccuracy: number; hiddenSpikesPerSample: number; meanDelay: number }> = [];
    const firstTrain = makeYinYang(TRAIN, deriveSeed(seed, "yy-train", 0));
    const counts = [0, 1, 2].map((c) => firstTrain.filter((p) => p.label === c).length);
    for (let s = 0; s < SEEDS; s++) {
      const train = encodeYinYang(makeYinYang(TRAIN, deriveSeed(seed, "yy-train", s)), T_EARLY, T_LATE);
      const test = encodeYinYang(makeYinYang(TEST, deriveSeed(seed, "yy-test", s)), T_EARLY, T_LATE);
      for (const delays of [false, true]) {
        const p = initParams(config, deriveSeed(seed, "yy-init", s), { weightScale: [1.5, 1], weightMean: [1, 0], delayRange: [0, 0] });
        const hist = trainEventProp(config, p, train, {
          epochs: EPOCHS, batchSize: 32, lrWeights: 0.01, lrDelays: 0.02, learnDelays: delays, maxDelay: 30, scale: 1,
          seed: deriveSeed(seed, "yy-order", s),
        });
        const ev = evaluate(config, p, test, 1);
        const allD = p.d.flatMap((d) => Array.from(d));
        runs.push({
          seed: s, delays, testAccuracy: ev.accuracy, trainAccuracy: hist[hist.length - 1].trainAccuracy,
          hiddenSpikesPerSample: ev.spikesPerSample, meanDelay: allD.reduce((a, b) => a + b, 0) / allD.length,
        });
        log(`seed ${s} delays=${delays}: test ${ev.accuracy.toFixed(3)}`);
      }
    }
    const stat = (delays: boolean) => {
      const xs = runs.filter((r) => r.delays === delays).map((r) => r.testAccuracy);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1)), values: xs };
    };
    return {
      dataset: { train: TRAIN, test: TEST, classes: YIN_YANG_CLASSES, trainClassCounts: counts, encoding: { tEarly: T_EARLY, tLate: T_LATE, bias: 0 } },
      network: { sizes: config.sizes, lif: config.lif, trialEnd: config.trialEnd, readout: "mean LI voltage, cross-entropy" },
      training: { epochs: EPOCHS, batchSize: 32, lrWeights: 0.01, lrDelays: 0.02, delayInit: 0, maxDelay: 30 },
      testAccuracyWithoutDelays: stat(false),
      testAccuracyWithDelays: stat(true),
      runs,
    };
  },
  format(r) {
    const a = r.testAccuracyWithoutDelays as { mean: number; std: number };
    const b = r.testAccuracyWithDelays as { mean: number; std: number };
    return [
      `Yin-Yang test accuracy over ${SEEDS} seeds (EventProp, 5-30-3)`,
      `  weights only:     ${(100 * a.mean).toFixed(1)} ± ${(100 * a.std).toFixed(1)} %`,
      `  weights + delays: ${(100 * b.mean).toFixed(1)} ± ${(100 * b.std).toFixed(1)} %`,
    ].join("\n");
  },
};
