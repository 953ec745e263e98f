import { describe, expect, it } from "vitest";
import { Rng, deriveSeed } from "../../src/core/rng.ts";

describe("Rng", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = new Rng(7), b = new Rng(7), c = new Rng(8);
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    const xb = Array.from({ length: 5 }, () => b.nextU32());
    const xc = Array.from({ length: 5 }, () => c.nextU32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it("gives uniform and normal moments close to theory", () => {
    const r = new Rng(1);
    const n = 200_000;
    let su = 0, sn = 0, sn2 = 0;
    for (let i = 0; i < n; i++) {
      su += r.uniform();
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1.5);
  });

  it("derives distinct, stable seeds per purpose", () => {
    expect(deriveSeed(1, "noise", 3)).toBe(deriveSeed(1, "noise", 3));
    expect(deriveSeed(1, "noise", 3)).not.toBe(deriveSeed(1, "noise", 4));
    expect(deriveSeed(1, "noise", 3)).not.toBe(deriveSeed(2, "noise", 3));
  });
});
