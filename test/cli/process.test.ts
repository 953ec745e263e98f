/**
 * The CLI as a process: the bin's exit codes, signals (SIGTERM/SIGINT during training, evaluation and
 * start's evaluation -> 130 promptly, work saved), the run-folder lock (a second run on one folder is
 * refused naming the pid; a stale lock is taken over), --force-workers, and the ETA of a timed run.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadAgent } from "../../agents/index.ts";
import { LOCK_FILE } from "../../src/core/lock.ts";
import { runCli } from "../../src/cli/main.ts";
import { useIo } from "../../src/cli/output.ts";
import { createProgress } from "../../src/cli/progress.ts";
import { loadCheckpoint, saveCheckpoint } from "../../src/policy/checkpoint.ts";
import { initParams } from "../../src/snn/layout.ts";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "spikeloco-process-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tiny = ["--env", "ant", "--population", "2", "--max-steps", "10", "--workers", "0"];

interface Running {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdout!.on("data", (d) => (stdout += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

async function until(what: string, ok: () => boolean, ms = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const metricsRows = (dir: string) => (existsSync(join(dir, "metrics.jsonl")) ? readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").filter(Boolean).length : 0);

/** A tiny Ant run (population 2, 10-step episodes) at generation 1, to continue or evaluate. */
function tinyRun(dir: string): void {
  const spec = loadAgent("nm-hebb", { obsDim: 27, actDim: 8 });
  saveCheckpoint(dir, {
    spec,
    params: initParams(spec, 1),
    config: { kind: "locomotion", env: "ant", agent: "nm-hebb", algo: "es", popSize: 2, sigma: 0.04, lr: 0.02, weightDecay: 0, episodesPerMember: 1, maxSteps: 10, normalizerClip: 5, evalCenterEvery: 0, conditions: {}, envOptions: { clockHz: 0 } },
    normalizer: null,
    seed: 0,
    training: { generation: 1 },
  });
}

describe("the spikeloco bin", () => {
  it("exits 2 with one line for bad input, 0 for --help and --version", () => {
    for (const args of [["train", "--env", "dog"], ["eval", "--checkpoint", join(root, "none")], ["train", "--frob"]]) {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^spikeloco: /);
    }
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8", timeout: 60_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 done, 1 internal error, 2 bad input/);
    expect(spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8", timeout: 60_000 }).stdout.trim()).toBe("0.1.0");
  });
});

describe("run folder lock", () => {
  it("refuses a second run on a folder in use (naming it and the pid); SIGTERM stops the first with 130 and the work saved", async () => {
    const dir = join(root, "shared");
    const first = start(["train", ...tiny, "--generations", "100000", "--out", dir]);
    await until("the first generation", () => metricsRows(dir) > 0 || first.child.exitCode !== null);
    const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number; host: string };
    expect(lock).toMatchObject({ pid: first.child.pid, host: hostname() });
    for (const args of [["train", ...tiny, "--generations", "3", "--out", dir], ["train", "--resume", dir, "--generations", "100001"]]) {
      const second = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
      expect(second.status).toBe(2);
      expect(second.stderr).toBe(`spikeloco: ${args.includes("--resume") ? "--resume" : "--out"}: '${dir}' is in use by another spikeloco run (pid ${first.child.pid}); wait for it to finish or stop it\n`);
    }
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(130);
    expect(first.stderr()).toMatch(/saved generation \d+ to/);
    const ck = await loadCheckpoint(dir);
    expect(ck.training.generation).toBeGreaterThanOrEqual(1);
    expect(metricsRows(dir)).toBe(ck.training.generation);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it("takes over a stale lock (its process is gone) and removes its own when done", async () => {
    const dir = join(root, "stale");
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, host: hostname(), since: "2020-01-01T00:00:00Z" }));
    let err = "";
    const code = await runCli(["train", ...tiny, "--generations", "1", "--out", dir, "--json"], { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } });
    expect(code, err).toBe(0);
    expect((await loadCheckpoint(dir)).training.generation).toBe(1);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it("uses more workers than cores only with --force-workers", async () => {
    const n = String(availableParallelism() + 1);
    let err = "";
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } };
    expect(await runCli(["train", ...tiny, "--workers", n, "--generations", "1", "--out", join(root, "forced-refused")], io)).toBe(2);
    expect(err).toMatch(/--workers: \d+ is more than the \d+ cores/);
    expect(existsSync(join(root, "forced-refused"))).toBe(false);
    err = "";
    const args = ["train", "--env", "ant", "--population", "4", "--max-steps", "5", "--workers", n, "--force-workers", "--generations", "1", "--out", join(root, "forced")];
    expect(await runCli(args, io), err).toBe(0);
  }, 120_000);
});

describe("interrupts", () => {
  it("SIGINT during eval exits 130 within seconds; the report written (if a paired unit finished) says it was interrupted", async () => {
    const run = join(root, "eval-run");
    tinyRun(run);
    const report = join(root, "eval-out", "report.html");
    const p = start(["eval", "--checkpoint", run, "--seeds", "5", "--workers", "1", "--report", report]);
    await until("the first episode", () => /eval robustness \d+\/\d+ episodes/.test(p.stderr()) || p.child.exitCode !== null);
    const t0 = Date.now();
    p.child.kill("SIGINT");
    expect(await p.exited, p.stderr()).toBe(130);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(p.stdout()).toBe("");
    const json = join(root, "eval-out", "report.json");
    if (existsSync(json)) expect(JSON.parse(readFileSync(json, "utf8")).interrupted).toBeDefined();
    else expect(p.stderr()).toMatch(/interrupted before any paired unit finished; nothing to report/);
  }, 120_000);

  it("SIGINT during start's evaluation exits 130 within seconds, keeps the trained run, prints the summary once", async () => {
    const run = join(root, "start-run");
    tinyRun(run);
    const p = start(["start", "--out", run, "--minutes", "0.1", "--no-viewer", "--workers", "1", "--eval-seeds", "1"]);
    await until("the evaluation to start", () => /evaluating .* under the robustness suite/.test(p.stderr()) || p.child.exitCode !== null, 110_000);
    const t0 = Date.now();
    p.child.kill("SIGINT");
    expect(await p.exited, p.stderr()).toBe(130);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(p.stderr()).toMatch(/evaluation stopped (before a paired unit finished; the trained run is saved in|after \d+\/\d+ episodes)/);
    const ck = await loadCheckpoint(run);
    expect(ck.training.generation).toBeGreaterThanOrEqual(1); // (0.1 min may end before a generation on a loaded machine)
    expect(readdirSync(run).sort()).toEqual(expect.arrayContaining(["checkpoint.json", "metrics.jsonl"]));
    expect(readdirSync(run)).not.toContain("eval.html");
    expect(readdirSync(run)).not.toContain(LOCK_FILE);
    const all = p.stdout() + p.stderr();
    expect(all.match(/trained ant \/ nm-hebb with es/g)).toHaveLength(1);
  }, 180_000);
});

describe("progress", () => {
  it("gives the ETA from the deadline when training by time", () => {
    let err = "";
    const prev = useIo({ stdout: { write: () => true }, stderr: { write: (s: string) => (err += s), isTTY: false } });
    try {
      const p = createProgress({ total: 300, unit: "s", label: "train ant/nm-hebb", deadline: Date.now() + 125_000 });
      p.update(175, { gen: 3 });
      p.stop();
    } finally {
      useIo(prev);
    }
    expect(err).toMatch(/^train ant\/nm-hebb 175\/300 s {2}ETA 2m0[45]s {2}gen 3\n$/);
  });
});
