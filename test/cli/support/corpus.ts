/**
 * Drive corpus-runner.ts in child processes: collect one result per case, restart the runner after a
 * case that timed out (in-process) and kill it when a case hangs synchronously (no line within the
 * watchdog), recording that case as hung. Also the pass/crash/hang classification used for reports.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BadInputCase } from "./bad-input-cases.ts";
import type { CaseResult } from "./corpus-runner.ts";

const runner = fileURLToPath(new URL("./corpus-runner.ts", import.meta.url));
const repo = fileURLToPath(new URL("../../../", import.meta.url));

export interface CorpusOptions {
  /** Run each case as `node BIN ...` (e.g. an older commit's bin) instead of in-process. */
  spawnBin?: string;
  /** Per-case limit (ms). */
  timeout?: number;
  onResult?: (r: CaseResult) => void;
}

function runFrom(root: string, from: number, o: CorpusOptions, results: CaseResult[]): Promise<number | null> {
  const timeout = o.timeout ?? 15_000;
  const args = ["--import", "tsx", runner, root, "--from", String(from), "--timeout", String(timeout)];
  if (o.spawnBin) args.push("--spawn", o.spawnBin);
  const child = spawn(process.execPath, args, { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let current: number | null = null;
  let buffer = "";
  let errors = "";
  let watchdog: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => child.kill("SIGKILL"), timeout + 20_000);
  };
  arm();
  child.stderr.on("data", (d) => (errors += d));
  child.stdout.on("data", (d) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const msg = JSON.parse(line) as { begin: number } | CaseResult;
      arm();
      if ("begin" in msg) current = msg.begin;
      else {
        results[msg.i] = msg;
        o.onResult?.(msg);
        current = null;
      }
    }
  });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      clearTimeout(watchdog);
      if (code === 0) return resolve(null);
      if (current === null && code !== 3) return reject(new Error(`corpus runner failed (exit ${code}):\n${errors}`));
      resolve(current); // the case that hung or timed out
    });
  });
}

export async function runCorpus(root: string, cases: BadInputCase[], o: CorpusOptions = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let from = 0;
  while (from < cases.length) {
    const stuck = await runFrom(root, from, o, results);
    if (stuck === null) break;
    if (!results[stuck]) {
      results[stuck] = { i: stuck, name: cases[stuck]!.name, code: null, stdout: "", stderr: "", ms: NaN, timedOut: true, changed: [] };
      o.onResult?.(results[stuck]!);
    }
    from = stuck + 1;
  }
  return results;
}

export type Verdict = "pass" | "crash" | "hang" | "accepted" | "not-one-line" | "unnamed" | "wrote" | "wrong-exit";

/**
 * What a report counts: hang = no answer in time; crash = an internal error / stack trace, or killed;
 * accepted = exit 0 (the mistake went unnoticed); wrong-exit = another code without a trace (e.g. 1 for
 * a parser error); then the style checks of a proper refusal.
 */
export function verdict(c: BadInputCase, r: CaseResult): Verdict {
  if (r.timedOut) return "hang";
  const lines = r.stderr.trim().split("\n").filter((l) => l.trim() !== "");
  if (r.code === null || /internal error|^\s+at /m.test(r.stderr)) return "crash";
  if (r.code === 0) return "accepted";
  if (r.code !== 2) return "wrong-exit";
  if (lines.length !== 1 || r.stdout !== "") return "not-one-line";
  if (!lines[0]!.includes(c.names)) return "unnamed";
  if (r.changed.length) return "wrote";
  return "pass";
}
