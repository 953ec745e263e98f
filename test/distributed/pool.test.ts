import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAll, startNatsServer, startWorker, type NatsServer, type WorkerProcess } from "../support/nats.ts";
import { trainSphere } from "./sphere-rig.ts";

interface Summary {
  members: number;
  replays: number;
  fetches: number;
  fetched_bytes: number;
  runs: string[];
}

async function stopForSummary(w: WorkerProcess): Promise<Summary> {
  w.child.kill("SIGTERM");
  await w.exited();
  return JSON.parse(w.stdout()) as Summary;
}

describe("NATS pool: same results as the local pool", { timeout: 300_000 }, () => {
  let srv: NatsServer;
  const procs: WorkerProcess[] = [];
  beforeAll(async () => {
    srv = await startNatsServer();
  });
  afterAll(async () => {
    killAll(procs);
    await srv?.stop();
  });

  it("3 worker processes give bitwise the local parameters and metrics; workers replay the update instead of downloading it", async () => {
    const workers = [0, 1, 2].map(() => startWorker(srv.url, ["--run", "equal", "--json"]));
    procs.push(...workers);
    await Promise.all(workers.map((w) => w.waitFor(/waiting for run equal/)));
    const local = await trainSphere();
    const remote = await trainSphere({ nats: { url: srv.url, runId: "equal" } });
    expect(remote.params.equals(local.params)).toBe(true);
    expect(remote.rows).toEqual(local.rows);
    expect(remote.raw.map((r) => r.generation)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(remote.raw.every((r) => r.pool_reissued === 0 && r.pool_lost_workers === 0)).toBe(true);
    expect(remote.totals!.joinedWorkers).toBe(3);

    const summaries = await Promise.all(workers.map(stopForSummary));
    // 6 generations x 12 members + 4 center evaluations, each counted once (backups may add a few)
    expect(summaries.reduce((n, s) => n + s.members, 0)).toBeGreaterThanOrEqual(76);
    for (const s of summaries) {
      expect(s.runs).toEqual(["equal"]);
      // generations 1..5 replayed from the broadcast returns; fetched: description, the first replica, center states
      expect(s.replays).toBeGreaterThanOrEqual(4);
      expect(s.fetches).toBeLessThanOrEqual(2 + 4 + 1);
    }
  });

  it("two runs on one server stay apart (subjects namespaced by run id)", async () => {
    const a = startWorker(srv.url, ["--run", "run-a"]);
    const b = startWorker(srv.url, ["--run", "run-b"]);
    procs.push(a, b);
    const [localEs, localPgpe] = [await trainSphere(), await trainSphere({ algo: "pgpe" })];
    const [es, pgpe] = await Promise.all([trainSphere({ nats: { url: srv.url, runId: "run-a" } }), trainSphere({ algo: "pgpe", nats: { url: srv.url, runId: "run-b" } })]);
    expect(es.params.equals(localEs.params)).toBe(true);
    expect(pgpe.params.equals(localPgpe.params)).toBe(true);
    expect(pgpe.rows).toEqual(localPgpe.rows);
    expect(es.totals!.joinedWorkers).toBe(1);
    expect(pgpe.totals!.joinedWorkers).toBe(1);
    expect(a.log()).not.toMatch(/run-b/);
    expect(b.log()).not.toMatch(/run-a/);
  });
});

describe("NATS credentials", { timeout: 300_000 }, () => {
  let srv: NatsServer;
  const procs: WorkerProcess[] = [];
  beforeAll(async () => {
    srv = await startNatsServer({ user: "spk", pass: "s3cret" });
  });
  afterAll(async () => {
    killAll(procs);
    await srv?.stop();
  });

  it("a worker without the password is refused with one line; with it, it serves the run", async () => {
    const bad = startWorker(srv.url, ["--nats-user", "spk", "--nats-password", "wrong"]);
    procs.push(bad);
    expect(await bad.exited()).toBe(2);
    expect(bad.log().trim().split("\n")).toHaveLength(1);
    expect(bad.log()).toMatch(/--nats: cannot connect to nats:\/\/127\.0\.0\.1:\d+: .*(auth|Authorization)/i);

    const good = startWorker(srv.url.replace("nats://", "nats://spk:s3cret@"), ["--run", "auth"]);
    procs.push(good);
    const local = await trainSphere({ generations: 2 });
    const remote = await trainSphere({ generations: 2, nats: { url: srv.url, runId: "auth", user: "spk", pass: "s3cret" } });
    expect(remote.params.equals(local.params)).toBe(true);
    expect(good.log()).not.toMatch(/s3cret/);
  });
});
