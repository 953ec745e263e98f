/**
 * `spikeloco train --nats` / `spikeloco worker` end to end with the real locomotion evaluator (a tiny Ant
 * run): the run folder's parameter file is byte-identical to a local run's, also after the coordinator
 * is killed and resumed; bad input is refused with one line before any work.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAll, startNatsServer, startWorker, type NatsServer, type WorkerProcess } from "../support/nats.ts";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const G = 4;
const tiny = ["--env", "ant", "--agent", "nm-hebb", "--population", "6", "--max-steps", "20", "--seed", "5", "--generations", String(G)];
const tmp = () => mkdtempSync(join(tmpdir(), "nats-cli-"));
const train = (args: string[]) => spawnSync(process.execPath, [bin, "train", ...args], { encoding: "utf8", timeout: 240_000 });
const paramsFile = (dir: string) => readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith("params-") && f.endsWith(".bin"))!));
const rows = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => {
    const r = JSON.parse(l) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(r).filter(([k]) => !["wall_s", "steps_per_s", "sim_seconds_per_wall_second", "elapsed_s"].includes(k) && !k.startsWith("pool_")));
  });

describe("spikeloco train --nats (Ant)", { timeout: 400_000 }, () => {
  let srv: NatsServer;
  let local: string;
  let procs: WorkerProcess[] = [];
  beforeAll(async () => {
    srv = await startNatsServer();
    procs = [startWorker(srv.url), startWorker(srv.url), startWorker(srv.url)]; // not pinned: they follow run after run
    local = join(tmp(), "local");
    const r = train([...tiny, "--workers", "1", "--out", local]);
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(async () => {
    killAll(procs);
    await srv?.stop();
  });

  it("with 3 workers writes the local run's parameter file byte for byte, and reports the pool", async () => {
    const out = join(tmp(), "nats");
    const r = spawnSync(process.execPath, [bin, "train", ...tiny, "--out", out, "--nats", srv.url, "--run-id", "cli-equal", "--json"], { encoding: "utf8", timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(paramsFile(out).equals(paramsFile(local))).toBe(true);
    expect(rows(out)).toEqual(rows(local));
    const summary = JSON.parse(r.stdout) as { nats: { run_id: string; pool: Record<string, number> } };
    expect(summary.nats.run_id).toBe("cli-equal");
    expect(summary.nats.pool.joinedWorkers).toBeGreaterThanOrEqual(1);
    expect(summary.nats.pool.reissued).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n")[G - 1]) as Record<string, number>;
    for (const k of ["pool_workers", "pool_cores", "pool_in_flight_max", "pool_reissued", "pool_duplicates", "pool_bytes_out"]) expect(metrics).toHaveProperty(k);
  });

  it("coordinator killed (SIGKILL) mid-run: train --resume DIR --nats finishes with the same parameters; workers carry on", async () => {
    const out = join(tmp(), "killed");
    const first = spawn(process.execPath, [bin, "train", ...tiny, "--out", out, "--nats", srv.url], { stdio: "ignore" });
    const deadline = Date.now() + 200_000;
    while (!(existsSync(join(out, "metrics.jsonl")) && readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").length >= 2)) {
      if (Date.now() > deadline || first.exitCode !== null) throw new Error("the coordinator did not reach generation 2");
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const resumed = train(["--resume", out, "--nats", srv.url, "--generations", String(G), "--json"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(paramsFile(out).equals(paramsFile(local))).toBe(true);
    expect(rows(out)).toEqual(rows(local)); // every generation once: none lost
    for (const w of procs) {
      expect(w.child.exitCode).toBeNull(); // still serving
      expect(w.log().match(/joined run r[0-9a-f]{12}/g)?.length ?? 0).toBeLessThanOrEqual(1); // the same run id after --resume: never left it
    }
  });

  it("refuses bad NATS input with one line before any work", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--nats", "http://x:1"], /--nats: must start with nats:\/\/ or tls:\/\//],
      [["--nats", "nats://127.0.0.1:1", "--workers", "2"], /--workers: sets local threads; with --nats/],
      [["--nats", "nats://127.0.0.1:1", "--run-id", "a.b"], /--run-id: must be 1-64 letters, digits/],
      [["--nats", "nats://127.0.0.1:1", "--nats-user", "u"], /--nats-password: give both a user and a password/],
      [["--nats", "nats://127.0.0.1:1", "--nats-ca", "/no/ca.pem"], /--nats-ca: no such file '\/no\/ca.pem'/],
      [["--nats", "nats://127.0.0.1:1"], /--nats: cannot connect to nats:\/\/127\.0\.0\.1:1: /],
    ];
    for (const [args, message] of cases) {
      const out = join(tmp(), "o");
      const r = train([...tiny, "--out", out, ...args]);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
    const task = train(["--task", "cue-association", "--nats", "nats://127.0.0.1:1"]);
    expect(task.stderr).toMatch(/--nats: distributes ES runs \(--env\)/);
    const worker = spawnSync(process.execPath, [bin, "worker"], { encoding: "utf8" });
    expect(worker.status).toBe(2);
    expect(worker.stderr).toMatch(/--nats: give the NATS server to join/);
  });
});
