import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { isSpikelocoError } from "../core/errors.ts";
import { ClientQueue, DEFAULT_QUEUE, type ClientQueueOptions, type ClientStats } from "./client-queue.ts";
import { MAX_CONTROL_MESSAGE_BYTES, PROTOCOL_VERSION, type ControlMessage, type ServerMessage } from "./protocol.ts";
import { ReplayControlError, type StreamSource } from "./source.ts";
import { serveStatic } from "./static-files.ts";
import { parseControlMessage } from "./validate.ts";

export interface ViewerServerOptions {
  source: StreamSource;
  /** Directory of the built viewer (viewer/dist); nothing else is served as files. */
  staticDir: string;
  host?: string;
  port?: number;
  queue?: Partial<ClientQueueOptions>;
  /** Frames above this size close the connection at the protocol level (ws maxPayload). */
  maxPayloadBytes?: number;
  /** Unexpected errors from the source while applying a control (the client gets an "internal" error). */
  onError?: (err: unknown) => void;
}

export interface ViewerServer {
  url: string;
  port: number;
  host: string;
  clientStats(): ClientStats[];
  /** Swap what is streamed (e.g. train --watch publishing a new best rollout); clients get a `scene` message. */
  setSource(source: StreamSource): void;
  source(): StreamSource;
  close(): Promise<void>;
}

/** Serve the built viewer over HTTP and the stream over WebSocket at /ws. Binds 127.0.0.1 unless told. */
export async function startViewerServer(options: ViewerServerOptions): Promise<ViewerServer> {
  const host = options.host ?? "127.0.0.1";
  const queueOptions = { ...DEFAULT_QUEUE, ...options.queue };
  let source = options.source;
  let unsubscribe: () => void = () => {};
  const clients = new Map<WebSocket, ClientQueue>();
  let nextClientId = 1;

  const http: Server = createServer((req, res) => {
    handleHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error\n");
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      res.end("method not allowed\n");
      return;
    }
    const rawUrl = req.url ?? "/";
    const path = rawUrl.split("?")[0];
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
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ version: PROTOCOL_VERSION, mode: source.mode, label: source.label(), clients: clients.size }));
      return;
    }
    await serveStatic(options.staticDir, req, res, path);
  }

  const wss = new WebSocketServer({ server: http, path: "/ws", maxPayload: options.maxPayloadBytes ?? 64 * 1024 });

  function helloFor(): ServerMessage {
    return {
      type: "hello",
      version: PROTOCOL_VERSION,
      mode: source.mode,
      scene: source.scene(),
      settings: source.settings(),
      frameCount: source.frameCount(),
      conditions: source.conditions(),
    };
  }

  function announceScene(): void {
    const msg: ServerMessage = { type: "scene", scene: source.scene(), mode: source.mode, frameCount: source.frameCount(), label: source.label() };
    for (const q of clients.values()) q.sendJson(msg);
  }

  function attachSource(): void {
    const offFrame = source.onFrame((frame) => {
      for (const q of clients.values()) q.sendFrame(frame);
    });
    const offScene = source.onScene?.(() => announceScene()) ?? (() => {});
    unsubscribe = () => {
      offFrame();
      offScene();
    };
    source.start();
  }

  wss.on("connection", (ws) => {
    const queue = new ClientQueue(nextClientId++, ws, queueOptions);
    clients.set(ws, queue);
    queue.sendJson(helloFor());
    ws.on("message", (data, isBinary) => onMessage(queue, data, isBinary));
    ws.on("close", () => clients.delete(ws));
    ws.on("error", () => clients.delete(ws));
  });

  function reply(queue: ClientQueue, msg: ServerMessage): void {
    queue.sendJson(msg);
  }

  function onMessage(queue: ClientQueue, data: RawData, isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (isBinary) {
      reply(queue, { type: "error", id: null, code: "unsupported", message: "binary client messages are not part of the protocol; send JSON text" });
      return;
    }
    if (size > MAX_CONTROL_MESSAGE_BYTES) {
      reply(queue, { type: "error", id: null, code: "too-large", message: `message of ${size} bytes exceeds ${MAX_CONTROL_MESSAGE_BYTES}` });
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as Buffer).toString("utf8");
    const parsed = parseControlMessage(text);
    if (!parsed.ok) {
      reply(queue, { type: "error", id: parsed.id, code: parsed.code, message: parsed.message });
      return;
    }
    applyControl(queue, parsed.message);
  }

  function applyControl(queue: ClientQueue, msg: ControlMessage): void {
    const id = msg.id ?? null;
    if (msg.type === "hello") {
      if (msg.version !== PROTOCOL_VERSION) {
        reply(queue, { type: "error", id, code: "version", message: `server speaks protocol ${PROTOCOL_VERSION}, client ${msg.version}` });
      } else reply(queue, helloFor());
      return;
    }
    if (msg.type === "ping") {
      reply(queue, { type: "pong", id, serverTime: Date.now() });
      return;
    }
    try {
      source.control(msg);
    } catch (err) {
      if (isSpikelocoError(err) || err instanceof ReplayControlError) {
        reply(queue, { type: "error", id, code: "invalid", message: (err as Error).message });
        return;
      }
      // Anything else is a bug in the source, not the client's fault; rethrowing from a socket
      // listener would take the whole server (and a training run with --watch) down.
      options.onError?.(err);
      reply(queue, { type: "error", id, code: "internal", message: `'${msg.type}' failed: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    reply(queue, { type: "ack", id, of: msg.type });
    const settings = source.settings();
    if (settings) {
      const status: ServerMessage = { type: "status", settings, ...source.episodeInfo() };
      for (const q of clients.values()) q.sendJson(status);
    }
  }

  await new Promise<void>((resolveListen, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 8080, host, () => {
      http.off("error", reject);
      resolveListen();
    });
  });
  attachSource();
  const port = (http.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/`,
    port,
    host,
    clientStats: () => [...clients.values()].map((q) => q.stats()),
    source: () => source,
    setSource(next: StreamSource) {
      unsubscribe();
      if (next !== source) source.stop();
      source = next;
      announceScene();
      // The `scene` message carries no settings: tell clients the new source's toggles (all off on a
      // fresh simulation) so the page does not keep showing the previous source's.
      const settings = source.settings();
      if (settings) {
        const status: ServerMessage = { type: "status", settings, ...source.episodeInfo() };
        for (const q of clients.values()) q.sendJson(status);
      }
      attachSource();
    },
    async close() {
      unsubscribe();
      source.stop();
      for (const ws of clients.keys()) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
