import { Rng, deriveSeed } from "../../core/rng.ts";
import { checkGradients, type GroupCheck } from "../eventprop/gradcheck.ts";
import { initParams, forward, type EventNetConfig, type LabelledSpikes, type ReadoutKind } from "../eventprop/network.ts";
import type { ReproExperiment } from "./experiment.ts";

/**
 * Two hidden LIF layers with delays on every projection, so adjoint jumps and delayed reads are both exercised;
 * both readouts (mean voltage over [0, T], and max over [0, T] as used by delay-sequence).
 */
const base: EventNetConfig = { sizes: [6, 10, 8, 3], lif: { tauMem: 10, tauSyn: 5, threshold: 1 }, trialEnd: 80 };
const READOUTS: ReadoutKind[] = ["mean", "max"];

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
    type Trial = { readout: ReadoutKind; trial: number; hiddenSpikes: number[]; readoutPeakTimes?: number[]; kinkMaxima?: number; groups: GroupCheck[] };
    const trials: Trial[] = [];
    for (const readout of READOUTS) {
      const config: EventNetConfig = { ...base, readout };
      for (let trial = 0; trial < 3; trial++) {
        const params = initParams(config, deriveSeed(seed, "gradcheck-params", trial), {
          weightScale: [1.0, 0.8, 1.0],
          weightMean: [1.0, 0.7, 0],
          delayRange: [0, 10],
        });
        const drawn = randomSample(deriveSeed(seed, "gradcheck-sample", trial));
        const fwd = forward(config, params, drawn);
        // Label = the class the network ranks lowest, so dL/dm = O(1): with a saturated softmax the gradient can
        // be ~1e-7, where central differences at h = 1e-6 on an O(1) loss only resolve ~1e-10 (round-off).
        let label = 0;
        for (let k = 1; k < fwd.readout.length; k++) if (fwd.readout[k]! < fwd.readout[label]!) label = k;
        const sample = { ...drawn, label };
        const groups = checkGradients(config, params, sample, 1);
        log(`${readout} readout, trial ${trial}: spikes ${fwd.spikeCounts.join("/")} worst rel error ${Math.max(...groups.map((g) => g.relError)).toExponential(2)}`);
        trials.push({
          readout, trial, hiddenSpikes: fwd.spikeCounts, groups,
          ...(readout === "max" ? { readoutPeakTimes: Array.from(fwd.readoutTime), kinkMaxima: Array.from(fwd.readoutKink).filter((k) => k >= 0).length } : {}),
        });
      }
    }
    const worst = (ts: Trial[], prefix: string) => Math.max(...ts.flatMap((t) => t.groups).filter((g) => g.group.startsWith(prefix)).map((g) => g.relError));
    const byReadout = Object.fromEntries(READOUTS.map((r) => {
      const ts = trials.filter((t) => t.readout === r);
      return [r, { worstRelErrorWeights: worst(ts, "weights"), worstRelErrorDelays: worst(ts, "delays") }];
    }));
    const worstWeights = worst(trials, "weights");
    const worstDelays = worst(trials, "delays");
    return {
      network: { sizes: base.sizes, lif: base.lif, trialEnd: base.trialEnd, readouts: READOUTS },
      finiteDifferenceStep: 1e-6,
      labels: "per trial, the class with the lowest readout (an unsaturated loss, so the check is not limited by finite-difference round-off)",
      precision: "float64",
      target: 1e-3,
      worstRelErrorWeights: worstWeights,
      worstRelErrorDelays: worstDelays,
      byReadout,
      pass: worstWeights <= 1e-3 && worstDelays <= 1e-3,
      trials,
    };
  },
  format(r) {
    const trials = r.trials as Array<{ readout: string; trial: number; hiddenSpikes: number[]; kinkMaxima?: number; groups: GroupCheck[] }>;
    const lines = [`EventProp vs central FD (h=1e-6, float64), target rel error <= 1e-3`];
    for (const t of trials) {
      const kinks = t.kinkMaxima !== undefined ? `, ${t.kinkMaxima} maxima on a kink` : "";
      lines.push(`${t.readout} readout, trial ${t.trial} (hidden spikes ${t.hiddenSpikes.join("/")}${kinks})`);
      for (const g of t.groups) {
        lines.push(`  ${g.group.padEnd(11)} n=${String(g.count).padStart(3)} rel ${g.relError.toExponential(2)}  max component ${g.maxComponentRelError.toExponential(2)}  |g| ${g.gradNorm.toExponential(2)}`);
      }
    }
    lines.push(`worst: weights ${(r.worstRelErrorWeights as number).toExponential(2)}, delays ${(r.worstRelErrorDelays as number).toExponential(2)} -> ${r.pass ? "PASS" : "FAIL"}`);
    return lines.join("\n");
  },
};
