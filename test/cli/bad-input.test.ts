/**
 * The bad-input corpus (test/cli/support/bad-input-cases.ts): every ordinary mistake must end with exit 2,
 * exactly one stderr line `spikeloco: ...` naming the field or path, no stack trace, no hang, nothing
 * on stdout, and no file under the fixture root created, modified or removed (existing runs untouched).
 * The cases run in-process (runCli) in a child process with a watchdog, so a synchronous hang is caught too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { badInputCases, buildFixtures } from "./support/bad-input-cases.ts";
import { runCorpus } from "./support/corpus.ts";
import type { CaseResult } from "./support/corpus-runner.ts";

const root = mkdtempSync(join(tmpdir(), "spikeloco-bad-input-"));
const fx = buildFixtures(root);
const cases = badInputCases(fx);
let results: CaseResult[] = [];
let seconds = 0;

beforeAll(async () => {
  const started = Date.now();
  results = await runCorpus(root, cases, { timeout: 15_000 });
  seconds = (Date.now() - started) / 1000;
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("bad-input corpus", () => {
  it("has more than 100 cases with unique names, and runs them all", () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(results.filter(Boolean)).toHaveLength(cases.length);
    process.stderr.write(`bad-input corpus: ${cases.length} cases in ${seconds.toFixed(1)} s\n`);
  });

  cases.forEach((c, i) => {
    it(c.name, () => {
      const r = results[i]!;
      expect(r.timedOut, "answered in time").toBe(false);
      expect(r.stderr, "no stack trace").not.toMatch(/^\s+at |internal error/m);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.split("\n").filter((l) => l !== "");
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^spikeloco: \S/);
      expect(lines[0]).toContain(c.names);
      expect(r.changed, "nothing written").toEqual([]);
    });
  });
});
