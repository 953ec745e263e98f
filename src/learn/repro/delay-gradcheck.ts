import { Rng, deriveSeed } from "../../core/rng.ts";
import { checkGradients, type GroupCheck } from "../eventprop/gradcheck.ts";
import { initParams, forward, type EventNetConfig, type LabelledSpikes } from "../eventprop/network.ts";
import type { ReproExperiment } from "./experiment.ts";

/** Two hidden LIF layers with delays on every projection, so adjoint jumps and delayed reads are both exercised. */
const config: EventNetConfig = { sizes: [6, 10, 8, 3], lif: { tauMem: 10, tauSyn: 5, threshold: 1 }, trialEnd: 80 };

function randomSample(seed: number): LabelledSpikes {
  const rng = new Rng(seed);
  const n = 24;
  const spikes = Array.from({ length: n }, () => [rng.range(0, 40), rng.int(6)] as const).sort((a, b) => a[0] - b[0]);
  return { times: Float64Array.from(spikes, (s) => s[0]), neurons: Int32Array.from(spikes, (s) => s[1]), label: rng.int(3) };
}

export const experiment: ReproExperiment = {
  name: "delay-gradcheck",
  summary: "EventProp weight and delay gradients vs central finite differences (float64)",
  async run({ seed, log }) {
    const trials: Array<{ trial: number; hiddenSpikes: number[]; groups: GroupCheck[] }> = [];
    for (let trial = 0; trial < 3; trial++) {
      const params = initParams(config, deriveSeed(seed, "gradcheck-params", trial), {
        weightScale: [1.0, 0.8, 1.0],
        weightMean: [1.0, 0.7, 0],
        delayRange: [0, 10],
      });
      const sample = randomSample(deriveSeed(seed, "gradcheck-sample", trial));
      const hiddenSpikes = forward(config, params, sample).spikeCounts;
      const groups = checkGradients(config, params, sample, 1);
      log(`trial ${trial}: spikes ${hiddenSpikes.join("/")} worst rel error ${Math.max(...groups.map((g) => g.relError)).toExponential(2)}`);
      trials.push({ trial, hiddenSpikes, groups });
    }
    const all = trials.flatMap((t) => t.groups);
    const worstWeights = Math.max(...all.filter((g) => g.group.startsWith("weights")).map((g) => g.relError));
    const worstDelays = Math.max(...all.filter((g) => g.group.startsWith("delays")).map((g) => g.relError));
    return {
      network: { sizes: config.sizes, lif: config.lif, trialEnd: config.trialEnd },
      finiteDifferenceStep: 1e-6,
      precision: "float64",
      target: 1e-3,
      worstRelErrorWeights: worstWeights,
      worstRelErrorDelays: worstDelays,
      pass: worstWeights <= 1e-3 && worstDelays <= 1e-3,
      trials,
    };
  },
  format(r) {
    const trials = r.trials as Array<{ trial: number; hiddenSpikes: number[]; groups: GroupCheck[] }>;
    const lines = [`EventProp vs central FD (h=1e-6, float64), target rel error <= 1e-3`];
    for (const t of trials) {
      lines.push(`trial ${t.trial} (hidden spikes ${t.hiddenSpikes.join("/")})`);
      for (const g of t.groups) {
        lines.push(`  ${g.group.padEnd(11)} n=${String(g.count).padStart(3)} rel ${g.relError.toExponential(2)}  max component ${g.maxComponentRelError.toExponential(2)}  |g| ${g.gradNorm.toExponential(2)}`);
      }
    }
    lines.push(`worst: weights ${(r.worstRelErrorWeights as number).toExponential(2)}, delays ${(r.worstRelErrorDelays as number).toExponential(2)} -> ${r.pass ? "PASS" : "FAIL"}`);
    return lines.join("\n");
  },
};
