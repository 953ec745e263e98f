/**
 * One writer per run folder: a lock file holding the owner's pid and host. A second process gets a
 * one-line SpikelocoError naming the folder and the pid; a lock left by a process that no longer runs
 * (killed, power cut) is stale and taken over.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { SpikelocoError } from "./errors.ts";

export const LOCK_FILE = "spikeloco.lock";

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

export interface DirLock {
  readonly path: string;
  release(): void;
}

const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(path: string): LockInfo | null | "absent" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return "absent";
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return Number.isInteger(info.pid) && typeof info.host === "string" ? info : null;
  } catch {
    return null;
  }
}

/** The live process holding `dir`, or null (no lock, or a stale one). */
export function lockHolder(dir: string): LockInfo | null {
  const path = join(dir, LOCK_FILE);
  const info = readLock(path);
  if (info === "absent") return null;
  if (info === null) {
    // half-written by a process that is writing it right now, or garbage left long ago
    const age = Date.now() - (statSafe(path) ?? 0);
    return age < 10_000 ? { pid: -1, host: hostname(), since: "" } : null;
  }
  if (info.host !== hostname()) return info; // cannot probe another machine's pids: assume it runs
  if (info.pid === process.pid) return held.has(path) ? info : null;
  return alive(info.pid) ? info : null;
}

function statSafe(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function inUse(dir: string, field: string, info: LockInfo): SpikelocoError {
  const who = info.pid < 0 ? "another spikeloco run" : `another spikeloco run (pid ${info.pid}${info.host !== hostname() ? ` on ${info.host}` : ""})`;
  return new SpikelocoError(`'${dir}' is in use by ${who}; wait for it to finish or stop it`, field);
}

/** Refuse now (no write) if a live process holds `dir`. */
export function checkUnlocked(dir: string, field: string): void {
  const holder = lockHolder(dir);
  if (holder) throw inUse(dir, field, holder);
}

/** Take the lock of an existing folder `dir`; released by `release()` or when the process exits. */
export function lockDir(dir: string, field: string): DirLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new SpikelocoError(`cannot lock '${dir}' (${(err as NodeJS.ErrnoException).code})`, field);
      const holder = lockHolder(dir);
      if (holder || attempt > 0) throw inUse(dir, field, holder ?? { pid: -1, host: hostname(), since: "" });
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        // someone else removed it first; retry the exclusive create
      }
      continue;
    }
    const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    try {
      writeSync(fd, JSON.stringify(info) + "\n");
    } finally {
      closeSync(fd);
    }
    held.add(path);
    const release = () => {
      if (!held.delete(path)) return;
      process.off("exit", release);
      const now = readLock(path);
      if (now !== "absent" && now !== null && now.pid === process.pid && now.host === info.host) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    };
    process.on("exit", release);
    return { path, release };
  }
}
