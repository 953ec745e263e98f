import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { isSpikelocoError } from "../core/errors.ts";
import { ClientQueue, DEFAULT_QUEUE, type ClientQueueOptions, type ClientStats } from "./client-queue.ts";
import { hostAllowed, originAllowed, securityHeaders, tokenMatches, TokenBucket, type AccessPolicy } from "./security.ts";
import { ReplayControlError, type StreamSource } from "./source.ts";
import { serveStatic } from "./static-files.ts";
import { parseControlMessage } from "./validate.ts";
import { CONTROL_COSTS, type ControlMessage } from "./wire/controls.ts";
import { MAX_CONTROL_MESSAGE_BYTES, PROTOCOL_VERSION, type ControlLimits, type SceneDescription, type ServerMessage } from "./wire/protocol.ts";
import { encodeScene } from "./wire/scene-codec.ts";

/** Per-client control budget: 20 tokens, 10 per second (a terrain switch costs 20, a pause 1; see wire/controls.ts). */
export const DEFAULT_CONTROL_LIMITS: ControlLimits = { burst: 20, perSecond: 10 };
export const DEFAULT_MAX_CLIENTS = 16;

export interface ViewerServerOptions {
  source: StreamSource;
  /** Directory of the built viewer (viewer/dist); nothing else is served as files. */
  staticDir: string;
  host?: string | undefined;
  port?: number | undefined;
  queue?: Partial<ClientQueueOptions> | undefined;
  /** Frames above this size close the connection at the protocol level (ws maxPayload). */
  maxPayloadBytes?: number | undefined;
  /** Unexpected errors from the source while applying a control (the client gets an "internal" error). */
  onError?: ((err: unknown) => void) | undefined;
  /** Required on /ws and /api/* (query `token=` or header `x-spikeloco-token`) when set. */
  token?: string | null | undefined;
  /** Origins allowed besides the viewer's own (same-origin only by default). */
  allowedOrigins?: string[] | undefined;
  /** WebSocket connections beyond this are refused with 503. */
  maxClients?: number | undefined;
  /** Per-client control rate; all clients together get twice the burst at the same rate. */
  controlLimits?: ControlLimits | undefined;
}

export interface ViewerServer {
  url: string;
  port: number;
  host: string;
  clientStats(): ClientStats[];
  /** Swap what is streamed (e.g. train --watch publishing a new best rollout); clients get a new hello and scene. */
  setSource(source: StreamSource): void;
  source(): StreamSource;
  close(): Promise<void>;
}

interface Client {
  queue: ClientQueue;
  bucket: TokenBucket;
}

/** Serve the built viewer over HTTP and the stream over WebSocket at /ws. Binds 127.0.0.1 unless told. */
export async function startViewerServer(options: ViewerServerOptions): Promise<ViewerServer> {
  const host = options.host ?? "127.0.0.1";
  const queueOptions = { ...DEFAULT_QUEUE, ...options.queue };
  const limits = options.controlLimits ?? DEFAULT_CONTROL_LIMITS;
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  const sharedBucket = new TokenBucket(2 * limits.burst, limits.perSecond);
  const policy: AccessPolicy = { host, port: 0, allowedOrigins: options.allowedOrigins ?? [], token: options.token ?? null };
  let source = options.source;
  let unsubscribe: () => void = () => {};
  const clients = new Map<WebSocket, Client>();
  let pendingUpgrades = 0;
  let nextClientId = 1;
  // One encoding per scene, shared by every client (the heightfield is the bulk of it).
  const sceneBytes = new WeakMap<SceneDescription, Uint8Array>();
  const encodedScene = (scene: SceneDescription): Uint8Array => {
    let bytes = sceneBytes.get(scene);
    if (!bytes) {
      bytes = encodeScene(scene);
      sceneBytes.set(scene, bytes);
    }
    return bytes;
  };

  const http: Server = createServer((req, res) => {
    handleHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error\n");
    });
  });

  function requestToken(req: IncomingMessage): string | null {
    const header = req.headers["x-spikeloco-token"];
    if (typeof header === "string") return header;
    return new URL(req.url ?? "/", "http://x").searchParams.get("token");
  }

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(policy, req.headers.host)) {
      res.writeHead(403, { "content-type": "text/plain" });
      res.end("forbidden: unexpected Host header (this viewer answers only its own address)\n");
      return;
    }
    for (const [k, v] of Object.entries(securityHeaders(req.headers.host!))) res.setHeader(k, v);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      res.end("method not allowed\n");
      return;
    }
    const path = (req.url ?? "/").split("?")[0]!;
    if (path.startsWith("/api/")) {
      if (!originAllowed(policy, req.headers.origin, req.headers.host) || !tokenMatches(policy.token, requestToken(req))) {
        res.writeHead(403, { "content-type": "text/plain" });
        res.end("forbidden\n");
        return;
      }
    }
    if (path === "/api/recording") {
      const bytes = source.recordingBytes();
      if (bytes === null) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("no recording: the server is streaming a live simulation\n");
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream", "content-encoding": "gzip", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : bytes);
      return;
    }
    if (path === "/api/info") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ version: PROTOCOL_VERSION, mode: source.mode, label: source.label(), clients: clients.size, maxClients }));
      return;
    }
    await serveStatic(options.staticDir, req, res, path);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 64 * 1024 });

  function refuseUpgrade(socket: Socket, status: number, reason: string): void {
    const body = `${reason}\n`;
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    socket.destroy();
  }

  http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/ws") return refuseUpgrade(socket, 404, "Not Found");
    if (!hostAllowed(policy, req.headers.host)) return refuseUpgrade(socket, 403, "Forbidden (Host)");
    if (!originAllowed(policy, req.headers.origin, req.headers.host)) return refuseUpgrade(socket, 403, "Forbidden (Origin)");
    if (!tokenMatches(policy.token, url.searchParams.get("token"))) return refuseUpgrade(socket, 401, "Unauthorized (token)");
    if (clients.size + pendingUpgrades >= maxClients) return refuseUpgrade(socket, 503, "Service Unavailable (too many viewers)");
    pendingUpgrades++;
    wss.handleUpgrade(req, socket, head, (ws) => {
      pendingUpgrades--;
      onConnection(ws);
    });
  });

  function helloFor(): ServerMessage {
    return {
      type: "hello",
      version: PROTOCOL_VERSION,
      mode: source.mode,
      settings: source.settings(),
      frameCount: source.frameCount(),
      conditions: source.conditions(),
      label: source.label(),
      file: source.fileName(),
      episode: source.episodeInfo().episode,
      limits,
    };
  }

  function greet(queue: ClientQueue, hello: string, scene: Uint8Array): void {
    queue.sendMessage(hello);
    queue.sendMessage(scene);
  }

  function broadcastSource(): void {
    const hello = JSON.stringify(helloFor());
    const scene = encodedScene(source.scene());
    for (const c of clients.values()) greet(c.queue, hello, scene);
  }

  function broadcastStatus(): void {
    const settings = source.settings();
    if (!settings) return;
    const status = JSON.stringify({ type: "status", settings, ...source.episodeInfo() } satisfies ServerMessage);
    for (const c of clients.values()) c.queue.sendMessage(status);
  }

  function attachSource(): void {
    const offFrame = source.onFrame((frame) => {
      for (const c of clients.values()) c.queue.sendFrame(frame);
    });
    const offScene =
      source.onScene?.((scene) => {
        const bytes = encodedScene(scene);
        for (const c of clients.values()) c.queue.sendMessage(bytes);
      }) ?? (() => {});
    unsubscribe = () => {
      offFrame();
      offScene();
    };
    source.start();
  }

  function onConnection(ws: WebSocket): void {
    const client: Client = { queue: new ClientQueue(nextClientId++, ws, queueOptions), bucket: new TokenBucket(limits.burst, limits.perSecond) };
    clients.set(ws, client);
    greet(client.queue, JSON.stringify(helloFor()), encodedScene(source.scene()));
    ws.on("message", (data, isBinary) => onMessage(client, data, isBinary));
    ws.on("close", () => clients.delete(ws));
    ws.on("error", () => clients.delete(ws));
  }

  function reply(client: Client, msg: ServerMessage): void {
    client.queue.sendJson(msg);
  }

  function onMessage(client: Client, data: RawData, isBinary: boolean): void {
    // Charged before parsing, so a flood of anything costs the server no more than the budget allows.
    if (!client.bucket.take(1)) {
      reply(client, { type: "error", id: null, code: "rate-limited", message: `too many control messages (at most ${limits.perSecond} per second, bursts of ${limits.burst})` });
      return;
    }
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (isBinary) {
      reply(client, { type: "error", id: null, code: "unsupported", message: "binary client messages are not part of the protocol; send JSON text" });
      return;
    }
    if (size > MAX_CONTROL_MESSAGE_BYTES) {
      reply(client, { type: "error", id: null, code: "too-large", message: `message of ${size} bytes exceeds ${MAX_CONTROL_MESSAGE_BYTES}` });
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as Buffer).toString("utf8");
    const parsed = parseControlMessage(text);
    if (!parsed.ok) {
      reply(client, { type: "error", id: parsed.id, code: parsed.code, message: parsed.message });
      return;
    }
    const msg = parsed.message;
    const extra = CONTROL_COSTS[msg.type] - 1;
    if ((extra > 0 && !client.bucket.take(extra)) || !sharedBucket.take(CONTROL_COSTS[msg.type])) {
      reply(client, { type: "error", id: msg.id ?? null, code: "rate-limited", message: `'${msg.type}' refused: too many controls; try again in a moment` });
      return;
    }
    applyControl(client, msg);
  }

  function applyControl(client: Client, msg: ControlMessage): void {
    const id = msg.id ?? null;
    if (msg.type === "hello") {
      if (msg.version !== PROTOCOL_VERSION) {
        reply(client, { type: "error", id, code: "version", message: `server speaks protocol ${PROTOCOL_VERSION}, client ${msg.version}` });
      } else reply(client, { type: "ack", id, of: "hello" });
      return;
    }
    if (msg.type === "ping") {
      reply(client, { type: "pong", id, serverTime: Date.now() });
      return;
    }
    try {
      source.control(msg);
    } catch (err) {
      if (isSpikelocoError(err) || err instanceof ReplayControlError) {
        reply(client, { type: "error", id, code: "invalid", message: (err as Error).message });
        return;
      }
      // Anything else is a bug in the source, not the client's fault; rethrowing from a socket
      // listener would take the whole server (and a training run with --watch) down.
      options.onError?.(err);
      reply(client, { type: "error", id, code: "internal", message: `'${msg.type}' failed: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    reply(client, { type: "ack", id, of: msg.type });
    broadcastStatus();
  }

  await new Promise<void>((resolveListen, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 8080, host, () => {
      http.off("error", reject);
      resolveListen();
    });
  });
  // Errors after listening (e.g. EMFILE on accept) must not crash the process.
  http.on("error", (err) => options.onError?.(err));
  wss.on("error", (err) => options.onError?.(err));
  attachSource();
  const port = (http.address() as AddressInfo).port;
  policy.port = port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/`,
    port,
    host,
    clientStats: () => [...clients.values()].map((c) => c.queue.stats()),
    source: () => source,
    setSource(next: StreamSource) {
      unsubscribe();
      if (next !== source) source.stop();
      source = next;
      broadcastSource();
      attachSource();
    },
    async close() {
      unsubscribe();
      source.stop();
      for (const ws of clients.keys()) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      http.closeAllConnections?.();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
