/**
 * `spikeloco repro spike-timing`: a neuron and a small network learn to fire at given target times with
 * e-prop; timing error before and after, STDP-LIF against plain LIF, 5 seeds.
 */
import { type SpikeTimingResult, trainSpikeTiming } from "../eprop/spike-timing.ts";
import { mean, std } from "../eprop/stats.ts";
import type { ReproExperiment } from "./experiment.ts";

const SEEDS = 5;
const EPOCHS = 300;
const LR = 0.002;

function summarize(runs: SpikeTimingResult[]) {
  const pick = (f: (r: SpikeTimingResult) => number) => {
    const xs = runs.map(f);
    return { mean: mean(xs), std: std(xs) };
  };
  return {
    timingErrorMsBefore: pick((r) => r.before.timingErrorMs),
    timingErrorMsAfter: pick((r) => r.after.timingErrorMs),
    countErrorBefore: pick((r) => r.before.countError),
    countErrorAfter: pick((r) => r.after.countError),
    lossBefore: pick((r) => r.before.loss),
    lossAfter: pick((r) => r.after.loss),
    seedsWithinOneMs: runs.filter((r) => r.after.timingErrorMs <= 1 && r.after.countError === 0).length,
    perSeed: runs.map((r) => ({
      seed: r.seed,
      targetTimesMs: r.targetTimesMs,
      before: { timingErrorMs: r.before.timingErrorMs, spikeTimesMs: r.before.spikeTimesMs },
      after: { timingErrorMs: r.after.timingErrorMs, spikeTimesMs: r.after.spikeTimesMs },
    })),
    lossCurveSeed0: runs[0]!.lossCurve.filter((_, k) => k % 25 === 0),
  };
}

export const experiment: ReproExperiment = {
  name: "spike-timing",
  summary: "a neuron and a small network learn target spike times with e-prop: STDP-LIF vs plain LIF, 5 seeds",
  async run({ seed, log }) {
    const results: Record<string, Record<string, ReturnType<typeof summarize>>> = {};
    for (const network of ["single", "small"] as const) {
      results[network] = {};
      for (const model of ["lif", "stdpLif"] as const) {
        log(`spike-timing: ${network} ${model}`);
        const runs = Array.from({ length: SEEDS }, (_, k) => trainSpikeTiming({ model, seed: seed + k, network, epochs: EPOCHS, lr: LR }));
        results[network][model] = summarize(runs);
      }
    }
    return {
      setup:
        `100 frozen Poisson inputs (20 Hz) over 200 ms (1 ms steps); 3 target spike times per seed; "single": one neuron, ` +
        `"small": 10 hidden neurons -> 1 output neuron (hidden learn through fixed random feedback); loss = van Rossum ` +
        `distance (10 ms filter) between output and target trains; e-prop gradients + Adam (lr ${LR}), ${EPOCHS} epochs, ` +
        `${SEEDS} seeds; timing error = mean |target - nearest output spike| (capped at 50 ms when silent)`,
      results,
    };
  },
  format(r) {
    const results = r.results as Record<string, Record<string, ReturnType<typeof summarize>>>;
    const lines = ["network model      timing error ms before -> after       count error before -> after   seeds <=1 ms"];
    for (const [network, models] of Object.entries(results)) {
      for (const [model, s] of Object.entries(models)) {
        const f = (x: { mean: number; std: number }) => `${x.mean.toFixed(1)}±${x.std.toFixed(1)}`;
        lines.push(
          `${network.padEnd(7)} ${model.padEnd(9)} ${f(s.timingErrorMsBefore).padStart(12)} -> ${f(s.timingErrorMsAfter).padEnd(12)} ` +
            `${f(s.countErrorBefore).padStart(16)} -> ${f(s.countErrorAfter).padEnd(10)} ${s.seedsWithinOneMs}/${s.perSeed.length}`,
        );
      }
    }
    return lines.join("\n");
  },
};
