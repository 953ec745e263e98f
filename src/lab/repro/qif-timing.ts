import { Rng, deriveSeed } from "../../core/rng.ts";
import type { QifConstants } from "../qif/qif.ts";
import { spikeTimeLoss, thetaPeriod, thetaSpikeTimes } from "../qif/theta.ts";
import type { ReproExperiment } from "./experiment.ts";

const T = 10;
const N_INPUTS = 20;
const TARGETS = [3, 5.5, 8];
/** tau = 1, intrinsic period 2T: with phi0 = 0 and weak inputs the neuron is silent in [0, T]. */
const neuron: QifConstants = { tau: 1, drive: 0.25 + (Math.PI / (2 * T)) ** 2 };
const ITERATIONS = 3000;
const LR = 0.05;
const CLIP = 2e-2;

function evaluateAt(weights: Float64Array, inputTimes: Float64Array, phi0: number) {
  const out = thetaSpikeTimes(neuron, phi0, inputTimes, weights, T, TARGETS.length);
  return { out, ...spikeTimeLoss(out, TARGETS, N_INPUTS + 1) };
}

export const experiment: ReproExperiment = {
  name: "qif-timing",
  summary: "a silent theta (QIF) neuron learns k target spike times via pseudospikes; loss continuous across T",
  async run({ seed, log }) {
    const rng = new Rng(deriveSeed(seed, "qif-timing"));
    const inputTimes = Float64Array.from({ length: N_INPUTS }, () => rng.uniform() * T).sort();
    const weights = Float64Array.from({ length: N_INPUTS }, () => 0.02 * rng.normal());
    const phi0 = 0;
    const initial = evaluateAt(weights, inputTimes, phi0);
    const curve: Array<{ iteration: number; loss: number; ordinary: number; times: number[] }> = [];
    const crossings: Array<{ iteration: number; ordinaryBefore: number; ordinaryAfter: number; lossBefore: number; lossAfter: number }> = [];
    let prev = initial;
    for (let it = 0; it <= ITERATIONS; it++) {
      const cur = evaluateAt(weights, inputTimes, phi0);
      if (it > 0 && cur.out.ordinary !== prev.out.ordinary) {
        crossings.push({ iteration: it, ordinaryBefore: prev.out.ordinary, ordinaryAfter: cur.out.ordinary, lossBefore: prev.loss, lossAfter: cur.loss });
      }
      if (it % 100 === 0) {
        curve.push({ iteration: it, loss: cur.loss, ordinary: cur.out.ordinary, times: Array.from(cur.out.times) });
        log(`iter ${it}: loss ${cur.loss.toExponential(3)} ordinary spikes ${cur.out.ordinary} times ${Array.from(cur.out.times, (t) => t.toFixed(3)).join(", ")}`);
      }
      if (it === ITERATIONS) break;
      for (let i = 0; i < N_INPUTS; i++) weights[i]! -= Math.max(-CLIP, Math.min(CLIP, LR * cur.grad[i]!));
      prev = cur;
    }
    const final = evaluateAt(weights, inputTimes, phi0);

    // Continuity scan: scale all learned weights by a in [0, 1.2]; spikes slide across T as a grows.
    const scan: Array<{ scale: number; loss: number; ordinary: number; lastTime: number }> = [];
    const scaled = new Float64Array(N_INPUTS);
    const steps = 1200;
    for (let s = 0; s <= steps; s++) {
      const a = (1.2 * s) / steps;
      for (let i = 0; i < N_INPUTS; i++) scaled[i] = a * weights[i]!;
      const r = evaluateAt(scaled, inputTimes, phi0);
      scan.push({ scale: a, loss: r.loss, ordinary: r.out.ordinary, lastTime: r.out.times[TARGETS.length - 1]! });
    }
    let maxStep = 0;
    for (let s = 1; s < scan.length; s++) maxStep = Math.max(maxStep, Math.abs(scan[s]!.loss - scan[s - 1]!.loss));
    const scanCrossings = [];
    for (let s = 1; s < scan.length; s++) {
      if (scan[s]!.ordinary !== scan[s - 1]!.ordinary) {
        const window = scan.slice(Math.max(0, s - 3), Math.min(scan.length, s + 3));
        // Bisect the crossing down to a bracket of 1e-12 and compare the loss on both sides.
        let lo = scan[s - 1]!.scale;
        let hi = scan[s]!.scale;
        const lossAt = (a: number) => {
          for (let i = 0; i < N_INPUTS; i++) scaled[i] = a * weights[i]!;
          return evaluateAt(scaled, inputTimes, phi0);
        };
        while (hi - lo > 1e-12) {
          const mid = 0.5 * (lo + hi);
          if (lossAt(mid).out.ordinary === scan[s - 1]!.ordinary) lo = mid;
          else hi = mid;
        }
        const below = lossAt(lo);
        const above = lossAt(hi);
        scanCrossings.push({
          between: [scan[s - 1]!.scale, scan[s]!.scale],
          ordinary: [scan[s - 1]!.ordinary, scan[s]!.ordinary],
          lossJump: Math.abs(scan[s]!.loss - scan[s - 1]!.loss),
          neighbourLossChange: Math.abs(scan[Math.min(scan.length - 1, s + 1)]!.loss - scan[s]!.loss),
          atCrossing: { scaleBelow: lo, scaleAbove: hi, lossBelow: below.loss, lossAbove: above.loss, lossJump: Math.abs(above.loss - below.loss), crossingTime: above.out.times[above.out.ordinary - 1] },
          values: window.map((w) => ({ scale: Number(w.scale.toFixed(4)), loss: w.loss, ordinary: w.ordinary, lastOutputTime: w.lastTime })),
        });
      }
    }
    return {
      neuron: { ...neuron, period: thetaPeriod(neuron), trialEnd: T, inputs: N_INPUTS },
      targets: TARGETS,
      initial: { loss: initial.loss, ordinarySpikes: initial.out.totalOrdinary, outputTimes: Array.from(initial.out.times) },
      final: { loss: final.loss, ordinarySpikes: final.out.totalOrdinary, outputTimes: Array.from(final.out.times) },
      training: { iterations: ITERATIONS, lr: LR, updateClip: CLIP, curve, crossings },
      continuityScan: {
        description: "loss vs scale a of the learned weights (a*w), a in [0, 1.2], 1201 points",
        maxAdjacentLossChange: maxStep,
        crossings: scanCrossings,
      },
    };
  },
  format(r) {
    const f = r.final as { loss: number; ordinarySpikes: number; outputTimes: number[] };
    const i = r.initial as { loss: number; ordinarySpikes: number; outputTimes: number[] };
    const scan = r.continuityScan as { maxAdjacentLossChange: number; crossings: Array<{ between: number[]; ordinary: number[]; lossJump: number; neighbourLossChange: number; atCrossing: { lossJump: number; lossBelow: number } }> };
    return [
      `targets ${(r.targets as number[]).join(", ")} (T = ${T})`,
      `initial: ${i.ordinarySpikes} ordinary spikes, outputs ${i.outputTimes.map((t) => t.toFixed(3)).join(", ")}, loss ${i.loss.toExponential(3)}`,
      `final:   ${f.ordinarySpikes} ordinary spikes, outputs ${f.outputTimes.map((t) => t.toFixed(3)).join(", ")}, loss ${f.loss.toExponential(3)}`,
      `scan: max adjacent loss change ${scan.maxAdjacentLossChange.toExponential(3)}`,
      ...scan.crossings.map((c) => `  spikes ${c.ordinary[0]}->${c.ordinary[1]} between a=${c.between[0]!.toFixed(4)} and ${c.between[1]!.toFixed(4)}: grid step ${c.lossJump.toExponential(3)} (next step ${c.neighbourLossChange.toExponential(3)}); across a 1e-12 bracket: loss ${c.atCrossing.lossBelow.toFixed(6)} changes by ${c.atCrossing.lossJump.toExponential(2)}`),
    ].join("\n");
  },
};
