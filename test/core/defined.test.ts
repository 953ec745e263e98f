import { describe, expect, it } from "vitest";
import { defined } from "../../src/core/defined.ts";

describe("defined", () => {
  it("drops the keys whose value is undefined and keeps every other value, falsy ones included", () => {
    const out = defined({ a: 1, b: undefined, c: null, d: 0, e: false, f: "" });
    expect(out).toEqual({ a: 1, c: null, d: 0, e: false, f: "" });
    expect(Object.keys(out)).toEqual(["a", "c", "d", "e", "f"]);
    expect("b" in out).toBe(false);
  });

  it("returns a new object and leaves its argument alone", () => {
    const options = { seed: 3, workers: undefined as number | undefined };
    const out = defined(options);
    expect(out).not.toBe(options);
    expect(Object.keys(options)).toEqual(["seed", "workers"]);
  });
});
