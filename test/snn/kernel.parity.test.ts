/**
 * The WASM SIMD kernel equals the JS kernel bit for bit on every neuron model x rule, with and without an eligibility
 * trace, with and without a leaky H (decayTau): 3 seeds (3 network sizes) x B = 1 and 3, each run through non-finite inputs, reset, setParams and
 * freezePlasticity (test/support/kernel-lockstep.ts). Spec options: test/snn/kernel.options.test.ts.
 */
import { describe, it } from "vitest";
import { allVariants, variantName } from "../../src/snn/variants.ts";
import { checkSeeds, eligibility, leakyH, printTally } from "../support/kernel-lockstep.ts";

describe("wasm-simd kernel = js kernel, bit for bit: every model x rule", () => {
  const tally = { runs: 0, mismatches: 0 };
  for (const v of allVariants()) {
    for (const elig of v.rule === "none" ? [false] : [false, true]) {
      it(`${variantName(v)}${elig ? " + eligibility trace" : ""}: 3 seeds x B = 1, 3`, () => checkSeeds(v, elig ? eligibility(v) : {}, tally));
      if (v.rule !== "none") it(`${variantName(v)}${elig ? " + eligibility trace" : ""} + leaky H: 3 seeds x B = 1, 3`, () => checkSeeds(v, leakyH(v, elig), tally));
    }
  }
  printTally("model x rule", tally);
});
