import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

describe("spikeloco train: input errors", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--env", "dog"], /--env must be one of ant, hexapod, legged, got 'dog'/],
    [["--env", "ant", "--population", "5"], /--population must be even \(antithetic pairs\), got 5/],
    [["--env", "ant", "--generations", "0"], /--generations must be >= 1, got 0/],
    [["--env", "ant", "--algo", "cma"], /--algo must be one of es, pgpe, got 'cma'/],
    [["--env", "ant", "--task", "cue-association"], /give either --env or --task, not both/],
    [[], /give --env <ant\|hexapod> or --task <name>/],
    [["--env", "ant", "--agent", "nope", "--out", "__OUT__"], /agent: unknown agent 'nope'/],
    [["--env", "ant", "--conditions", "/no/such/file.json"], /--conditions: cannot read '\/no\/such\/file.json' \(ENOENT\)/],
    [["--resume", "/no/such/run"], /no checkpoint directory at '\/no\/such\/run'/],
  ];
  for (const [args, message] of cases) {
    it(`rejects ${args.join(" ") || "(no flags)"}`, () => {
      const r = run(args.map((a) => (a === "__OUT__" ? join(tmp(), "o") : a)));
      expect(r.status).not.toBe(0); // 2 for SpikelocoError, 1 for commander's own argument errors
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    });
  }

  it("names the file and field of malformed condition files, and refuses corrupt checkpoints", () => {
    const dir = tmp();
    writeFileSync(join(dir, "bad.json"), "{ friction: ");
    expect(run(["--env", "ant", "--conditions", join(dir, "bad.json")]).stderr).toMatch(/--conditions: '.*bad.json' is not valid JSON/);
    writeFileSync(join(dir, "field.json"), JSON.stringify({ friction: -1 }));
    expect(run(["--env", "ant", "--conditions", join(dir, "field.json")]).stderr).toMatch(/conditions\.friction: /);
    writeFileSync(join(dir, "unknown.json"), JSON.stringify({ gravity: 3 }));
    expect(run(["--env", "ant", "--conditions", join(dir, "unknown.json")]).stderr).toMatch(/conditions: unknown field 'gravity'/);
    writeFileSync(join(dir, "checkpoint.json"), "{}");
    const r = run(["--resume", dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/checkpoint '.*' is corrupt: checkpoint.json is not a spikeloco checkpoint/);
  });
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

  it("Ctrl-C saves the last completed generation and exits cleanly", async () => {
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
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/interrupted — saving/);
    expect(stderr).toMatch(/saved generation \d+ to/);
    const ck = await loadCheckpoint(dir);
    expect(ck.training.generation).toBeGreaterThanOrEqual(1);
    expect(rows(dir).length).toBe(ck.training.generation);
  });
});
