import { describe, expect, it } from "vitest";
import { floatOption, intOption } from "../../src/cli/output.ts";

describe("CLI numeric options", () => {
  it("parses in-range integers and floats", () => {
    expect(intOption("--n", 0, 10)("7")).toBe(7);
    expect(floatOption("--x", 0, 1)("0.25")).toBe(0.25);
  });

  it("rejects empty strings instead of reading them as 0", () => {
    expect(() => intOption("--port", 0, 65535)("")).toThrow("--port: must be an integer, got ''");
    expect(() => intOption("--port", 0, 65535)("  ")).toThrow("--port: must be an integer");
    expect(() => floatOption("--x")("")).toThrow("--x: must be a number, got ''");
  });

  it("names only the bound that exists", () => {
    expect(() => intOption("--steps", 10)("0")).toThrow("--steps: must be >= 10, got 0");
    expect(() => intOption("--d", undefined, 5)("6")).toThrow("--d: must be <= 5, got 6");
    expect(() => intOption("--p", 0, 65535)("99999")).toThrow("--p: must be in [0, 65535], got 99999");
    expect(() => floatOption("--s", 0)("-1")).toThrow("--s: must be >= 0, got -1");
    expect(() => intOption("--k")("1.5")).toThrow("--k: must be an integer, got '1.5'");
  });
});
