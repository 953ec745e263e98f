/**
 * The coordinator's side of a NATS run: a MemberPool whose members are evaluated by `spikeloco worker`
 * processes anywhere. Per evaluation it broadcasts one small header (generation, state hashes, and the
 * previous generation's returns so workers replay the update themselves), hands members out by worker
 * capacity (scheduler.ts), answers blob requests (run description, evaluation state, replica) by hash,
 * and collects each member's first result. Results are plain MemberResults, so RolloutPool reassembles
 * them exactly as it does for the local pool: same parameters and metrics for any worker count.
 */
import { randomBytes } from "node:crypto";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { collectVersions } from "../../policy/versions.ts";
import type { MemberResult, MemberTask } from "../fitness.ts";
import { aggregate, type EvalState, type MemberPool } from "../pool.ts";
import { encodeFrame, hashBytes, json } from "./codec.ts";
import { decodeUp, type Announce, type GenHeader, type RunDescription, type TaskBatch } from "./protocol.ts";
import { encodeEvalState, encodeReplica, type ReplicaSnapshot } from "./replica.ts";
import { Scheduler, type SchedulerCounters } from "./scheduler.ts";
import { subjectsFor } from "./subjects.ts";

export const BLOB_CHUNK = 256 * 1024;

export interface CoordinatorOptions {
  /** Connected client; the pool owns it from now on (closes it). */
  connection: NatsConnection;
  run: string;
  description: Omit<RunDescription, "format" | "run" | "versions">;
  /** The searcher + normaliser state the current evaluation derives from (lets workers replay updates). */
  snapshot?: (() => ReplicaSnapshot) | undefined;
  /** Seconds of silence after which a worker is dropped and its members re-issued (default 10). */
  workerTimeoutMs?: number | undefined;
  /** Backup copies of members slower than factor x median (default 4; never sooner than twice the worker timeout). */
  backupFactor?: number | undefined;
  onStatus?: ((status: PoolStatus) => void) | undefined;
  log?: ((message: string) => void) | undefined;
}

export interface PoolStatus {
  run: string;
  generation: number;
  workers: number;
  cores: number;
  inFlight: number;
  done: number;
  total: number;
  counters: SchedulerCounters;
  /** Each connected worker: its cores and the members of this evaluation it holds. */
  perWorker: Array<{ id: string; cores: number; inFlight: number }>;
}

interface ActiveJob {
  key: string;
  generation: number;
  tasks: MemberTask[];
  batchBase: Omit<TaskBatch, "seq" | "members">;
  results: Array<MemberResult | undefined>;
  resolve: (r: MemberResult[]) => void;
  reject: (e: Error) => void;
  inFlightMax: number;
  msSum: number;
}

interface TellData {
  generation: number;
  state: string;
  fitness: Float64Array;
  obs?: { count: number; mean: ArrayLike<number>; m2: ArrayLike<number> } | undefined;
}

export class NatsPool implements MemberPool {
  readonly runId: string;
  readonly descHash: string;
  private readonly nc: NatsConnection;
  private readonly subjects: ReturnType<typeof subjectsFor>;
  private readonly scheduler: Scheduler;
  private readonly session = randomBytes(6).toString("hex");
  private readonly hbMs: number;
  private readonly timeoutMs: number;
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly subs: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private job: ActiveJob | null = null;
  private generation = 0;
  private lastPopulation: TellData | null = null;
  private disconnected = false;
  private closed = false;
  private marks = { counters: zeroCounters(), bytesIn: 0, bytesOut: 0 };
  private window = { inFlightMax: 0, msSum: 0, members: 0 };

  constructor(private readonly options: CoordinatorOptions) {
    this.nc = options.connection;
    this.runId = options.run;
    this.subjects = subjectsFor(options.run);
    this.timeoutMs = options.workerTimeoutMs ?? 10_000;
    this.hbMs = Math.max(100, Math.round(this.timeoutMs / 5));
    this.scheduler = new Scheduler({ workerTimeoutMs: this.timeoutMs, backupFactor: options.backupFactor ?? 4, backupMinMs: 2 * this.timeoutMs });
    const desc: RunDescription = { format: "spikeloco-nats-run/1", run: options.run, ...options.description, versions: collectVersions() };
    const descBytes = json.encode(desc);
    this.descHash = hashBytes(descBytes);
    this.blobs.set(this.descHash, descBytes);

    this.subs.push(this.nc.subscribe(this.subjects.up, { callback: (err, msg) => void (err ? undefined : this.onUp(msg.data)) }));
    this.subs.push(
      this.nc.subscribe(this.subjects.blob, {
        callback: (err, msg) => {
          if (err) return;
          const { hash, offset } = json.decode<{ hash: string; offset: number }>(msg.data);
          const blob = this.blobs.get(hash);
          if (!blob) msg.respond(encodeFrame({ missing: true }));
          else msg.respond(encodeFrame({ total: blob.length, offset }, { bytes: blob.subarray(offset, offset + BLOB_CHUNK) }));
        },
      }),
    );
    this.timers.push(setInterval(() => this.announce("announce"), this.hbMs));
    this.timers.push(setInterval(() => this.tick(), Math.max(50, this.hbMs / 2)));
    this.announce("announce");
    void this.watchConnection();
  }

  get capacity(): number {
    return this.scheduler.cores();
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === "disconnect") {
        this.disconnected = true;
        this.log(`nats: disconnected from ${s.server}; reconnecting`);
      } else if (s.type === "reconnect") {
        this.disconnected = false;
        this.scheduler.forgive(Date.now());
        this.log(`nats: reconnected to ${s.server}`);
        this.announce("announce");
      }
    }
  }

  private announce(t: "announce" | "bye"): void {
    if (this.closed && t === "announce") return;
    const a: Announce = { t, run: this.runId, desc: this.descHash, session: this.session, generation: this.generation, hbMs: this.hbMs, timeoutMs: this.timeoutMs };
    this.nc.publish(this.subjects.announce, json.encode(a));
  }

  private putBlob(bytes: Uint8Array): string {
    const hash = hashBytes(bytes);
    this.blobs.delete(hash);
    this.blobs.set(hash, bytes);
    // keep the run description and the newest few states (a late joiner needs only the current ones)
    while (this.blobs.size > 7) {
      const oldest = [...this.blobs.keys()].find((k) => k !== this.descHash)!;
      this.blobs.delete(oldest);
    }
    return hash;
  }

  run(state: EvalState, tasks: MemberTask[]): Promise<MemberResult[]> {
    if (this.job) return Promise.reject(new Error("NatsPool: one evaluation at a time"));
    const stateHash = this.putBlob(encodeEvalState(state));
    const population = tasks.every((t) => t.index >= 0 && t.collectStats);
    const replicaHash = population && this.options.snapshot ? this.putBlob(encodeReplica(this.options.snapshot())) : undefined;
    const key = `${state.generation}-${stateHash.slice(0, 16)}`;
    this.generation = state.generation;

    const header: GenHeader = { t: "gen", generation: state.generation, job: key, state: stateHash, replica: replicaHash };
    const prev = population && this.lastPopulation?.generation === state.generation - 1 ? this.lastPopulation : null;
    this.nc.publish(this.subjects.gen, encodeGen(header, prev));

    return new Promise<MemberResult[]>((resolve, reject) => {
      this.job = {
        key,
        generation: state.generation,
        tasks,
        batchBase: { t: "tasks", job: key, generation: state.generation, state: stateHash, replica: replicaHash, session: this.session },
        results: new Array(tasks.length),
        resolve,
        reject,
        inFlightMax: 0,
        msSum: 0,
      };
      this.scheduler.startJob(key, tasks.length);
      this.pump();
    }).then((results) => {
      if (population) {
        const agg = aggregate(results, tasks.length);
        this.lastPopulation = { generation: state.generation, state: stateHash, fitness: agg.fitness, obs: agg.obsStats };
      }
      return results;
    });
  }

  private pump(worker?: string): void {
    const job = this.job;
    if (!job) return;
    for (const a of this.scheduler.assign(Date.now(), worker)) {
      const batch: TaskBatch = { ...job.batchBase, seq: a.seq, members: a.positions.map((pos) => ({ pos, task: job.tasks[pos]! })) };
      this.nc.publish(this.subjects.worker(a.worker), json.encode(batch));
    }
    if (worker === undefined) job.inFlightMax = Math.max(job.inFlightMax, this.scheduler.inFlight());
  }

  private tick(): void {
    if (this.closed) return;
    if (!this.disconnected) {
      for (const id of this.scheduler.expire(Date.now())) this.log(`worker ${id} timed out (no heartbeat for ${(this.timeoutMs / 1000).toFixed(1)} s); its members are re-issued`);
    }
    this.pump();
    this.options.onStatus?.(this.status());
  }

  status(): PoolStatus {
    const job = this.job;
    return {
      run: this.runId,
      generation: this.generation,
      workers: this.scheduler.workers.size,
      cores: this.scheduler.cores(),
      inFlight: this.scheduler.inFlight(),
      done: job ? job.results.filter((r) => r !== undefined).length : 0,
      total: job ? job.tasks.length : 0,
      counters: { ...this.scheduler.counters },
      perWorker: this.scheduler.perWorker(),
    };
  }

  private onUp(data: Uint8Array): void {
    let msg;
    try {
      msg = decodeUp(data);
    } catch (err) {
      this.log(`ignored a malformed message on ${this.subjects.up}: ${(err as Error).message}`);
      return;
    }
    const now = Date.now();
    if (msg.t === "hb") {
      const hb = msg.hb;
      const joined = this.scheduler.heartbeat({ worker: hb.worker, host: hb.host, cores: hb.cores, seq: hb.session === this.session ? hb.seq : 0, running: hb.running }, now);
      if (joined) this.log(`worker ${hb.worker} joined (${hb.cores} cores on ${hb.host}); ${this.scheduler.workers.size} workers, ${this.scheduler.cores()} cores`);
      this.pump(hb.worker);
      return;
    }
    const r = msg.result;
    const job = this.job;
    if (r.error !== undefined) {
      if (job && r.job === job.key) {
        this.job = null;
        job.reject(new Error(`worker ${r.worker} failed on member ${r.pos}: ${r.error}`));
      }
      return;
    }
    if (this.scheduler.result(r.worker, r.job, r.pos, r.ms) !== "accepted" || !job) return;
    job.results[r.pos] = r.result;
    job.msSum += r.ms;
    if (this.scheduler.finished()) {
      this.job = null;
      this.window.inFlightMax = Math.max(this.window.inFlightMax, job.inFlightMax);
      this.window.msSum += job.msSum;
      this.window.members += job.tasks.length;
      job.resolve(job.results as MemberResult[]);
    } else {
      this.pump(r.worker);
    }
  }

  /** pool_* counters since the previous call (the metrics row of one generation). */
  stats(): Record<string, number> {
    const c = this.scheduler.counters;
    const m = this.marks.counters;
    const s = this.nc.stats();
    const row = {
      pool_workers: this.scheduler.workers.size,
      pool_cores: this.scheduler.cores(),
      pool_in_flight_max: this.window.inFlightMax,
      pool_reissued: c.reissued - m.reissued,
      pool_backups: c.backups - m.backups,
      pool_duplicates: c.duplicates - m.duplicates,
      pool_adopted: c.adopted - m.adopted,
      pool_lost_workers: c.lostWorkers - m.lostWorkers,
      pool_member_ms: this.window.members > 0 ? this.window.msSum / this.window.members : 0,
      pool_bytes_out: s.outBytes - this.marks.bytesOut,
      pool_bytes_in: s.inBytes - this.marks.bytesIn,
    };
    this.marks = { counters: { ...c }, bytesIn: s.inBytes, bytesOut: s.outBytes };
    this.window = { inFlightMax: 0, msSum: 0, members: 0 };
    return row;
  }

  /** Totals over this coordinator's life (the --json summary). */
  totals(): Record<string, number> {
    const s = this.nc.stats();
    return { workers: this.scheduler.workers.size, cores: this.scheduler.cores(), ...this.scheduler.counters, bytes_out: s.outBytes, bytes_in: s.inBytes };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.job?.reject(new Error("NatsPool closed"));
    this.job = null;
    if (!this.nc.isClosed()) {
      this.announce("bye");
      for (const s of this.subs) s.unsubscribe();
      await this.nc.flush().catch(() => undefined);
      await this.nc.close();
    }
  }
}

function zeroCounters(): SchedulerCounters {
  return { reissued: 0, backups: 0, duplicates: 0, adopted: 0, lostWorkers: 0, joinedWorkers: 0 };
}

/** The gen header, carrying the previous generation's returns and merged observation statistics. */
function encodeGen(header: GenHeader, prev: TellData | null): Uint8Array {
  if (!prev) return encodeFrame(header);
  const arrays: Record<string, Float64Array> = { fitness: prev.fitness };
  if (prev.obs) {
    arrays.mean = Float64Array.from(prev.obs.mean);
    arrays.m2 = Float64Array.from(prev.obs.m2);
  }
  return encodeFrame({ ...header, prev: { generation: prev.generation, state: prev.state, obsCount: prev.obs?.count } }, arrays);
}
