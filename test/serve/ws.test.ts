import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ensureViewerBuilt } from "../../src/serve/bundle.ts";
import { ClientQueue } from "../../src/serve/client-queue.ts";
import { RecordingWriter } from "../../src/serve/recording.ts";
import { RecordingSource } from "../../src/serve/source.ts";
import { startViewerServer, type ViewerServer } from "../../src/serve/server.ts";
import { resolveStaticPath } from "../../src/serve/static-files.ts";
import { MESSAGE_KIND_FRAME, MESSAGE_KIND_SCENE, type SceneDescription, type ServerMessage } from "../../src/serve/wire/protocol.ts";
import { decodeScene } from "../../src/serve/wire/scene-codec.ts";
import { FixtureSource, patternFrame, testScene } from "../support/serve-fixtures.ts";

const QUEUE = { maxQueuedFrames: 8, highWaterBytes: 64 * 1024, maxPendingMessages: 256, maxPendingJsonBytes: 1024 * 1024 };
let server: ViewerServer;
let source: FixtureSource;
let wsUrl: string;

beforeAll(async () => {
  source = new FixtureSource();
  // Generous control limits and client count: these tests flood on purpose (the limits have their own tests).
  server = await startViewerServer({ source, staticDir: await ensureViewerBuilt(), port: 0, queue: QUEUE, maxClients: 64, controlLimits: { burst: 1e6, perSecond: 1e6 } });
  wsUrl = server.url.replace("http", "ws") + "ws";
});
afterAll(async () => server?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A real garbage collection, so memory retained by the server can be told apart from garbage.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Bytes of live ArrayBuffers (frames, socket buffers) in this process after a full collection. */
function liveArrayBufferBytes(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

/** Resolves with the socket error code of a TCP connect (or "connected"). */
function tcpConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, host);
    sock.setTimeout(2000, () => {
      sock.destroy();
      resolve("timeout");
    });
    sock.once("connect", () => {
      sock.destroy();
      resolve("connected");
    });
    sock.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
  });
}

interface TestClient {
  ws: WebSocket;
  texts: ServerMessage[];
  scenes: SceneDescription[];
  frames: number;
  /** Bytes 1..2 of the newest frame (tests number their frames there). */
  lastFrameTag: number;
  closed: Promise<number>;
}

async function client(url = wsUrl): Promise<TestClient> {
  const ws = new WebSocket(url);
  const c: TestClient = { ws, texts: [], scenes: [], frames: 0, lastFrameTag: -1, closed: new Promise((r) => ws.on("close", (code) => r(code))) };
  ws.on("message", (data, isBinary) => {
    const bytes = data as Buffer;
    if (isBinary && bytes[0] === MESSAGE_KIND_FRAME) {
      c.frames++;
      c.lastFrameTag = bytes[1]! | (bytes[2]! << 8);
    }
    else if (isBinary && bytes[0] === MESSAGE_KIND_SCENE) c.scenes.push(decodeScene(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    else c.texts.push(JSON.parse(String(data)) as ServerMessage);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return c;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await sleep(5);
  }
}

function httpGet(path: string, headers: Record<string, string> = {}, port = server.port): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("viewer server over WebSocket", () => {
  it("binds 127.0.0.1 by default and serves the built viewer", async () => {
    expect(server.host).toBe("127.0.0.1");
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await httpGet("/");
    expect(index.status).toBe(200);
    expect(index.body).toContain('<script type="module" src="app.js">');
    expect((await httpGet("/app.js")).status).toBe(200);
    // Only the loopback address is bound: other local addresses refuse the connection.
    const others = ["127.0.0.2", ...Object.values(networkInterfaces()).flatMap((l) => (l ?? []).filter((a) => a.family === "IPv4" && !a.internal).map((a) => a.address))];
    for (const addr of others) expect(await tcpConnect(addr, server.port), addr).toBe("ECONNREFUSED");
    expect(await tcpConnect("127.0.0.1", server.port)).toBe("connected");
  });

  it("refuses paths outside the viewer bundle", async () => {
    for (const p of ["/../package.json", "/%2e%2e/package.json", "/..%2fpackage.json", "/a/../../src/serve/server.ts", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..\\package.json", "/app.js%00.html"]) {
      const r = await httpGet(p);
      expect([403, 404], p).toContain(r.status);
      expect(r.body, p).not.toContain("spikeloco");
    }
    expect((await httpGet("/../package.json")).status).toBe(403);
    expect((await httpGet("/nope.js")).status).toBe(404);
    expect((await httpGet("/api/recording")).status).toBe(404);
    // A symlink inside the bundle that points outside it is not followed.
    const tmp = mkdtempSync(join(tmpdir(), "spikeloco-static-"));
    try {
      mkdirSync(join(tmp, "root"));
      mkdirSync(join(tmp, "outside"));
      writeFileSync(join(tmp, "root", "index.html"), "ok");
      writeFileSync(join(tmp, "outside", "secret.txt"), "secret");
      symlinkSync(join(tmp, "outside"), join(tmp, "root", "link"));
      symlinkSync(join(tmp, "outside", "secret.txt"), join(tmp, "root", "secret.txt"));
      expect(await resolveStaticPath(join(tmp, "root"), "/")).toBe(join(tmp, "root", "index.html"));
      expect(await resolveStaticPath(join(tmp, "root"), "/link/secret.txt")).toBe(null);
      expect(await resolveStaticPath(join(tmp, "root"), "/secret.txt")).toBe(null);
      expect(await resolveStaticPath(join(tmp, "root"), "/%2e%2e/outside/secret.txt")).toBe(null);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("streams every frame to 20 concurrent clients, each greeted with the scene", async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => client()));
    await until(() => clients.every((c) => c.texts.some((m) => m.type === "hello") && c.scenes.length === 1));
    for (const c of clients) expect(c.scenes[0].nHidden).toBe(128);
    for (let i = 0; i < 60; i++) {
      source.emitFrame(i);
      await sleep(2);
    }
    await until(() => clients.every((c) => c.frames === 60));
    expect(server.clientStats().filter((s) => s.sentFrames === 60).length).toBeGreaterThanOrEqual(20);
    expect(server.clientStats().every((s) => s.droppedFrames === 0)).toBe(true);
    for (const c of clients) c.ws.close();
    await Promise.all(clients.map((c) => c.closed));
  });

  it("a client that never reads stays within the per-client bound while others keep up", async () => {
    const frameSize = 64 * 1024;
    const bound = QUEUE.highWaterBytes + frameSize + QUEUE.maxQueuedFrames * frameSize;
    const before = new Set(server.clientStats().map((s) => s.id));
    const stuck = connect(server.port, "127.0.0.1");
    await new Promise<void>((r) => stuck.once("connect", () => r()));
    stuck.write(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    stuck.pause(); // never read again: the kernel buffers fill, then the server must drop frames
    const reader = await client();
    await until(() => server.clientStats().length >= before.size + 2);
    const stuckId = Math.min(...server.clientStats().filter((s) => !before.has(s.id)).map((s) => s.id));
    const heldBefore = liveArrayBufferBytes();
    let peak = 0;
    const total = 500; // 32 MB offered in total
    for (let i = 0; i < total; i++) {
      const payload = new Uint8Array(frameSize);
      payload[0] = MESSAGE_KIND_FRAME;
      payload[1] = i & 0xff;
      payload[2] = i >> 8;
      source.emit(payload);
      const s = server.clientStats().find((x) => x.id === stuckId)!;
      peak = Math.max(peak, s.queuedBytes + s.bufferedAmount);
      if (i % 10 === 0) await sleep(1);
    }
    await sleep(200);
    const s = server.clientStats().find((x) => x.id === stuckId)!;
    expect(peak).toBeLessThanOrEqual(bound);
    expect(s.droppedFrames).toBeGreaterThan(0);
    expect(s.sentFrames + s.droppedFrames + s.queuedFrames).toBe(total);
    // The reading client kept receiving: a slow queue drops its oldest frames, so however many a loaded
    // machine made it drop, the stream's last frame arrives, and so does every frame the server sent it.
    await until(() => reader.lastFrameTag === total - 1, 10_000);
    const readerStats = () => server.clientStats().find((x) => x.id !== stuckId && !before.has(x.id))!;
    await until(() => reader.frames === readerStats().sentFrames);
    expect(readerStats().sentFrames + readerStats().droppedFrames).toBe(total);
    expect(readerStats().droppedFrames).toBeLessThan(s.droppedFrames);
    // Not just the queue's own accounting: the process really holds no more than the bound for the
    // stuck client (32 MB were offered; an unbounded queue would keep nearly all of it).
    await sleep(100);
    const held = liveArrayBufferBytes() - heldBefore;
    console.log(`[serve] never-reading client: peak queued+buffered ${(peak / 1024).toFixed(0)} KB (bound ${(bound / 1024).toFixed(0)} KB); live ArrayBuffer growth ${(held / 1024).toFixed(0)} KB`);
    expect(server.clientStats().some((x) => x.id === stuckId)).toBe(true); // still connected, still not reading
    expect(held).toBeLessThan(bound + 1024 * 1024);
    // JSON is never dropped, so a client that keeps not reading it is disconnected at the bound.
    for (let i = 0; i < QUEUE.maxPendingMessages + 10; i++) reader.ws.send(JSON.stringify({ type: "pause", paused: i % 2 === 0 }));
    await until(() => !server.clientStats().some((x) => x.id === stuckId), 10_000);
    expect(reader.ws.readyState).toBe(WebSocket.OPEN);
    stuck.destroy();
    reader.ws.close();
    await reader.closed;
  });

  it("answers malformed, oversized, unknown and binary messages with errors and keeps the connection", async () => {
    const c = await client();
    const errors = () => c.texts.filter((m) => m.type === "error") as Extract<ServerMessage, { type: "error" }>[];
    c.ws.send("{not json");
    c.ws.send(JSON.stringify({ type: "teleport", id: 4 }));
    c.ws.send(JSON.stringify({ type: "terrain", kind: "x".repeat(10_000) }));
    c.ws.send(new Uint8Array([1, 2, 3]));
    c.ws.send(JSON.stringify({ type: "push", impulse: [0, "far", 0], id: 5 }));
    c.ws.send(JSON.stringify({ type: "hello", version: 99 }));
    await until(() => errors().length === 6);
    expect(errors().map((e) => e.code)).toEqual(["malformed", "unknown-type", "too-large", "unsupported", "invalid", "version"]);
    expect(errors()[1]).toMatchObject({ id: 4, message: "unknown message type 'teleport'" });
    expect(errors()[4].message).toMatch(/^push\.impulse\.1:/);
    // A valid control that fails inside the source is reported, not fatal to the server.
    source.failNext = new Error("simulation exploded");
    c.ws.send(JSON.stringify({ type: "reset", id: 6 }));
    await until(() => errors().length === 7);
    expect(errors()[6]).toMatchObject({ id: 6, code: "internal", message: "'reset' failed: simulation exploded" });
    // Still connected and served.
    c.ws.send(JSON.stringify({ type: "ping", id: 77 }));
    await until(() => c.texts.some((m) => m.type === "pong" && m.id === 77));
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    // Controls reach the source, are acknowledged, and the new settings are broadcast.
    c.ws.send(JSON.stringify({ type: "pause", paused: true, id: 8 }));
    await until(() => c.texts.some((m) => m.type === "status" && m.settings.paused));
    expect(c.texts.some((m) => m.type === "ack" && m.id === 8)).toBe(true);
    expect(source.controls.at(-1)).toEqual({ type: "pause", paused: true, id: 8 });
    // Beyond the protocol-level payload limit the socket is closed (1009), and the server carries on.
    c.ws.send("x".repeat(200 * 1024));
    expect(await c.closed).toBe(1009);
    const d = await client();
    await until(() => d.texts.some((m) => m.type === "hello"));
    d.ws.close();
  });

  it("the per-client queue drops the oldest frames, keeps the newest in order, and sends JSON first", () => {
    const sent: (string | number)[] = [];
    const fake = {
      OPEN: 1,
      readyState: 1,
      bufferedAmount: Number.MAX_SAFE_INTEGER, // a socket that cannot take anything yet
      send(data: string | Uint8Array) {
        sent.push(typeof data === "string" ? (JSON.parse(data) as { n: number }).n : data[0]);
      },
      terminate() {
        this.readyState = 3;
      },
    };
    const q = new ClientQueue(1, fake as unknown as WebSocket, { maxQueuedFrames: 4, highWaterBytes: 1024, maxPendingMessages: 3 });
    for (let i = 0; i < 10; i++) q.sendFrame(new Uint8Array([i, 0, 0, 0]));
    q.sendJson({ n: -1 });
    expect(q.stats()).toMatchObject({ queuedFrames: 4, droppedFrames: 6, sentFrames: 0, queuedBytes: 16 + JSON.stringify({ n: -1 }).length });
    fake.bufferedAmount = 0;
    q.flush();
    expect(sent).toEqual([-1, 6, 7, 8, 9]);
    expect(q.stats()).toMatchObject({ queuedFrames: 0, queuedBytes: 0, sentFrames: 4, droppedFrames: 6 });
    // JSON is never dropped: past maxPendingMessages the client is cut off instead.
    fake.bufferedAmount = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < 4; i++) q.sendJson({ n: i });
    expect(fake.readyState).toBe(3);
    expect(q.stats().queuedBytes).toBe(0);
  });

  it("replay sources serve the recording and refuse live controls", async () => {
    const scene = testScene(16);
    const w = new RecordingWriter(scene, { friction: 0.5 });
    for (let i = 0; i < 10; i++) w.add(patternFrame(scene, i));
    const bytes = w.toBytes();
    server.setSource(new RecordingSource(bytes, scene, 10, { friction: 0.5 }, "rec.spkrec"));
    const c = await client();
    await until(() => c.texts.some((m) => m.type === "hello"));
    const hello = c.texts.find((m) => m.type === "hello");
    expect(hello).toMatchObject({ mode: "replay", frameCount: 10, conditions: { friction: 0.5 }, file: "rec.spkrec", label: "recording rec.spkrec" });
    const rec = await new Promise<Buffer>((resolve) => {
      request({ host: "127.0.0.1", port: server.port, path: "/api/recording" }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("end", () => resolve(Buffer.concat(parts)));
      }).end();
    });
    expect(Buffer.compare(rec, Buffer.from(bytes))).toBe(0);
    c.ws.send(JSON.stringify({ type: "push", impulse: [1, 0, 0] }));
    await until(() => c.texts.some((m) => m.type === "error"));
    expect(c.texts.find((m) => m.type === "error")).toMatchObject({ code: "invalid", message: expect.stringMatching(/needs a live simulation/) });
    c.ws.close();
    server.setSource(source);
  });
});

/** Status line of a raw WebSocket handshake with these headers ("101" when accepted). */
function handshake(port: number, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let buf = "";
    sock.on("data", (d) => {
      buf += d;
      if (buf.includes("\r\n")) {
        resolve(buf.split("\r\n")[0].split(" ")[1]);
        sock.destroy();
      }
    });
    sock.on("error", reject);
    sock.on("close", () => resolve(buf.split("\r\n")[0].split(" ")[1] ?? "closed"));
    const lines = [`GET ${path} HTTP/1.1`, "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    sock.write(lines.join("\r\n") + "\r\n\r\n");
  });
}

describe("viewer server access rules", () => {
  let guarded: ViewerServer;
  const token = "s3cret-token-123";
  beforeAll(async () => {
    guarded = await startViewerServer({ source: new FixtureSource(), staticDir: await ensureViewerBuilt(), port: 0, token, maxClients: 3 });
  });
  afterAll(async () => guarded?.close());

  it("answers only its own Host (DNS rebinding), only same-origin pages, only with the token, sends CSP and framing headers", async () => {
    const own = `127.0.0.1:${guarded.port}`;
    const page = await httpGet("/", { host: own }, guarded.port);
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
    expect(page.headers["content-security-policy"]).toMatch(new RegExp(`connect-src 'self' ws://${own.replace(".", "\\.")}`));
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect((await httpGet("/", { host: `localhost:${guarded.port}` }, guarded.port)).status).toBe(200);
    // A rebinding page's domain resolving to 127.0.0.1 is refused, for pages, the API and the stream.
    expect((await httpGet("/", { host: `evil.example:${guarded.port}` }, guarded.port)).status).toBe(403);
    expect((await httpGet("/api/info", { host: `evil.example:${guarded.port}` }, guarded.port)).status).toBe(403);
    const ws = `/ws?token=${token}`;
    expect(await handshake(guarded.port, ws, { Host: `evil.example:${guarded.port}` })).toBe("403");
    // Same origin is accepted; another origin (another port is another origin) is refused.
    expect(await handshake(guarded.port, ws, { Host: own, Origin: `http://${own}` })).toBe("101");
    expect(await handshake(guarded.port, ws, { Host: own, Origin: `http://127.0.0.1:${guarded.port + 1}` })).toBe("403");
    expect(await handshake(guarded.port, ws, { Host: own, Origin: "http://attacker.example" })).toBe("403");
    expect(await handshake(guarded.port, ws, { Host: own, Origin: "null" })).toBe("403");
    // The token: missing or wrong is refused on the stream and the API.
    expect(await handshake(guarded.port, "/ws", { Host: own })).toBe("401");
    expect(await handshake(guarded.port, "/ws?token=wrong-token-1234", { Host: own })).toBe("401");
    expect((await httpGet("/api/info", { host: own }, guarded.port)).status).toBe(403);
    expect((await httpGet("/api/info", { host: own, "x-spikeloco-token": token }, guarded.port)).status).toBe(200);
    // The hello names no absolute path.
    const c = await client(`ws://${own}/ws?token=${token}`);
    await until(() => c.texts.some((m) => m.type === "hello") && c.scenes.length > 0);
    expect(JSON.stringify(c.texts[0]) + JSON.stringify(c.scenes[0])).not.toMatch(/"\/(home|tmp|work|root|Users)\//);
    c.ws.close();
    await c.closed;
  });

  it("refuses connections beyond the limit with 503 and accepts again when one leaves", async () => {
    const url = `ws://127.0.0.1:${guarded.port}/ws?token=${token}`;
    const held = await Promise.all([client(url), client(url), client(url)]);
    await until(() => guarded.clientStats().length === 3);
    expect(await handshake(guarded.port, `/ws?token=${token}`, { Host: `127.0.0.1:${guarded.port}` })).toBe("503");
    held[0].ws.close();
    await held[0].closed;
    await until(() => guarded.clientStats().length === 2);
    const again = await client(url);
    await until(() => again.texts.some((m) => m.type === "hello"));
    for (const c of [again, held[1], held[2]]) c.ws.close();
    await Promise.all([again.closed, held[1].closed, held[2].closed]);
  });
});

describe("control rate limits", () => {
  it("answer a flood with rate-limited errors (never queue it), apply what the budget allows, and keep the other client's frames flowing", async () => {
    const src = new FixtureSource();
    const limited = await startViewerServer({ source: src, staticDir: await ensureViewerBuilt(), port: 0, controlLimits: { burst: 20, perSecond: 10 } });
    try {
      const url = limited.url.replace("http", "ws") + "ws";
      const flooder = await client(url);
      const watcher = await client(url);
      await until(() => watcher.texts.some((m) => m.type === "hello"));
      const t0 = Date.now();
      let i = 0;
      const frames = setInterval(() => src.emitFrame(i++), 20);
      for (let k = 0; k < 2000; k++) flooder.ws.send(JSON.stringify({ type: "terrain", kind: "flat", id: k }));
      await until(() => flooder.texts.filter((m) => m.type === "error" || m.type === "ack").length >= 2000, 20_000);
      const seconds = (Date.now() - t0) / 1000;
      clearInterval(frames);
      const errors = flooder.texts.filter((m) => m.type === "error");
      expect(errors.every((e) => e.type === "error" && e.code === "rate-limited")).toBe(true);
      const applied = src.controls.filter((m) => m.type === "terrain").length;
      // A terrain switch costs 20 of a 20-token bucket refilled at 10/s: 1 at once, then 1 per 2 s.
      expect(applied).toBeGreaterThanOrEqual(1);
      expect(applied).toBeLessThanOrEqual(1 + Math.ceil(seconds / 2) + 1);
      expect(errors.length).toBe(2000 - applied);
      expect(flooder.ws.readyState).toBe(WebSocket.OPEN);
      expect(watcher.frames).toBeGreaterThan(0);
      // Another client still has its own budget.
      watcher.ws.send(JSON.stringify({ type: "pause", paused: true, id: 1 }));
      await until(() => watcher.texts.some((m) => m.type === "ack" && m.id === 1));
      flooder.ws.close();
      watcher.ws.close();
      await Promise.all([flooder.closed, watcher.closed]);
    } finally {
      await limited.close();
    }
  });
});
