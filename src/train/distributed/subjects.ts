/**
 * Subject names, all under `spikeloco.<run>.` so runs sharing a server never see each other's traffic.
 *   announce  coordinator -> everyone, every heartbeat period: run id, run description hash, timing
 *   gen       coordinator -> workers, once per evaluation: state hashes and the previous generation's returns
 *   w.<id>    coordinator -> one worker: member tasks
 *   up        workers -> coordinator: heartbeats and results (one subject, so a worker's messages arrive in order)
 *   blob      request/reply: run description, evaluation state and searcher replica by hash
 */
import { SpikelocoError } from "../../core/errors.ts";

export const PREFIX = "spikeloco";
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function checkRunId(run: string, flag: string): string {
  if (!ID.test(run)) throw new SpikelocoError(`must be 1-64 letters, digits, '-' or '_', got '${run}'`, flag);
  return run;
}

export function subjectsFor(run: string) {
  const base = `${PREFIX}.${run}`;
  return {
    announce: `${base}.announce`,
    gen: `${base}.gen`,
    up: `${base}.up`,
    blob: `${base}.blob`,
    worker: (id: string) => `${base}.w.${id}`,
  };
}

/** Announcements of every run (a worker not pinned to a run listens here and joins one). */
export const ANY_ANNOUNCE = `${PREFIX}.*.announce`;

/** A subject-safe token from free text (host names may hold dots). */
export function token(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40) || "x";
}
