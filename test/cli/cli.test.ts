import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
}

describe("spikeloco CLI", () => {
  it("prints help listing its commands", () => {
    const out = execFileSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(out).toContain("bench");
    expect(out).toContain("repro");
  });

  it("rejects an unknown command with a one-line reason and exit 2", () => {
    const r = run(["frobnicate"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^spikeloco: frobnicate: unknown command \(known: bench, eval, .*train.*\)\n$/);
  });

  it("rejects an unknown repro experiment by name", () => {
    const r = run(["repro", "no-such-thing", "--json"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown experiment 'no-such-thing'/);
    expect(r.stdout).toBe("");
  });
});
