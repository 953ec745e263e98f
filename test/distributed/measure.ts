/**
 * Measurements of the NATS pool with the real Ant evaluator (not a test; run by hand, minutes each):
 *   npx tsx test/distributed/measure.ts equality [--population 16 --max-steps 100 --generations 5]
 *   npx tsx test/distributed/measure.ts faults   [same flags]
 *   npx tsx test/distributed/measure.ts scaling  [--workers 1,2,4 --repeat 2]
 *   npx tsx test/distributed/measure.ts netns    (root: 2 worker hosts + coordinator/server host, veth + bridge)
 *   npx tsx test/distributed/measure.ts micro    (coordinator CPU per member / per generation, message sizes)
 * Prints one JSON object per run on stdout and a markdown table at the end.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { decodeFrame } from "../../src/train/distributed/codec.ts";
import { freePort, killAll, natsServerBinary, startNatsServer, startWorker, type NatsServer, type WorkerProcess } from "../support/nats.ts";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const args = process.argv.slice(3);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const POP = flag("--population", "16");
const STEPS = flag("--max-steps", "100");
const G = Number(flag("--generations", "5"));
const SEED = "11";
const base = ["--env", "ant", "--agent", "nm-hebb", "--population", POP, "--max-steps", STEPS, "--seed", SEED, "--generations", String(G)];
const root = mkdtempSync(join(tmpdir(), "nats-measure-"));
const log = (m: string) => process.stderr.write(`[measure] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");

type Row = Record<string, number>;
const readRows = (dir: string): Row[] =>
  existsSync(join(dir, "metrics.jsonl")) ? readFileSync(join(dir, "metrics.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Row) : [];
const comparable = (rows: Row[]) =>
  rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !["wall_s", "steps_per_s", "sim_seconds_per_wall_second", "elapsed_s"].includes(k) && !k.startsWith("pool_")))));
const paramsFile = (dir: string) => readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith("params-") && f.endsWith(".bin"))!));
const sum = (rows: Row[], k: string) => rows.reduce((n, r) => n + (r[k] ?? 0), 0);
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

interface Coordinator {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}
function coordinator(extra: string[], launcher: string[] = []): Coordinator {
  const cmd = [...launcher, process.execPath, bin, "train", ...extra];
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  return { child, done: new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr }))) };
}

async function waitRows(dir: string, n: number, extraMs = 0): Promise<void> {
  while (readRows(dir).length < n) await sleep(20);
  await sleep(extraMs);
}

function localRun(name: string, workers = 1): string {
  const out = join(root, name);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [bin, "train", ...base, "--workers", String(workers), "--out", out, "--json"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  log(`local run (${workers} thread) ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

async function withWorkers<T>(srv: NatsServer, n: number, run: string, fn: (ws: WorkerProcess[]) => Promise<T>): Promise<T> {
  const ws = Array.from({ length: n }, () => startWorker(srv.url, ["--run", run]));
  try {
    await Promise.all(ws.map((w) => w.waitFor(/waiting for run/, 120_000)));
    return await fn(ws);
  } finally {
    killAll(ws);
  }
}

async function equality(): Promise<void> {
  const srv = await startNatsServer();
  try {
    const local = localRun("local");
    const out = join(root, "nats3");
    await withWorkers(srv, 3, "equal", async () => {
      const c = coordinator([...base, "--out", out, "--nats", srv.url, "--run-id", "equal", "--json"]);
      const r = await c.done;
      if (r.code !== 0) throw new Error(r.stderr);
    });
    const a = paramsFile(local);
    const b = paramsFile(out);
    const cmp = spawnSync("cmp", [join(local, readdirSync(local).find((f) => f.endsWith(".bin"))!), join(out, readdirSync(out).find((f) => f.endsWith(".bin"))!)], { encoding: "utf8" });
    const rowsEqual = JSON.stringify(comparable(readRows(local))) === JSON.stringify(comparable(readRows(out)));
    console.log(JSON.stringify({ kind: "equality", generations: G, population: POP, max_steps: STEPS, param_bytes: a.length, params_identical: a.equals(b), cmp_exit: cmp.status, metrics_identical: rowsEqual, load: load() }));
  } finally {
    await srv.stop();
  }
}

interface FaultResult {
  fault: string;
  reissued: number;
  backups: number;
  duplicates: number;
  lost_workers: number;
  /** Members the resumed coordinator took over from the workers (evaluated for the killed one). */
  adopted?: number;
  generations_present: number;
  generations_lost: number;
  params_identical: boolean;
  metrics_identical: boolean;
  wall_s: number;
}

async function faults(): Promise<void> {
  const srv = await startNatsServer();
  const reference = localRun("reference");
  const results: FaultResult[] = [];
  const finish = (fault: string, out: string, t0: number, extra: Partial<FaultResult> = {}) => {
    const rows = readRows(out);
    const gens = new Set(rows.map((r) => r.generation));
    const r: FaultResult = {
      fault,
      reissued: sum(rows, "pool_reissued"),
      backups: sum(rows, "pool_backups"),
      duplicates: sum(rows, "pool_duplicates"),
      lost_workers: sum(rows, "pool_lost_workers"),
      generations_present: gens.size,
      generations_lost: G - gens.size,
      params_identical: paramsFile(out).equals(paramsFile(reference)),
      metrics_identical: JSON.stringify(comparable(rows)) === JSON.stringify(comparable(readRows(reference))),
      wall_s: (Date.now() - t0) / 1000,
      ...extra,
    };
    console.log(JSON.stringify(r));
    results.push(r);
  };
  const timeoutS = Number(flag("--timeout", "5"));
  const timeout = ["--nats-timeout", String(timeoutS)];
  try {
    const hangS = 2 * timeoutS + 2;
    for (const fault of ["none", "worker SIGKILL", `worker SIGSTOP (hung ${hangS} s)`, "coordinator SIGKILL + resume", "nats-server restart", "duplicate results"]) {
      const run = fault.replace(/[^a-z]+/gi, "-").replace(/-$/, "");
      const out = join(root, run);
      const t0 = Date.now();
      let extra: Partial<FaultResult> = {};
      await withWorkers(srv, 3, run, async (ws) => {
        const start = () => coordinator([...base, "--out", out, "--nats", srv.url, "--run-id", run, ...timeout, "--json"]);
        if (fault === "duplicate results") {
          const spy = await connect({ servers: srv.url, noEcho: true });
          let copies = 0;
          spy.subscribe(`spikeloco.${run}.up`, {
            callback: (_e, msg) => {
              if (decodeFrame<{ t: string }>(msg.data).header.t !== "result") return;
              spy.publish(`spikeloco.${run}.up`, msg.data);
              copies += 1;
            },
          });
          const r = await start().done;
          if (r.code !== 0) throw new Error(r.stderr);
          await spy.close();
          extra = { duplicates: copies };
          return;
        }
        const c = start();
        if (fault !== "none") await waitRows(out, 2, 400); // mid generation 2
        if (fault === "worker SIGKILL") ws[0].child.kill("SIGKILL");
        if (fault.startsWith("worker SIGSTOP")) {
          ws[1].child.kill("SIGSTOP");
          setTimeout(() => ws[1].child.kill("SIGCONT"), hangS * 1000);
        }
        if (fault === "nats-server restart") await srv.restart(1000);
        if (fault.startsWith("coordinator SIGKILL")) {
          const before = readRows(out);
          c.child.kill("SIGKILL");
          await c.done;
          const r = await coordinator(["--resume", out, "--nats", srv.url, "--run-id", run, ...timeout, "--generations", String(G), "--json"]).done;
          if (r.code !== 0) throw new Error(r.stderr);
          const pool = (JSON.parse(r.stdout) as { nats: { pool: Record<string, number> } }).nats.pool;
          extra = { reissued: sum(before, "pool_reissued") + pool.reissued, duplicates: sum(before, "pool_duplicates") + pool.duplicates, adopted: pool.adopted, lost_workers: sum(before, "pool_lost_workers") + pool.lostWorkers };
          return;
        }
        const r = await c.done;
        if (r.code !== 0) throw new Error(r.stderr);
      });
      finish(fault, out, t0, extra);
    }
  } finally {
    await srv.stop();
  }
  console.log(`\n(worker timeout ${timeoutS} s; ${G} generations x ${POP} members, ${STEPS} steps)`);
  console.log("| fault injected | members re-issued | backups | duplicates ignored | workers timed out | adopted after resume | generations lost | params identical | metrics identical | wall s |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results) console.log(`| ${r.fault} | ${r.reissued} | ${r.backups} | ${r.duplicates} | ${r.lost_workers} | ${r.adopted ?? "-"} | ${r.generations_lost} | ${r.params_identical ? "yes" : "NO"} | ${r.metrics_identical ? "yes" : "NO"} | ${r.wall_s.toFixed(1)} |`);
}

interface ScaleResult {
  setting: string;
  workers: number;
  gen_s: number;
  member_ms: number;
  wire_bytes_per_gen: number;
  coordinator_bytes_per_gen: number;
  params_identical: boolean;
  load: string;
}

/** One NATS run with n workers; generation time and bytes from generations 2..G-2 (no warm-up, no center evaluation). */
async function scaledRun(
  url: string,
  varz: () => Promise<{ in_bytes: number; out_bytes: number }>,
  n: number,
  run: string,
  reference: string,
  launchers: string[][] = [[]],
  coordLauncher: string[] = [],
): Promise<ScaleResult> {
  const out = join(root, run);
  const ws = Array.from({ length: n }, (_, i) => startWorker(url, ["--run", run], launchers[i % launchers.length]));
  try {
    await Promise.all(ws.map((w) => w.waitFor(/waiting for run/, 120_000)));
    const c = coordinator([...base, "--out", out, "--nats", url, "--run-id", run, "--json"], coordLauncher);
    const marks: Array<{ in_bytes: number; out_bytes: number }> = [];
    for (let rowsSeen = 2; rowsSeen <= G - 1; rowsSeen++) {
      await waitRows(out, rowsSeen);
      marks.push(await varz());
    }
    const r = await c.done;
    if (r.code !== 0) throw new Error(r.stderr);
    const rows = readRows(out).slice(2, G - 1);
    const wire = (marks.at(-1)!.in_bytes + marks.at(-1)!.out_bytes - marks[0].in_bytes - marks[0].out_bytes) / (marks.length - 1);
    return {
      setting: `${n} worker process${n > 1 ? "es" : ""}`,
      workers: n,
      gen_s: median(rows.map((x) => x.wall_s)),
      member_ms: median(rows.map((x) => x.pool_member_ms)),
      wire_bytes_per_gen: Math.round(wire),
      coordinator_bytes_per_gen: Math.round(median(rows.map((x) => x.pool_bytes_out + x.pool_bytes_in))),
      params_identical: paramsFile(out).equals(paramsFile(reference)),
      load: load(),
    };
  } finally {
    killAll(ws);
  }
}

function printScaling(results: ScaleResult[]): void {
  const byN = new Map<number, ScaleResult[]>();
  for (const r of results) byN.set(r.workers, [...(byN.get(r.workers) ?? []), r]);
  const t1 = median((byN.get(1) ?? results).map((r) => r.gen_s));
  console.log("\n| setting | runs | generation s (median) | speed-up vs 1 | efficiency | member ms | bytes on the wire / generation | coordinator bytes / generation | params identical |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const [n, rs] of byN) {
    const g = median(rs.map((r) => r.gen_s));
    console.log(`| ${rs[0].setting} | ${rs.length} | ${g.toFixed(2)} | ${(t1 / g).toFixed(2)} | ${((t1 / g / n) * 100).toFixed(0)}% | ${median(rs.map((r) => r.member_ms)).toFixed(0)} | ${median(rs.map((r) => r.wire_bytes_per_gen))} | ${median(rs.map((r) => r.coordinator_bytes_per_gen))} | ${rs.every((r) => r.params_identical) ? "yes" : "NO"} |`);
  }
}

async function scaling(): Promise<void> {
  const counts = flag("--workers", "1,2,4").split(",").map(Number);
  const repeat = Number(flag("--repeat", "2"));
  const srv = await startNatsServer();
  const results: ScaleResult[] = [];
  try {
    const reference = localRun("reference");
    const order = Array.from({ length: repeat }, (_, i) => (i % 2 ? counts.slice().reverse() : counts)).flat();
    for (const [i, n] of order.entries()) {
      const r = await scaledRun(srv.url, () => srv.varz(), n, `scale-${n}-${i}`, reference);
      console.log(JSON.stringify(r));
      results.push(r);
    }
  } finally {
    await srv.stop();
  }
  printScaling(results);
}

/** Two worker hosts and one coordinator + nats-server host as network namespaces on a bridge. */
async function netns(): Promise<void> {
  const sh = (cmd: string) => {
    const r = spawnSync("bash", ["-c", cmd], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  const hosts = ["spkc", "spkw1", "spkw2"];
  const ip = (i: number) => `10.77.0.${i + 1}`;
  const teardown = () => {
    for (const h of hosts) spawnSync("ip", ["netns", "del", h]);
    spawnSync("ip", ["link", "del", "spkbr0"]);
  };
  teardown();
  sh("ip link add spkbr0 type bridge && ip link set spkbr0 up");
  hosts.forEach((h, i) => {
    sh(`ip netns add ${h} && ip link add ${h}-v type veth peer name eth0 netns ${h} && ip link set ${h}-v master spkbr0 up`);
    sh(`ip netns exec ${h} ip addr add ${ip(i)}/24 dev eth0 && ip netns exec ${h} ip link set eth0 up && ip netns exec ${h} ip link set lo up`);
  });
  const delay = flag("--delay", "");
  if (delay) for (const h of hosts) sh(`ip netns exec ${h} tc qdisc add dev eth0 root netem delay ${delay}`);
  const port = await freePort();
  const mon = await freePort();
  const server = spawn("ip", ["netns", "exec", "spkc", natsServerBinary(), "-a", ip(0), "-p", String(port), "-m", String(mon)], { stdio: "ignore" });
  const varz = async () => {
    const r = spawnSync("ip", ["netns", "exec", "spkc", process.execPath, "-e", `fetch("http://${ip(0)}:${mon}/varz").then(r=>r.json()).then(j=>console.log(JSON.stringify({in_bytes:j.in_bytes,out_bytes:j.out_bytes})))`], { encoding: "utf8" });
    return JSON.parse(r.stdout) as { in_bytes: number; out_bytes: number };
  };
  const results: ScaleResult[] = [];
  try {
    await sleep(500);
    const url = `nats://${ip(0)}:${port}`;
    const reference = localRun("reference");
    for (const [i, n] of [1, 2, 2, 1].entries()) {
      const launchers = n === 1 ? [["ip", "netns", "exec", "spkw1"]] : [["ip", "netns", "exec", "spkw1"], ["ip", "netns", "exec", "spkw2"]];
      const r = await scaledRun(url, varz, n, `netns-${n}-${i}`, reference, launchers, ["ip", "netns", "exec", "spkc"]);
      r.setting = n === 1 ? "1 host (netns) x 1 worker" : "2 hosts (netns) x 1 worker";
      console.log(JSON.stringify(r));
      results.push(r);
    }
  } finally {
    server.kill("SIGTERM");
    await sleep(300);
    teardown();
  }
  printScaling(results);
}

/** Coordinator costs without the network: per-member scheduling + codec, per-generation update, hashing. */
async function micro(): Promise<void> {
  const { Scheduler } = await import("../../src/train/distributed/scheduler.ts");
  const { encodeResult, decodeUp, encodeHeartbeat } = await import("../../src/train/distributed/protocol.ts");
  const { encodeEvalState, encodeReplica, replay, decodeReplica } = await import("../../src/train/distributed/replica.ts");
  const { hashBytes } = await import("../../src/train/distributed/codec.ts");
  const { createSearcher } = await import("../../src/train/es/index.ts");
  const { RunningNormalizer, ObsStats } = await import("../../src/policy/normalizer.ts");
  const dim = 12937;
  const obsDim = 31;
  const out: Record<string, number | string> = { load: load() };
  for (const [workers, pop] of [[100, 1000], [1000, 1000], [1000, 10000]]) {
    const s = new Scheduler({ workerTimeoutMs: 10_000, backupFactor: 4, backupMinMs: 20_000 });
    for (let w = 0; w < workers; w++) s.heartbeat({ worker: `w${w}`, host: "h", cores: 1, seq: 0, running: [] }, 0);
    const stats = new ObsStats(obsDim);
    stats.push(new Float64Array(obsDim).fill(1));
    const member = { index: 0, return: 1.5, steps: 300, simSeconds: 15, metrics: { distance: 1, forward_speed: 0.1, episode_steps: 300, fall_rate: 0, term_forward: 1, term_healthy: 1, term_ctrl: -1, term_contact: 0 }, obsStats: stats.toJSON() };
    const resultBytes = encodeResult("w1", "job", 0, 12.3, member);
    const hbBytes = encodeHeartbeat({ t: "hb", worker: "vm-12345-abcd", host: "vm", pid: 12345, cores: 8, session: "0123456789ab", seq: 42, running: Array.from({ length: 8 }, (_, i) => `3-0123456789abcdef/${i}`), bytesIn: 123456, bytesOut: 654321 });
    let perMember = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      s.startJob(`job${rep}`, pop);
      const queue: Array<[number, string]> = [];
      for (const a of s.assign(1)) for (const p of a.positions) queue.push([p, a.worker]);
      for (let q = 0; q < queue.length; q++) {
        const [pos, w] = queue[q];
        decodeUp(resultBytes);
        s.result(w, `job${rep}`, pos, 10);
        for (const a of s.assign(2, w)) for (const p of a.positions) queue.push([p, a.worker]);
      }
      perMember = Math.min(perMember, ((performance.now() - t0) / pop) * 1000);
    }
    out[`sched_us_per_member_${workers}w_${pop}pop`] = Number(perMember.toFixed(2));
    const t1 = performance.now();
    for (let i = 0; i < workers; i++) {
      decodeUp(hbBytes);
      s.heartbeat({ worker: `w${i}`, host: "h", cores: 1, seq: 0, running: [] }, 3);
    }
    out[`heartbeat_round_ms_${workers}w`] = Number((performance.now() - t1).toFixed(3));
    out.result_message_bytes = resultBytes.length;
    out.heartbeat_message_bytes = hbBytes.length;
  }
  for (const pop of [32, 1000]) {
    const searcher = createSearcher("es", new Float32Array(dim), { popSize: pop, sigma: 0.04, lr: 0.02, seed: 1, weightDecay: 0.005 });
    const normalizer = new RunningNormalizer(obsDim);
    const fitness = Float64Array.from({ length: pop }, (_, i) => Math.sin(i));
    replay({ searcher, normalizer }, fitness, undefined); // warm-up
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      replay({ searcher, normalizer }, fitness, undefined);
      best = Math.min(best, performance.now() - t0);
    }
    out[`update_ms_dim${dim}_pop${pop}`] = Number(best.toFixed(1));
  }
  const searcher = createSearcher("es", new Float32Array(dim).fill(0.1), { popSize: 32, sigma: 0.04, lr: 0.02, seed: 1 });
  const normalizer = new RunningNormalizer(obsDim);
  for (let i = 0; i < 3; i++) hashBytes(encodeReplica({ searcher: searcher.state(), normalizer: normalizer.state() })); // warm-up
  const t2 = performance.now();
  const ev = encodeEvalState({ generation: 3, center: searcher.center, sigma: searcher.sigma, normalizer: { shift: normalizer.shift, scale: normalizer.scale } });
  hashBytes(ev);
  const rep = encodeReplica({ searcher: searcher.state(), normalizer: normalizer.state() });
  hashBytes(rep);
  out.state_and_replica_hash_ms = Number((performance.now() - t2).toFixed(2));
  out.eval_state_bytes = ev.length;
  out.replica_bytes = rep.length;
  const t3 = performance.now();
  decodeReplica(rep, { format: "spikeloco-nats-run/1", run: "x", evaluator: "", config: {}, dim, obsDim, searcher: { algo: "es", options: { popSize: 32, sigma: 0.04, lr: 0.02, seed: 1 } }, versions: {} });
  out.replica_decode_ms = Number((performance.now() - t3).toFixed(2));
  console.log(JSON.stringify(out));
}

const what = process.argv[2];
log(`load ${load()}; work in ${root}`);
if (what === "equality") await equality();
else if (what === "faults") await faults();
else if (what === "scaling") await scaling();
else if (what === "netns") await netns();
else if (what === "micro") await micro();
else throw new Error("usage: measure.ts equality|faults|scaling|netns");
log(`load ${load()}`);
