/**
 * Faults injected into real worker processes and a real nats-server while an in-process coordinator
 * trains (members take 150 ms each so faults land mid-generation). Every run must end with bitwise the
 * parameters and metrics of the fault-free local run, with every generation present once.
 */
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFrame } from "../../src/train/distributed/codec.ts";
import type { PoolStatus } from "../../src/train/distributed/index.ts";
import { killAll, startNatsServer, startWorker, type NatsServer, type WorkerProcess } from "../support/nats.ts";
import { trainSphere, type SphereRun } from "./sphere-rig.ts";

const G = 5;
const sum = (run: SphereRun, key: string) => run.raw.reduce((n, r) => n + ((r[key] as number) ?? 0), 0);

/** The worker process holding members right now (worker ids end in -<pid>-<hex>). */
function busyWorker(status: PoolStatus, procs: WorkerProcess[]): WorkerProcess | undefined {
  const busy = status.perWorker.find((w) => w.inFlight > 0);
  const pid = busy ? Number(busy.id.split("-").at(-2)) : NaN;
  return procs.find((p) => p.child.pid === pid);
}

describe("NATS pool under faults", { timeout: 300_000 }, () => {
  let srv: NatsServer;
  let reference: SphereRun;
  // three workers not pinned to a run: each joins the next run that announces itself once the last one ended
  let procs: WorkerProcess[] = [];
  const workers = async () => {
    for (let i = procs.length - 1; i >= 0; i--) if (procs[i].child.exitCode !== null || procs[i].child.signalCode !== null) procs.splice(i, 1);
    while (procs.length < 3) procs.push(startWorker(srv.url));
    await Promise.all(procs.map((w) => w.waitFor(/waiting for a run/)));
    return procs;
  };
  const expectSameAsReference = (run: SphereRun) => {
    expect(run.params.equals(reference.params)).toBe(true);
    expect(run.rows).toEqual(reference.rows);
    expect(run.raw.map((r) => r.generation)).toEqual(Array.from({ length: G }, (_, g) => g));
  };

  beforeAll(async () => {
    srv = await startNatsServer();
    reference = await trainSphere({ generations: G });
  });
  afterAll(async () => {
    killAll(procs);
    await srv?.stop();
  });

  it("a worker killed (SIGKILL) mid-generation: its members are re-issued after the timeout", async () => {
    const ws = await workers();
    let killedAt = -1;
    const run = await trainSphere({
      generations: G,
      delayMs: 150,
      nats: { url: srv.url, runId: "kill", timeoutMs: 1500 },
      onStatus: (s) => {
        const victim = s.generation === 2 && s.done >= 2 ? busyWorker(s, ws) : undefined;
        if (killedAt < 0 && victim) {
          victim.child.kill("SIGKILL");
          killedAt = s.generation;
        }
      },
    });
    expect(killedAt).toBe(2);
    expectSameAsReference(run);
    expect(run.totals!.lostWorkers).toBe(1);
    expect(run.totals!.reissued).toBeGreaterThanOrEqual(1);
    expect(sum(run, "pool_reissued")).toBeGreaterThanOrEqual(1); // and the metrics rows say so
    expect(run.raw[G - 1].pool_workers).toBe(2);
  });

  it("a hung worker (SIGSTOP) is timed out; when it wakes, its late results are ignored as duplicates", async () => {
    const ws = await workers();
    let stopped = false;
    const run = await trainSphere({
      generations: G,
      delayMs: 150,
      nats: { url: srv.url, runId: "hang", timeoutMs: 1500 },
      onStatus: (s) => {
        const victim = !stopped && s.generation === 1 && s.done >= 2 ? busyWorker(s, ws) : undefined;
        if (victim) {
          stopped = true;
          victim.child.kill("SIGSTOP");
          setTimeout(() => victim.child.kill("SIGCONT"), 2500);
        }
      },
    });
    expect(stopped).toBe(true);
    expectSameAsReference(run);
    expect(run.totals!.lostWorkers).toBeGreaterThanOrEqual(1);
    expect(run.totals!.reissued).toBeGreaterThanOrEqual(1);
    expect(run.totals!.duplicates).toBeGreaterThanOrEqual(1);
  });

  it("duplicate results (every result delivered twice) are ignored and counted", async () => {
    await workers();
    const spy = await connect({ servers: srv.url, noEcho: true });
    let copied = 0;
    spy.subscribe("spikeloco.dup.up", {
      callback: (_err, msg) => {
        if (decodeFrame<{ t: string }>(msg.data).header.t !== "result") return;
        spy.publish("spikeloco.dup.up", msg.data);
        copied += 1;
      },
    });
    try {
      const run = await trainSphere({ generations: G, nats: { url: srv.url, runId: "dup" } });
      expectSameAsReference(run);
      // every copy is a second delivery of a member's result (the spy does not hear its own copies: noEcho)
      // the copies of the last results may land after the run has ended
      expect(run.totals!.duplicates).toBeGreaterThanOrEqual(copied - 2);
      // a member re-issued to a second worker on a loaded machine answers twice as well
      expect(run.totals!.duplicates).toBeLessThanOrEqual(copied + run.totals!.reissued);
      expect(copied).toBeGreaterThanOrEqual(G * 12);
    } finally {
      await spy.close();
    }
  });

  it("a nats-server restart mid-run is survived: clients reconnect and the run completes", async () => {
    await workers();
    let restarted: Promise<void> | null = null;
    const run = await trainSphere({
      generations: G,
      delayMs: 150,
      nats: { url: srv.url, runId: "restart", timeoutMs: 3000 },
      onStatus: (s) => {
        if (!restarted && s.generation === 2 && s.done >= 2) restarted = srv.restart(500);
      },
    });
    expect(restarted).not.toBeNull();
    await restarted;
    expectSameAsReference(run);
  });
});
