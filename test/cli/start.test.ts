/** `npm start` (spikeloco start): the live viewer URL comes first and serves the viewer while the Ant trains. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "spikeloco-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("spikeloco start", () => {
  it("prints the live viewer URL before training, serves the page during training, and exits 130 on Ctrl-C", async () => {
    const out = join(dir, "run");
    const child = spawn(process.execPath, [bin, "start", "--port", "0", "--workers", "0", "--minutes", "5", "--no-eval", "--out", out], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (d) => {
        stderr += d;
        const m = /^viewer: (http:\/\/127\.0\.0\.1:\d+\/)/m.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before printing a URL:\n${stderr}`)));
    });
    expect(stderr.split("\n")[0]).toMatch(/^viewer: /);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<canvas|<script/);
    // Ctrl-C mid-generation (train.cli tests cover what it saves): the viewer closes, exit 130 = interrupted, work saved.
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(130);
    expect(stderr).not.toMatch(/Error|error:/);
  }, 60_000);
});
