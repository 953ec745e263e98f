/**
 * `spikeloco worker`: joins a run announced on the NATS server (any run, or the one named) and evaluates
 * the members the coordinator hands it on `cores` threads (the LocalPool). It holds a replica of the
 * searcher and normaliser and steps it each generation with the returns broadcast in the gen header, so
 * per generation only that header, the tasks (seeds, signs) and the returns cross the network; it fetches
 * the replica (or the evaluation state) by hash only when it joins late or its replay disagrees.
 * Heartbeats list what it holds, so the coordinator can tell lost work from slow work.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { collectVersions } from "../../policy/versions.ts";
import type { ObsStatsData } from "../es/problem.ts";
import type { MemberTask } from "../fitness.ts";
import { LocalPool, type EvalState } from "../pool.ts";
import { decodeFrame, hashBytes, json } from "./codec.ts";
import { encodeFailure, encodeHeartbeat, encodeResult, resolveModule, type Announce, type GenHeader, type Heartbeat, type RunDescription, type TaskBatch } from "./protocol.ts";
import { decodeEvalState, decodeReplica, evalStateHash, replay, replicaEvalState, type Replica } from "./replica.ts";
import { ANY_ANNOUNCE, subjectsFor, token } from "./subjects.ts";

export interface WorkerOptions {
  connection: NatsConnection;
  cores: number;
  /** Serve only this run (default: whichever run announces itself first). */
  run?: string | undefined;
  /** Exit once no run has needed this worker for this long (default: never). */
  idleExitMs?: number | undefined;
  signal?: AbortSignal | undefined;
  log: (message: string) => void;
}

export interface WorkerSummary {
  worker: string;
  cores: number;
  runs: string[];
  members: number;
  replays: number;
  fetches: number;
  fetched_bytes: number;
  stopped_by: "signal" | "idle";
}

interface Queued {
  key: string;
  job: string;
  generation: number;
  state: string;
  replica?: string | undefined;
  pos: number;
  task: MemberTask;
}

interface Tell {
  state: string;
  fitness: Float64Array;
  obs?: ObsStatsData | undefined;
}

const FETCH_TIMEOUT_MS = 10_000;

export async function runWorker(o: WorkerOptions): Promise<WorkerSummary> {
  const id = `${token(hostname())}-${process.pid}-${randomBytes(2).toString("hex")}`;
  const summary: WorkerSummary = { worker: id, cores: o.cores, runs: [], members: 0, replays: 0, fetches: 0, fetched_bytes: 0, stopped_by: "signal" };
  const nc = o.connection;
  let session: RunSession | null = null;
  let joining = false;
  let idleSince = Date.now();

  const announceSub = nc.subscribe(o.run ? subjectsFor(o.run).announce : ANY_ANNOUNCE, {
    callback: (err, msg) => {
      if (err) return;
      const a = json.decode<Announce>(msg.data);
      if (a.t === "bye") {
        if (session?.run === a.run && session.coordinator === a.session) {
          o.log(`run ${a.run} ended; waiting for work`);
          void leave();
        }
        return;
      }
      if (session && session.run === a.run) {
        session.heard(a);
        return;
      }
      const silent = !session || Date.now() - session.lastHeard > session.timeoutMs;
      if (silent && !joining) void join(a);
    },
  });

  async function leave(): Promise<void> {
    const s = session;
    session = null;
    idleSince = Date.now();
    if (s) await s.close();
  }

  async function join(a: Announce): Promise<void> {
    joining = true;
    try {
      if (session) await leave();
      const s = new RunSession(nc, id, o.cores, a, summary, o.log);
      await s.start();
      session = s;
      if (!summary.runs.includes(a.run)) summary.runs.push(a.run);
      o.log(`worker ${id}: joined run ${a.run} with ${o.cores} cores`);
    } catch (err) {
      o.log(`worker ${id}: could not join run ${a.run}: ${(err as Error).message}`);
    } finally {
      joining = false;
    }
  }

  o.log(`worker ${id}: ${o.cores} cores, waiting for ${o.run ? `run ${o.run}` : "a run"} to announce itself`);
  const stoppedBy = await new Promise<"signal" | "idle">((resolve) => {
    if (o.signal?.aborted) return resolve("signal");
    o.signal?.addEventListener("abort", () => resolve("signal"), { once: true });
    if (o.idleExitMs !== undefined) {
      const idle = o.idleExitMs;
      const timer = setInterval(() => {
        const quiet = session ? Date.now() - session.lastHeard > idle && session.busy() === 0 : Date.now() - idleSince > idle;
        if (quiet && !joining) {
          clearInterval(timer);
          resolve("idle");
        }
      }, 200);
      o.signal?.addEventListener("abort", () => clearInterval(timer), { once: true });
    }
  });
  summary.stopped_by = stoppedBy;
  announceSub.unsubscribe();
  await leave();
  return summary;
}

/** Membership in one run: its evaluator threads, replica, task queue and heartbeat. */
class RunSession {
  readonly run: string;
  coordinator: string;
  lastHeard = Date.now();
  timeoutMs: number;
  private hbMs: number;
  private readonly subjects: ReturnType<typeof subjectsFor>;
  private desc!: RunDescription;
  private pool!: LocalPool;
  private readonly subs: Subscription[] = [];
  private hbTimer: NodeJS.Timeout | null = null;
  private readonly queue: Queued[] = [];
  private readonly running = new Set<string>();
  private active: { hash: string; state: EvalState } | null = null;
  private resolving = false;
  private readonly states = new Map<string, EvalState>();
  private replica: { r: Replica; state: string; generation: number } | null = null;
  private readonly tells = new Map<number, Tell>();
  private latestGeneration = -1;
  private seen = { session: "", seq: 0 };
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly id: string,
    private readonly cores: number,
    a: Announce,
    private readonly summary: WorkerSummary,
    private readonly log: (m: string) => void,
  ) {
    this.run = a.run;
    this.coordinator = a.session;
    this.hbMs = a.hbMs;
    this.timeoutMs = a.timeoutMs;
    this.subjects = subjectsFor(a.run);
    this.descHash = a.desc;
  }

  private readonly descHash: string;

  heard(a: Announce): void {
    this.lastHeard = Date.now();
    this.coordinator = a.session;
    if (a.hbMs !== this.hbMs) {
      this.hbMs = a.hbMs;
      this.timeoutMs = a.timeoutMs;
      this.startHeartbeat();
    }
  }

  busy(): number {
    return this.queue.length + this.running.size;
  }

  async start(): Promise<void> {
    const bytes = await this.fetch(this.descHash);
    this.desc = json.decode<RunDescription>(bytes);
    const mine = collectVersions();
    const differs = Object.keys(this.desc.versions).filter((k) => this.desc.versions[k] !== mine[k]);
    if (differs.length > 0) {
      this.log(`warning: this worker's ${differs.map((k) => `${k} ${mine[k]}`).join(", ")} differ from the coordinator's (${differs.map((k) => this.desc.versions[k]).join(", ")}): results may not be bitwise equal`);
    }
    this.pool = new LocalPool({ evaluatorModule: resolveModule(this.desc.evaluator), config: this.desc.config, dim: this.desc.dim, obsDim: this.desc.obsDim, workers: this.cores });
    this.subs.push(this.nc.subscribe(this.subjects.gen, { callback: (err, msg) => void (err ? undefined : this.onGen(msg.data)) }));
    this.subs.push(this.nc.subscribe(this.subjects.worker(this.id), { callback: (err, msg) => void (err ? undefined : this.onTasks(json.decode<TaskBatch>(msg.data))) }));
    this.startHeartbeat();
    this.heartbeat();
  }

  private startHeartbeat(): void {
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.hbTimer = setInterval(() => this.heartbeat(), this.hbMs);
  }

  private heartbeat(): void {
    if (this.closed) return;
    const s = this.nc.stats();
    const hb: Heartbeat = {
      t: "hb",
      worker: this.id,
      host: hostname(),
      pid: process.pid,
      cores: this.cores,
      session: this.seen.session,
      seq: this.seen.seq,
      running: [...this.running, ...this.queue.map((q) => q.key)],
      bytesIn: s.inBytes,
      bytesOut: s.outBytes,
    };
    this.nc.publish(this.subjects.up, encodeHeartbeat(hb));
  }

  private onGen(data: Uint8Array): void {
    const { header, arrays } = decodeFrame<GenHeader>(data);
    this.latestGeneration = Math.max(this.latestGeneration, header.generation);
    if (header.prev && arrays.fitness) {
      const obs = header.prev.obsCount !== undefined ? { count: header.prev.obsCount, mean: arrays.mean as Float64Array, m2: arrays.m2 as Float64Array } : undefined;
      this.tells.set(header.prev.generation, { state: header.prev.state, fitness: arrays.fitness as Float64Array, obs });
      for (const g of this.tells.keys()) if (g < header.prev.generation - 1) this.tells.delete(g);
    }
    this.advance(header);
    // members of older generations that have not started are no longer needed
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.generation < this.latestGeneration) this.queue.splice(i, 1);
  }

  private onTasks(batch: TaskBatch): void {
    this.seen = batch.session === this.seen.session ? { session: batch.session, seq: Math.max(this.seen.seq, batch.seq) } : { session: batch.session, seq: batch.seq };
    if (batch.generation < this.latestGeneration) return;
    for (const m of batch.members) {
      const key = `${batch.job}/${m.pos}`;
      if (this.running.has(key) || this.queue.some((q) => q.key === key)) continue;
      this.queue.push({ key, job: batch.job, generation: batch.generation, state: batch.state, replica: batch.replica, pos: m.pos, task: m.task });
    }
    this.pump();
  }

  private pump(): void {
    if (this.closed || this.resolving) return;
    if (this.running.size === 0 && this.queue.length > 0 && this.active?.hash !== this.queue[0]!.state) {
      const next = this.queue[0]!;
      this.resolving = true;
      this.resolveState(next.state, next.replica, next.generation)
        .then((state) => {
          this.active = { hash: next.state, state };
        })
        .catch((err: Error) => {
          this.log(`cannot get state ${next.state.slice(0, 12)} of generation ${next.generation}: ${err.message}; dropping its members`);
          for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.state === next.state) this.queue.splice(i, 1);
        })
        .finally(() => {
          this.resolving = false;
          this.pump();
        });
      return;
    }
    while (this.active && this.running.size < this.cores) {
      const at = this.queue.findIndex((q) => q.state === this.active!.hash);
      if (at < 0) break;
      this.evaluate(this.queue.splice(at, 1)[0]!, this.active.state);
    }
    if (this.running.size === 0 && this.queue.length > 0) this.pump();
  }

  private evaluate(q: Queued, state: EvalState): void {
    this.running.add(q.key);
    const started = performance.now();
    this.pool
      .run(state, [q.task])
      .then(([r]) => {
        this.summary.members += 1;
        if (!this.closed) this.nc.publish(this.subjects.up, encodeResult(this.id, q.job, q.pos, performance.now() - started, r!));
      })
      .catch((err: Error) => {
        if (!this.closed) this.nc.publish(this.subjects.up, encodeFailure(this.id, q.job, q.pos, q.task.index, err.message));
      })
      .finally(() => {
        this.running.delete(q.key);
        this.pump();
      });
  }

  /** Step the replica to this generation with the broadcast returns (every generation, busy or not). */
  private advance(header: GenHeader): void {
    const rep = this.replica;
    const tell = this.tells.get(header.generation - 1);
    if (!rep || !tell || rep.generation !== header.generation - 1 || tell.state !== rep.state) return;
    replay(rep.r, tell.fitness, tell.obs);
    const state = replicaEvalState(rep.r);
    rep.state = evalStateHash(state);
    rep.generation = header.generation;
    if (rep.state === header.state) {
      this.summary.replays += 1;
      this.remember(rep.state, state);
    } else {
      this.log(`replayed generation ${header.generation} disagrees with the coordinator's state; fetching it`);
      this.replica = null;
    }
  }

  /** The state a task names: cached (replayed), else the replica by hash, else the state itself by hash. */
  private async resolveState(hash: string, replicaHash: string | undefined, generation: number): Promise<EvalState> {
    const cached = this.states.get(hash);
    if (cached) return cached;
    if (replicaHash && this.desc.searcher) {
      const r = decodeReplica(await this.fetch(replicaHash), this.desc);
      const state = replicaEvalState(r);
      const h = evalStateHash(state);
      if (h === hash) {
        this.replica = { r, state: h, generation };
        return this.remember(hash, state);
      }
    }
    const bytes = await this.fetch(hash);
    if (hashBytes(bytes) !== hash) throw new Error("fetched state does not match its hash");
    return this.remember(hash, decodeEvalState(bytes));
  }

  private remember(hash: string, state: EvalState): EvalState {
    this.states.set(hash, state);
    while (this.states.size > 4) this.states.delete(this.states.keys().next().value!);
    return state;
  }

  /** A blob by hash from the coordinator, in chunks (NATS messages are limited to ~1 MB). */
  private async fetch(hash: string): Promise<Uint8Array> {
    let out: Uint8Array | null = null;
    let offset = 0;
    do {
      const reply = await this.nc.request(this.subjects.blob, json.encode({ hash, offset }), { timeout: FETCH_TIMEOUT_MS });
      const { header, arrays } = decodeFrame<{ missing?: boolean; total: number; offset: number }>(reply.data);
      if (header.missing) throw new Error(`the coordinator no longer holds blob ${hash.slice(0, 12)}`);
      out ??= new Uint8Array(header.total);
      const chunk = arrays.bytes as Uint8Array;
      out.set(chunk, offset);
      offset += chunk.length;
      if (chunk.length === 0) throw new Error("empty blob chunk");
    } while (offset < out.length);
    this.summary.fetches += 1;
    this.summary.fetched_bytes += out.length;
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.hbTimer) clearInterval(this.hbTimer);
    for (const s of this.subs) s.unsubscribe();
    this.queue.length = 0;
    await this.pool?.close();
  }
}

