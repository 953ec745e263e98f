import { describe, expect, it } from "vitest";
import { runOrderSwap } from "../../../src/lab/eprop/order-swap.ts";

describe("order-swap: STDP-aware eligibility", () => {
  it("plain LIF: the accumulated eligibility grows in both phases (no depression branch)", () => {
    const r = runOrderSwap({ model: "lif", seed: 1, cycles: 8 });
    expect(r.postSpikes).toBe(16);
    expect(r.meanLagCausalMs).toBeGreaterThan(2);
    expect(r.meanLagAntiCausalMs).toBeLessThan(-2);
    expect(r.eligibilityCausal).toBeGreaterThan(0);
    expect(r.eligibilityAntiCausal).toBeGreaterThan(0);
    for (let k = 1; k < r.cumulative.length; k++) expect(r.cumulative[k]).toBeGreaterThanOrEqual(r.cumulative[k - 1]);
    expect(r.signChanges).toBe(false);
  });
  for (const model of ["stdpLif", "izhikevich"] as const) {
    it(`${model}: positive in the causal phase, negative in the anti-causal phase`, () => {
      const r = runOrderSwap({ model, seed: 1, cycles: 8 });
      expect(r.postSpikes).toBe(16);
      expect(r.eligibilityCausal).toBeGreaterThan(0);
      expect(r.eligibilityAntiCausal).toBeLessThan(0);
      const mid = Math.floor(r.cumulative.length / 2) - 1;
      expect(r.cumulative[r.cumulative.length - 1]).toBeLessThan(r.cumulative[mid]);
    });
  }
});

describe("order-swap on a NetworkSpec-built network (kernel-engine dynamics)", () => {
  it("plain LIF: no sign change", async () => {
    const { runOrderSwapOnSpec } = await import("../../../src/lab/eprop/order-swap-spec.ts");
    const r = runOrderSwapOnSpec({ model: "lif", seed: 1, cycles: 8 });
    expect(r.postSpikes).toBe(16);
    expect(r.eligibilityCausal).toBeGreaterThan(0);
    expect(r.eligibilityAntiCausal).toBeGreaterThan(0);
    expect(r.signChanges).toBe(false);
  });
  for (const model of ["stdpLif", "izhikevich"] as const) {
    it(`${model}: positive causal, negative anti-causal`, async () => {
      const { runOrderSwapOnSpec } = await import("../../../src/lab/eprop/order-swap-spec.ts");
      const r = runOrderSwapOnSpec({ model, seed: 1, cycles: 8 });
      expect(r.postSpikes).toBe(16);
      expect(r.eligibilityCausal).toBeGreaterThan(0);
      expect(r.eligibilityAntiCausal).toBeLessThan(0);
    });
  }
  it("stdpLif: the spec-built run reproduces the e-prop kernel's figures (same dynamics and surrogate)", async () => {
    const { runOrderSwapOnSpec } = await import("../../../src/lab/eprop/order-swap-spec.ts");
    const a = runOrderSwap({ model: "stdpLif", seed: 2, cycles: 6 });
    const b = runOrderSwapOnSpec({ model: "stdpLif", seed: 2, cycles: 6 });
    expect(b.eligibilityCausal).toBeCloseTo(a.eligibilityCausal, 3);
    expect(b.eligibilityAntiCausal).toBeCloseTo(a.eligibilityAntiCausal, 3);
  });
});
