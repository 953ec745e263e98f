import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCheckpoint } from "../../src/policy/checkpoint.ts";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const run = (args: string[]) => spawnSync(process.execPath, [bin, "train", ...args], { encoding: "utf8", timeout: 120_000 });
const tmp = () => mkdtempSync(join(tmpdir(), "train-cli-"));
const tiny = ["--env", "ant", "--agent", "nm-hebb", "--population", "4", "--max-steps", "10", "--seed", "3"];
const timing = ["wall_s", "steps_per_s", "sim_seconds_per_wall_second", "elapsed_s"];
const rows = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => {
    const r = JSON.parse(l) as Record<string, unknown>;
    for (const k of timing) delete r[k];
    return r;
  });

describe("spikeloco train --env ant (tiny)", () => {
  it("--resume continues bitwise-identically to an uninterrupted run (and worker count does not matter)", async () => {
    const a = join(tmp(), "a");
    const b = join(tmp(), "b");
    const full = run([...tiny, "--generations", "2", "--workers", "0", "--out", a, "--json"]);
    expect(full.status, full.stderr).toBe(0);
    const summary = JSON.parse(full.stdout) as { generation: number; out: string };
    expect(summary.generation).toBe(2);
    expect(run([...tiny, "--generations", "1", "--workers", "1", "--out", b]).status).toBe(0);
    expect((await loadCheckpoint(b)).training.generation).toBe(1);
    const again = run([...tiny, "--generations", "1", "--out", b]);
    expect(again.stderr).toMatch(/already holds a checkpoint; pass --resume/);
    const conflict = run(["--resume", b, "--population", "8", "--generations", "2"]);
    expect(conflict.stderr).toMatch(/--population: conflicts with the checkpoint being resumed \(8 given, run was trained with 4\)/);
    const resumed = run(["--resume", b, "--generations", "2", "--workers", "2"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    const ca = await loadCheckpoint(a);
    const cb = await loadCheckpoint(b);
    expect(Buffer.from(cb.params.buffer).equals(Buffer.from(ca.params.buffer))).toBe(true);
    expect(cb.normalizer).toEqual(ca.normalizer);
    expect(rows(b)).toEqual(rows(a));
    expect(rows(a)[0]).toHaveProperty("term_ctrl");
  });

  it("--resume with --group-scale: the same multipliers in another order continue the run, others conflict", () => {
    const dir = join(tmp(), "gs");
    const first = run([...tiny, "--group-scale", "alpha=10,input.eta=2", "--generations", "1", "--workers", "0", "--out", dir]);
    expect(first.status, first.stderr).toBe(0);
    const other = run(["--resume", dir, "--group-scale", "alpha=3", "--generations", "2", "--workers", "0"]);
    expect(other.stderr).toMatch(/--group-scale: conflicts with the checkpoint being resumed/);
    const reordered = run(["--resume", dir, "--group-scale", "input.eta=2,alpha=10", "--generations", "2", "--workers", "0"]);
    expect(reordered.status, reordered.stderr).toBe(0);
  });

  it("Ctrl-C saves the last completed generation, exits 130 and unlocks the run folder", async () => {
    const dir = join(tmp(), "int");
    const child = spawn(process.execPath, [bin, "train", ...tiny, "--max-steps", "60", "--generations", "500", "--workers", "0", "--out", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const start = Date.now();
    while (!(existsSync(join(dir, "metrics.jsonl")) && readFileSync(join(dir, "metrics.jsonl"), "utf8").length > 0) && Date.now() - start < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(existsSync(join(dir, "spikeloco.lock"))).toBe(false);
    expect(stderr).toMatch(/interrupted — saving the last completed generation/);
    expect(stderr).toMatch(/saved generation \d+ to/);
    const ck = await loadCheckpoint(dir);
    expect(ck.training.generation).toBeGreaterThanOrEqual(1);
    expect(rows(dir).length).toBe(ck.training.generation);
  });
});
