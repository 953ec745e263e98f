/**
 * `spikeloco repro stdp-order`: two neurons whose firing order swaps halfway; the accumulated e-prop
 * eligibility of the pre->post synapse per phase, for plain LIF, ALIF, STDP-LIF and Izhikevich
 * (Traub et al. 2020). STDP-aware models must change sign between the phases; plain LIF cannot, because
 * its eligibility vector (filtered presynaptic train) and pseudo-derivative are never negative.
 * `specEngine` repeats the test on a NetworkSpec-built network (order-swap-spec.ts, the kernel engine's dynamics).
 */
import { runOrderSwap } from "../eprop/order-swap.ts";
import { runOrderSwapOnSpec } from "../eprop/order-swap-spec.ts";
import { NEURON_MODELS } from "../eprop/neurons.ts";
import type { ReproExperiment } from "./experiment.ts";

const SEEDS = 3;
const WINDOW_LAGS_MS = [2, 4, 8, 12];

export const experiment: ReproExperiment = {
  name: "stdp-order",
  summary: "order-swap test: e-prop eligibility changes sign for STDP-LIF and Izhikevich, not for plain LIF",
  async run({ seed, log }) {
    const models: Record<string, unknown> = {};
    for (const model of NEURON_MODELS) {
      log(`stdp-order: ${model}`);
      const perSeed = Array.from({ length: SEEDS }, (_, k) => runOrderSwap({ model, seed: seed + k }));
      const r0 = perSeed[0]!;
      // STDP window: mean eligibility per pairing at lag (post - pre); negative lags from the anti-causal phase.
      const window: Array<{ lagMs: number; eligibilityPerPairing: number }> = [];
      for (const lag of WINDOW_LAGS_MS) {
        const r = runOrderSwap({ model, seed, lagMs: lag, cycles: 10, curvePoints: 1 });
        window.push({ lagMs: -lag, eligibilityPerPairing: r.eligibilityAntiCausal / 10 });
        window.push({ lagMs: lag, eligibilityPerPairing: r.eligibilityCausal / 10 });
      }
      window.sort((a, b) => a.lagMs - b.lagMs);
      const onSpec = Array.from({ length: SEEDS }, (_, k) => runOrderSwapOnSpec({ model, seed: seed + k }));
      models[model] = {
        eligibilityCausal: r0.eligibilityCausal,
        eligibilityAntiCausal: r0.eligibilityAntiCausal,
        signChanges: r0.signChanges,
        signChangesAllSeeds: perSeed.every((r) => r.signChanges),
        seeds: perSeed.map((r, k) => ({
          seed: seed + k,
          eligibilityCausal: r.eligibilityCausal,
          eligibilityAntiCausal: r.eligibilityAntiCausal,
          signChanges: r.signChanges,
        })),
        meanLagCausalMs: r0.meanLagCausalMs,
        meanLagAntiCausalMs: r0.meanLagAntiCausalMs,
        preSpikes: r0.preSpikes,
        postSpikes: r0.postSpikes,
        cumulativeEligibility: r0.cumulative,
        window,
        specEngine: {
          eligibilityCausal: onSpec[0]!.eligibilityCausal,
          eligibilityAntiCausal: onSpec[0]!.eligibilityAntiCausal,
          signChangesAllSeeds: onSpec.every((r) => r.signChanges),
          seeds: onSpec.map((r, k) => ({ seed: seed + k, eligibilityCausal: r.eligibilityCausal, eligibilityAntiCausal: r.eligibilityAntiCausal, signChanges: r.signChanges })),
        },
      };
    }
    return {
      setup:
        "pre and post neuron of the same model kicked once per 50 ms period by input pulses (LIF types 0.4 x 4 ms, " +
        "Izhikevich 10 x 10 ms), pre 4 ms before post for 20 periods then 4 ms after for 20; +-1 ms jitter per kick; " +
        "learning signal 1, so the sum of the synapse's eligibility trace is the accumulated gradient",
      expectation: "STDP-LIF and Izhikevich: causal > 0, anti-causal < 0; plain LIF: both > 0",
      specEngine:
        "the same protocol on a NetworkSpec (2 direct-encoded inputs -> 2 hidden neurons, one recurrent synapse) run by " +
        "SpecEpropNet, whose forward equals the kernel engine's: spec neuron semantics (LIF refractoriness freezes the membrane), " +
        "spec surrogates (triangular; refractoryNegative for stdpLif; fastSigmoid scale 1/30 for Izhikevich)",
      models,
    };
  },
  format(r) {
    type Figures = { eligibilityCausal: number; eligibilityAntiCausal: number; signChangesAllSeeds: boolean };
    const models = r.models as Record<string, Figures & { signChanges: boolean; specEngine: Figures; window: Array<{ lagMs: number; eligibilityPerPairing: number }> }>;
    const lines = ["model        causal      anti-causal  sign change (seed / all 3 seeds)   | spec engine: causal  anti-causal  all 3 seeds"];
    for (const [name, m] of Object.entries(models)) {
      const sp = m.specEngine;
      lines.push(
        `${name.padEnd(12)} ${m.eligibilityCausal.toFixed(3).padStart(10)} ${m.eligibilityAntiCausal.toFixed(3).padStart(12)}  ${`${m.signChanges} / ${m.signChangesAllSeeds}`.padEnd(32)} | ` +
          `${sp.eligibilityCausal.toFixed(3).padStart(19)} ${sp.eligibilityAntiCausal.toFixed(3).padStart(12)}  ${sp.signChangesAllSeeds}`,
      );
    }
    lines.push("", "STDP window (eligibility per pairing vs post - pre lag in ms):");
    for (const [name, m] of Object.entries(models)) {
      lines.push(`${name.padEnd(12)} ` + m.window.map((w) => `${w.lagMs}:${w.eligibilityPerPairing.toFixed(3)}`).join("  "));
    }
    return lines.join("\n");
  },
};
