import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { loadRecording } from "../../src/serve/recording.ts";
import { MESSAGE_KIND_SCENE, type SceneDescription, type ServerMessage } from "../../src/serve/wire/protocol.ts";
import { decodeScene } from "../../src/serve/wire/scene-codec.ts";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "spikeloco-watch-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Hold a free TCP port on 127.0.0.1 (and, when asked, the next one too). */
async function occupy(count = 1): Promise<{ port: number; close(): Promise<void> }> {
  for (;;) {
    const servers: Server[] = [];
    const first = await new Promise<Server>((resolve, reject) => {
      const s = createServer().listen(0, "127.0.0.1", () => resolve(s));
      s.once("error", reject);
    });
    servers.push(first);
    const port = (first.address() as { port: number }).port;
    let ok = true;
    for (let i = 1; i < count && ok; i++) {
      ok = await new Promise<boolean>((resolve) => {
        const s = createServer()
          .listen(port + i, "127.0.0.1", () => {
            servers.push(s);
            resolve(true);
          })
          .once("error", () => resolve(false));
      });
    }
    const close = () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => {});
    if (ok) return { port, close };
    await close();
  }
}

/** Spawn the CLI and resolve with the first viewer URL it prints (stdout JSON or a "viewer:" line on stderr). */
function spawnUntilUrl(args: string[]): { child: ReturnType<typeof spawn>; url: Promise<string>; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const url = new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /viewer: (http:\/\/\S+)/.exec(stderr) ?? /"url":"([^"]+)"/.exec(stdout);
      if (m) resolve(m[1]);
    };
    child.stdout!.on("data", (d) => {
      stdout += d;
      check();
    });
    child.stderr!.on("data", (d) => {
      stderr += d;
      check();
    });
    child.on("exit", (code) => reject(new Error(`exited ${code} before printing a URL:\n${stderr}`)));
  });
  url.catch(() => {});
  return { child, url, output: () => ({ stdout, stderr }) };
}

const exitOf = (child: ReturnType<typeof spawn>) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on("exit", (code) => r(code))));

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
    const { child, url } = spawnUntilUrl(["watch", "--recording", rec, "--port", "0", "--json"]);
    const replayUrl = await url;
    const res = await fetch(new URL("api/recording", replayUrl));
    expect(res.status).toBe(200);
    child.kill("SIGINT");
    expect(await exitOf(child)).toBe(0);
  });

  it("refuses bad input with a one-line reason", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, "watch", ...args], { encoding: "utf8", timeout: 60_000 });
    const both = run("--checkpoint", "x", "--recording", "y");
    expect(both.status).toBe(2);
    expect(both.stderr.trim()).toBe("spikeloco: --recording: give either --checkpoint or --recording, not both");
    const missing = run("--recording", join(dir, "none.spkrec"), "--port", "0");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/none\.spkrec: cannot read recording: ENOENT/);
    const port = run("--port", "70000");
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/--port: must be in \[0, 65535\]/);
    expect(run("--export", join(dir, "x.webm")).stderr.trim()).toMatch(/^spikeloco: --export: --export renders a recording: give --recording FILE/);
    expect(run("--recording", "r.spkrec", "--export", join(dir, "x.mp4")).stderr.trim()).toMatch(/^spikeloco: --export: expected a \.webm or \.png file/);
    expect(run("--token", "short").stderr.trim()).toBe("spikeloco: --token: a token is 8 to 256 printable characters without spaces");
    expect(run("--allow-origin", "nonsense").stderr.trim()).toBe("spikeloco: --allow-origin: 'nonsense' is not an origin like http://host:port");
  });

  it("a busy --port is a one-line error (exit 2), not a crash; without --port the next free port is used", async () => {
    const held = await occupy();
    try {
      const r = spawnSync(process.execPath, [bin, "watch", "--port", String(held.port)], { encoding: "utf8", timeout: 60_000 });
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(`spikeloco: --port: port ${held.port} is in use (pick another with --port, or --port 0 for any free one)`);
      expect(r.stderr).not.toMatch(/Unhandled|at .*\.js/);
    } finally {
      await held.close();
    }
  });

  it("a host that is not this machine's is a one-line error (exit 2); a network bind needs --token or --insecure", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, "watch", "--port", "0", ...args], { encoding: "utf8", timeout: 60_000 });
    const exposed = run("--host", "0.0.0.0");
    expect(exposed.status).toBe(2);
    expect(exposed.stderr.trim()).toBe(
      "spikeloco: --host: binding '0.0.0.0' would let anyone on your network watch and drive the simulation; add --token (a secret the URL then carries) or --insecure to do it anyway",
    );
    const unreachable = run("--host", "10.255.255.1", "--token", "abcdefgh12");
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr.trim()).toBe("spikeloco: --host: cannot listen on '10.255.255.1': not an address of this machine (EADDRNOTAVAIL)");
    const unknown = run("--host", "no-such-host.invalid", "--insecure");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/WARNING: the viewer is bound to 'no-such-host\.invalid' WITHOUT a token/);
    expect(unknown.stderr.trim().split("\n").at(-1)).toMatch(/^spikeloco: --host: cannot listen on 'no-such-host\.invalid': not an address of this machine \(E[A-Z_]+\)$/);
    for (const r of [exposed, unreachable, unknown]) expect(r.stderr).not.toMatch(/Unhandled|node:events/);
  });

  it("--token with no value makes a random one; the printed URL carries it and the stream refuses connections without it", async () => {
    const { child, url } = spawnUntilUrl(["watch", "--port", "0", "--token", "--json"]);
    try {
      const u = await url;
      const token = /#token=([\w-]+)$/.exec(u)?.[1];
      expect(token?.length).toBeGreaterThanOrEqual(16);
      const base = u.replace(/#.*$/, "").replace("http", "ws") + "ws";
      const refused = await new Promise<number>((resolve) => {
        const ws = new WebSocket(base);
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("open", () => resolve(101));
        ws.on("error", () => {});
      });
      expect(refused).toBe(401);
      const accepted = await new Promise<boolean>((resolve) => {
        const ws = new WebSocket(`${base}?token=${token}`);
        ws.on("open", () => {
          ws.close();
          resolve(true);
        });
        ws.on("error", () => resolve(false));
      });
      expect(accepted).toBe(true);
    } finally {
      child.kill("SIGINT");
      expect(await exitOf(child)).toBe(0);
    }
  });

  it("--export renders a recording headless to a WebM video and a PNG picture", async () => {
    const rec = join(dir, "short.spkrec");
    expect(spawnSync(process.execPath, [bin, "watch", "--port", "0", "--steps", "30", "--record", rec], { encoding: "utf8", timeout: 60_000 }).status).toBe(0);
    const video = join(dir, "out.webm");
    const r = spawnSync(process.execPath, [bin, "watch", "--recording", rec, "--export", video, "--export-size", "640x360", "--json"], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { kind: string; bytes: number; seconds: number; width: number };
    expect(out).toMatchObject({ kind: "webm", width: 640 });
    const bytes = readFileSync(video);
    expect(bytes.subarray(0, 4).toString("hex")).toBe("1a45dfa3"); // EBML (Matroska/WebM) header
    expect(bytes.includes(Buffer.from("webm"))).toBe(true);
    expect(bytes.byteLength).toBe(out.bytes);
    // 30 frames at 20 Hz played in real time.
    expect(out.seconds).toBeGreaterThan(1.2);
    const picture = join(dir, "last.png");
    const p = spawnSync(process.execPath, [bin, "watch", "--recording", rec, "--export", picture, "--export-size", "800x450"], { encoding: "utf8", timeout: 120_000 });
    expect(p.status, p.stderr).toBe(0);
    const png = readFileSync(picture);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(800);
    expect(png.readUInt32BE(20)).toBe(450);
    console.log(`[export] ${(bytes.byteLength / 1024).toFixed(0)} KB WebM (${out.seconds.toFixed(1)} s) and ${(png.byteLength / 1024).toFixed(0)} KB PNG`);
  }, 240_000);
});

describe("the viewer of training runs", () => {
  it("train --watch on a busy port uses the next free one, prints the URL on stderr and streams each new generation's controller", async () => {
    const held = await occupy();
    const out = join(dir, "train-watch");
    const args = ["train", "--env", "ant", "--watch", String(held.port), "--minutes", "0.15", "--population", "2", "--episodes", "1", "--max-steps", "20", "--workers", "0", "--out", out, "--json"];
    const { child, url, output } = spawnUntilUrl(args);
    const texts: ServerMessage[] = [];
    const scenes: SceneDescription[] = [];
    let frames = 0;
    let ws: WebSocket | null = null;
    try {
      const u = await url;
      expect(new URL(u).port).not.toBe(String(held.port));
      expect(Number(new URL(u).port)).toBeGreaterThan(held.port);
      ws = new WebSocket(u.replace("http", "ws") + "ws");
      ws.on("message", (d, isBinary) => {
        const b = d as Buffer;
        if (isBinary && b[0] === MESSAGE_KIND_SCENE) scenes.push(decodeScene(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
        else if (isBinary) frames++;
        else texts.push(JSON.parse(String(d)) as ServerMessage);
      });
      ws.on("error", () => {});
      const code = await exitOf(child);
      expect(code, output().stderr).toBe(0);
    } finally {
      ws?.close();
      if (child.exitCode === null) child.kill("SIGKILL");
      await held.close();
    }
    const { stdout, stderr } = output();
    expect(stderr).not.toMatch(/Unhandled|EADDRINUSE/);
    // One JSON object on stdout; the viewer line went to stderr.
    expect(stdout.trim().split("\n")).toHaveLength(1);
    const summary = JSON.parse(stdout) as { generation: number };
    expect(texts[0]).toMatchObject({ type: "hello", mode: "live" });
    expect(frames).toBeGreaterThan(0);
    // The viewer switched to the newest checkpoint as generations completed, in order.
    const generations = scenes.flatMap((s) => {
      const m = /\(generation (\d+)\)/.exec(s.controller);
      return m ? [Number(m[1])] : [];
    });
    expect(generations.length, JSON.stringify(texts.map((m) => m.type))).toBeGreaterThanOrEqual(2);
    console.log(`[train --watch] viewer streamed ${frames} frames; checkpoints shown: generations ${generations.join(", ")} of ${summary.generation}`);
    for (let i = 1; i < generations.length; i++) expect(generations[i]).toBeGreaterThan(generations[i - 1]);
    expect(generations.at(-1)).toBeLessThanOrEqual(summary.generation);
  });

  it("start on a busy --port serves the viewer on the next free one instead of crashing", async () => {
    const held = await occupy();
    const { child, url, output } = spawnUntilUrl(["start", "--port", String(held.port), "--workers", "0", "--minutes", "5", "--no-eval", "--out", join(dir, "start-run")]);
    try {
      const u = await url;
      expect(Number(new URL(u).port)).toBeGreaterThan(held.port);
      expect((await fetch(u)).status).toBe(200);
    } finally {
      child.kill("SIGINT");
      const code = await exitOf(child);
      await held.close();
      expect(code, output().stderr).toBe(130); // interrupted, the run saved
      expect(output().stderr).not.toMatch(/Unhandled|EADDRINUSE/);
    }
  });
});
