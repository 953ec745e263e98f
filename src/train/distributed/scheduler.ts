/**
 * Who evaluates which member (pure bookkeeping, no I/O; the clock is passed in).
 * Workers are known from their heartbeats (cores, the last task batch they received, what they hold).
 * A member is leased to a worker and stays pending until its first result arrives; later results for it
 * are duplicates and are ignored, so every member's return is counted exactly once. A member is re-issued
 * when its worker stops heartbeating (killed, hung, cut off) or reports a batch as received without the
 * member in it (a lost message); when nothing is left to hand out, idle workers get a backup copy of a
 * member that has run far longer than the job's median (stragglers, a hung thread).
 */
export interface SchedulerOptions {
  /** A worker silent for this long is dropped and its members re-issued. */
  workerTimeoutMs: number;
  /** Backup copy of a member running longer than factor x the median member time (and backupMinMs). */
  backupFactor: number;
  backupMinMs: number;
}

export interface Assignment {
  worker: string;
  seq: number;
  positions: number[];
}

interface Lease {
  worker: string;
  seq: number;
  at: number;
}

interface WorkerEntry {
  id: string;
  host: string;
  cores: number;
  lastSeen: number;
  seqSent: number;
  /** Members of other (finished) jobs still occupying its threads, as of its last heartbeat. */
  staleBusy: number;
  leases: Set<number>;
}

interface Job {
  key: string;
  n: number;
  done: Uint8Array;
  remaining: number;
  /** Members waiting for a worker: re-issued ones first (`retry`), then `pending` from `head` on; `queued` says which entries are live. */
  pending: number[];
  head: number;
  retry: number[];
  queued: Uint8Array;
  leases: Map<number, Lease[]>;
  durations: number[];
}

export interface SchedulerCounters {
  reissued: number;
  backups: number;
  duplicates: number;
  adopted: number;
  lostWorkers: number;
  joinedWorkers: number;
}

export interface HeartbeatInfo {
  worker: string;
  host: string;
  cores: number;
  /** Last batch sequence number this worker received from us (0 if from another coordinator session). */
  seq: number;
  running: string[];
}

export class Scheduler {
  readonly workers = new Map<string, WorkerEntry>();
  readonly counters: SchedulerCounters = { reissued: 0, backups: 0, duplicates: 0, adopted: 0, lostWorkers: 0, joinedWorkers: 0 };
  private job: Job | null = null;
  private lastMedianMs = 0;

  constructor(private readonly options: SchedulerOptions) {}

  get jobKey(): string | null {
    return this.job?.key ?? null;
  }

  startJob(key: string, n: number): void {
    if (this.job && this.job.durations.length > 0) this.lastMedianMs = median(this.job.durations);
    this.job = { key, n, done: new Uint8Array(n), remaining: n, pending: Array.from({ length: n }, (_, i) => i), head: 0, retry: [], queued: new Uint8Array(n).fill(1), leases: new Map(), durations: [] };
    for (const w of this.workers.values()) w.leases.clear();
  }

  finished(): boolean {
    return this.job !== null && this.job.remaining === 0;
  }

  /** Returns true when the heartbeat comes from a worker not known before. */
  heartbeat(hb: HeartbeatInfo, now: number): boolean {
    let w = this.workers.get(hb.worker);
    const joined = !w;
    if (!w) {
      w = { id: hb.worker, host: hb.host, cores: hb.cores, lastSeen: now, seqSent: 0, staleBusy: 0, leases: new Set() };
      this.workers.set(hb.worker, w);
      this.counters.joinedWorkers += 1;
    }
    w.lastSeen = now;
    w.cores = hb.cores;
    const job = this.job;
    const mine = new Set<number>();
    let stale = 0;
    for (const key of hb.running) {
      const slash = key.lastIndexOf("/");
      if (job && key.slice(0, slash) === job.key) mine.add(Number(key.slice(slash + 1)));
      else stale += 1;
    }
    w.staleBusy = stale;
    if (!job) return joined;
    for (const pos of [...w.leases]) {
      if (mine.has(pos)) continue;
      const lease = job.leases.get(pos)?.find((l) => l.worker === w.id);
      // Received (seq acknowledged) but neither queued, running nor answered: the task or its result was lost.
      if (!lease || hb.seq >= lease.seq) this.dropLease(job, w, pos, true);
    }
    for (const pos of mine) {
      if (w.leases.has(pos) || pos >= job.n || job.done[pos]) continue;
      // Work handed out by an earlier coordinator of this run (same generation, same state): keep it.
      this.addLease(job, w, pos, 0, now);
      job.queued[pos] = 0;
      this.counters.adopted += 1;
    }
    return joined;
  }

  /** "accepted" for the first result of a member of the current job, otherwise "duplicate". */
  result(worker: string, jobKey: string, pos: number, ms: number): "accepted" | "duplicate" {
    const job = this.job;
    const w = this.workers.get(worker);
    if (!job || jobKey !== job.key || pos < 0 || pos >= job.n) {
      this.counters.duplicates += 1;
      return "duplicate";
    }
    if (w) this.dropLease(job, w, pos, false);
    if (job.done[pos]) {
      this.counters.duplicates += 1;
      return "duplicate";
    }
    job.done[pos] = 1;
    job.remaining -= 1;
    job.durations.push(ms);
    job.queued[pos] = 0; // its queue entry, if any, is skipped
    return "accepted";
  }

  /** Drop workers silent for longer than the timeout; their members go back to the queue. */
  expire(now: number): string[] {
    const lost: string[] = [];
    for (const w of [...this.workers.values()]) {
      if (now - w.lastSeen <= this.options.workerTimeoutMs) continue;
      if (this.job) for (const pos of [...w.leases]) this.dropLease(this.job, w, pos, true);
      this.workers.delete(w.id);
      this.counters.lostWorkers += 1;
      lost.push(w.id);
    }
    return lost;
  }

  /** After this process was cut off from the server itself: nobody could reach us, so nobody timed out. */
  forgive(now: number): void {
    for (const w of this.workers.values()) w.lastSeen = now;
  }

  /**
   * Hand pending members to workers with free cores (only `worker`, when given: the one that just
   * answered, which keeps the per-result cost constant); a full pass also gives idle workers backups
   * of stragglers.
   */
  assign(now: number, worker?: string): Assignment[] {
    const job = this.job;
    if (!job || job.remaining === 0) return [];
    const out = new Map<string, Assignment>();
    const take = (w: WorkerEntry, pos: number) => {
      let a = out.get(w.id);
      if (!a) {
        a = { worker: w.id, seq: ++w.seqSent, positions: [] };
        out.set(w.id, a);
      }
      a.positions.push(pos);
      job.queued[pos] = 0;
      this.addLease(job, w, pos, a.seq, now);
    };
    const live = (pos: number) => job.queued[pos] === 1 && job.done[pos] === 0;
    const nextPending = (): number | undefined => {
      while (job.retry.length > 0) {
        const pos = job.retry.pop()!;
        if (live(pos)) return pos;
      }
      while (job.head < job.pending.length) {
        const pos = job.pending[job.head++]!;
        if (live(pos)) return pos;
      }
      return undefined;
    };
    const free = (w: WorkerEntry) => w.cores - w.leases.size - w.staleBusy;
    const one = worker === undefined ? undefined : this.workers.get(worker);
    const workers = worker === undefined ? [...this.workers.values()] : one ? [one] : [];
    for (const w of workers) {
      while (free(w) > 0) {
        const pos = nextPending();
        if (pos === undefined) break;
        take(w, pos);
      }
    }
    while (job.retry.length > 0 && !live(job.retry[job.retry.length - 1]!)) job.retry.pop();
    while (job.head < job.pending.length && !live(job.pending[job.head]!)) job.head++;
    if (worker === undefined && job.retry.length === 0 && job.head === job.pending.length) {
      const med = job.durations.length > 0 ? median(job.durations) : this.lastMedianMs;
      const limit = Math.max(this.options.backupMinMs, this.options.backupFactor * med);
      const slow = [...job.leases.entries()]
        .filter(([pos, ls]) => !job.done[pos] && ls.length === 1 && now - ls[0]!.at > limit)
        .sort((a, b) => a[1][0]!.at - b[1][0]!.at);
      for (const [pos, ls] of slow) {
        const w = workers.find((x) => free(x) > 0 && x.id !== ls[0]!.worker);
        if (!w) break;
        take(w, pos);
        this.counters.backups += 1;
      }
    }
    return [...out.values()];
  }

  /** Members leased and not yet answered. */
  inFlight(): number {
    if (!this.job) return 0;
    let n = 0;
    for (const [pos, ls] of this.job.leases) if (!this.job.done[pos] && ls.length > 0) n += 1;
    return n;
  }

  perWorker(): Array<{ id: string; cores: number; inFlight: number }> {
    return [...this.workers.values()].map((w) => ({ id: w.id, cores: w.cores, inFlight: w.leases.size }));
  }

  cores(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.cores;
    return n;
  }

  medianMs(): number {
    return this.job && this.job.durations.length > 0 ? median(this.job.durations) : this.lastMedianMs;
  }

  private addLease(job: Job, w: WorkerEntry, pos: number, seq: number, now: number): void {
    w.leases.add(pos);
    const ls = job.leases.get(pos) ?? [];
    ls.push({ worker: w.id, seq, at: now });
    job.leases.set(pos, ls);
  }

  /** Remove w's lease on pos; `requeue`: the member goes back to the queue if nobody else holds it. */
  private dropLease(job: Job, w: WorkerEntry, pos: number, requeue: boolean): void {
    w.leases.delete(pos);
    const ls = (job.leases.get(pos) ?? []).filter((l) => l.worker !== w.id);
    if (ls.length > 0) job.leases.set(pos, ls);
    else job.leases.delete(pos);
    if (requeue && !job.done[pos] && ls.length === 0 && !job.queued[pos]) {
      job.retry.push(pos);
      job.queued[pos] = 1;
      this.counters.reissued += 1;
    }
  }
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
