import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { ServerMessage } from "../../src/serve/protocol.ts";
import { loadRecording } from "../../src/serve/recording.ts";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "spikeloco-watch-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("spikeloco watch", () => {
  it("--steps with --record writes a recording and prints one JSON object", async () => {
    const rec = join(dir, "a.spkrec");
    const r = spawnSync(process.execPath, [bin, "watch", "--port", "0", "--steps", "25", "--record", rec, "--seed", "4", "--json"], { encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBe(1);
    const out = JSON.parse(lines[0]) as { url: string; mode: string; untrained: boolean; env: string };
    expect(out).toMatchObject({ mode: "live", untrained: true, env: "ant" });
    expect(out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { recording } = await loadRecording(rec);
    expect(recording.frames.length).toBeGreaterThanOrEqual(25);
    expect(recording.header.meta).toMatchObject({ seed: 4, env: "ant" });

    // Replay it: the server serves the same bytes until interrupted.
    const child = spawn(process.execPath, [bin, "watch", "--recording", rec, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    const first = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (d) => {
        buf += d;
        if (buf.includes("\n")) resolve(buf);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const replay = JSON.parse(first) as { url: string; mode: string; frames: number };
    expect(replay).toMatchObject({ mode: "replay", frames: recording.frames.length });
    const res = await fetch(new URL("api/recording", replay.url));
    expect(res.status).toBe(200);
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(0);
  });

  it("refuses bad input with a one-line reason", () => {
    const both = spawnSync(process.execPath, [bin, "watch", "--checkpoint", "x", "--recording", "y"], { encoding: "utf8", timeout: 60_000 });
    expect(both.status).toBe(2);
    expect(both.stderr.trim()).toBe("spikeloco: --recording: give either --checkpoint or --recording, not both");
    const missing = spawnSync(process.execPath, [bin, "watch", "--recording", join(dir, "none.spkrec"), "--port", "0"], { encoding: "utf8", timeout: 60_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/none\.spkrec: cannot read recording: ENOENT/);
    const port = spawnSync(process.execPath, [bin, "watch", "--port", "70000"], { encoding: "utf8", timeout: 60_000 });
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/--port: must be in \[0, 65535\]/);
  });

  it("train --watch prints the live URL on stderr and streams each new generation's controller", async () => {
    const out = join(dir, "train-watch");
    const args = ["train", "--env", "ant", "--watch", "0", "--minutes", "0.15", "--population", "2", "--episodes", "1", "--max-steps", "20", "--workers", "0", "--out", out, "--json"];
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const texts: ServerMessage[] = [];
    let frames = 0;
    let ws: WebSocket | null = null;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t0 = Date.now();
        const poll = setInterval(() => {
          const m = /viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
          if (m) {
            clearInterval(poll);
            resolve(m[1]);
          } else if (Date.now() - t0 > 60_000 || child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`no viewer URL on stderr:\n${stderr}`));
          }
        }, 20);
      });
      ws = new WebSocket(url.replace("http", "ws") + "ws");
      ws.on("message", (d, bin) => (bin ? frames++ : texts.push(JSON.parse(String(d)) as ServerMessage)));
      ws.on("error", () => {});
      const code = await exited;
      expect(code, stderr).toBe(0);
    } finally {
      ws?.close();
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    // One JSON object on stdout; the viewer line went to stderr.
    expect(stdout.trim().split("\n")).toHaveLength(1);
    const summary = JSON.parse(stdout) as { generation: number };
    expect(texts[0]).toMatchObject({ type: "hello", mode: "live" });
    expect(frames).toBeGreaterThan(0);
    // The viewer switched to the newest checkpoint as generations completed, in order.
    const generations = texts.flatMap((m) => (m.type === "scene" ? [Number(/\(generation (\d+)\)/.exec(m.scene.controller)?.[1])] : []));
    expect(generations.length, JSON.stringify(texts.map((m) => m.type))).toBeGreaterThanOrEqual(2);
    console.log(`[train --watch] viewer streamed ${frames} frames; checkpoints shown: generations ${generations.join(", ")} of ${summary.generation}`);
    for (let i = 1; i < generations.length; i++) expect(generations[i]).toBeGreaterThan(generations[i - 1]);
    expect(generations.at(-1)).toBeLessThanOrEqual(summary.generation);
  });
});
