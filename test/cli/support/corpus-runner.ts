/**
 * Runs the bad-input corpus and reports what happened per case, one JSON line each on stdout:
 * exit code, stdout, stderr, milliseconds, and the files under the fixture root that the case created,
 * modified or removed. It only measures; test/cli/bad-input.test.ts asserts.
 *
 *   node --import tsx test/cli/support/corpus-runner.ts ROOT [--from N] [--spawn BIN] [--timeout MS]
 *
 * In-process (default): each case calls runCli(argv, io) in this process, with every write to
 * process.stdout/stderr captured too (so stray library output counts against the case). A case that
 * does not return within --timeout is reported as timed out and the runner exits (its work may still
 * run); the parent restarts it from the next case. A synchronous hang is caught by the parent's watchdog.
 * --spawn BIN runs each case as `node BIN ...argv` instead (used to measure an older commit).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { badInputCases, type Fixtures } from "./bad-input-cases.ts";

export interface CaseResult {
  i: number;
  name: string;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  changed: string[];
}

type Snapshot = Map<string, string>;

function snapshot(root: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        out.set(p, "dir");
        walk(p);
      } else {
        const hash = st.size <= 4 << 20 ? createHash("sha1").update(readFileSync(p)).digest("hex") : "big";
        out.set(p, `${st.size}:${st.mtimeMs}:${hash}`);
      }
    }
  };
  walk(root);
  return out;
}

function diff(before: Snapshot, after: Snapshot, root: string): string[] {
  const changed: string[] = [];
  for (const [p, v] of after) {
    const was = before.get(p);
    if (was === undefined) changed.push(`created ${p.replace(root, "<tmp>")}`);
    else if (was !== v) changed.push(`modified ${p.replace(root, "<tmp>")}`);
  }
  for (const p of before.keys()) if (!after.has(p)) changed.push(`removed ${p.replace(root, "<tmp>")}`);
  return changed;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = args[0]!;
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const from = Number(opt("--from") ?? 0);
  const spawnBin = opt("--spawn");
  const timeout = Number(opt("--timeout") ?? 15_000);
  const fx = JSON.parse(readFileSync(join(root, "fixtures.json"), "utf8")) as Fixtures;
  const cases = badInputCases(fx);
  const emit = process.stdout.write.bind(process.stdout);
  process.chdir(fx.cwd);
  const runCli = spawnBin ? null : (await import("../../../src/cli/main.ts")).runCli;

  for (let i = from; i < cases.length; i++) {
    const c = cases[i]!;
    emit(JSON.stringify({ begin: i }) + "\n");
    const before = snapshot(root);
    const started = performance.now();
    let result: CaseResult;
    if (spawnBin) {
      const r = spawnSync(process.execPath, [spawnBin, ...c.argv], { cwd: fx.cwd, encoding: "utf8", timeout, killSignal: "SIGKILL" });
      const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
      result = { i, name: c.name, code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: performance.now() - started, timedOut, changed: [] };
    } else {
      let stdout = "";
      let stderr = "";
      const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
      const realOut = process.stdout.write;
      const realErr = process.stderr.write;
      process.stdout.write = ((s: string | Uint8Array) => ((stdout += String(s)), true)) as typeof process.stdout.write;
      process.stderr.write = ((s: string | Uint8Array) => ((stderr += String(s)), true)) as typeof process.stderr.write;
      let code: number | null = null;
      let timedOut = false;
      try {
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          runCli!(c.argv, io),
          new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeout))),
        ]);
        clearTimeout(timer);
        if (outcome === "timeout") timedOut = true;
        else code = outcome;
      } finally {
        process.stdout.write = realOut;
        process.stderr.write = realErr;
      }
      result = { i, name: c.name, code, stdout, stderr, ms: performance.now() - started, timedOut, changed: [] };
    }
    result.changed = diff(before, snapshot(root), root);
    emit(JSON.stringify(result) + "\n");
    if (result.timedOut && !spawnBin) process.exit(3); // its work may still be running: start afresh
  }
  process.exit(0);
}

await main();
