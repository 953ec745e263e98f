/**
 * Count the corpus outcomes (for a report, e.g. against an older commit's bin):
 *   node --import tsx test/cli/support/corpus-report.ts [--spawn path/to/bin/spikeloco.mjs] [--timeout MS] [--all] [--save results.json]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { badInputCases, buildFixtures } from "./bad-input-cases.ts";
import { runCorpus, verdict, type Verdict } from "./corpus.ts";

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const root = mkdtempSync(join(tmpdir(), "spikeloco-corpus-"));
const fx = buildFixtures(root);
const cases = badInputCases(fx);
const started = Date.now();
const results = await runCorpus(root, cases, { spawnBin: opt("--spawn"), timeout: Number(opt("--timeout") ?? 20_000) });
const counts: Partial<Record<Verdict, number>> = {};
for (const c of cases) {
  const r = results[cases.indexOf(c)]!;
  const v = verdict(c, r);
  counts[v] = (counts[v] ?? 0) + 1;
  if (v !== "pass" || args.includes("--all")) process.stdout.write(`${v.padEnd(12)} ${c.name}  [exit ${r.code}] ${r.stderr.trim().split("\n")[0]?.slice(0, 160) ?? ""}${r.changed.length ? `  (${r.changed[0]})` : ""}\n`);
}
process.stdout.write(JSON.stringify({ cases: cases.length, ...counts, seconds: (Date.now() - started) / 1000 }) + "\n");
const save = opt("--save");
if (save) writeFileSync(save, JSON.stringify(results.map((r, i) => ({ ...r, names: cases[i]!.names, verdict: verdict(cases[i]!, r) }))));
rmSync(root, { recursive: true, force: true });
