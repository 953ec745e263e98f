/**
 * Entry points for watching: `startWatch` (the `watch` command: live simulation or recording) and
 * `startWatchServer` (for `train --watch` / `npm start`: a live stream whose controller is replaced by
 * the current best one each generation). Also `recordEpisode` for `eval --record`.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { SpikelocoError } from "../core/errors.ts";
import type { Conditions } from "../env/conditions.ts";
import type { EnvOptions } from "../env/options.ts";
import { makeEnv } from "../../envs/index.ts";
import { MANIFEST } from "../policy/checkpoint.ts";
import { ensureViewerBuilt } from "./bundle.ts";
import { checkpointController, freshController, snnController, type ControllerSource } from "./live-controller.ts";
import { LiveSimulation, type LiveController, type TelemetryEnv } from "./live.ts";
import { RecordingWriter, loadRecording } from "./recording.ts";
import { isLoopbackHost } from "./security.ts";
import { startViewerServer, type ViewerServer } from "./server.ts";
import { RecordingSource, type StreamSource } from "./source.ts";
import { FRAME_FLAG_DONE } from "./wire/protocol.ts";

/** The port tried first when none is given. */
export const DEFAULT_PORT = 8080;

export interface ListenOptions {
  host?: string | undefined;
  /** Default DEFAULT_PORT; 0 = any free port. */
  port?: number | undefined;
  /** Try the next 20 ports when `port` is taken (npm start, train --watch, watch without --port). */
  portFallback?: boolean | undefined;
  /** Required on the stream and API when set (the printed URL carries it). */
  token?: string | null | undefined;
  /** Origins allowed besides the viewer's own. */
  allowedOrigins?: string[] | undefined;
  /** Allow a non-loopback --host without a token (with a loud warning). */
  insecure?: boolean | undefined;
  /** WebSocket clients served at once (default DEFAULT_MAX_CLIENTS). */
  maxClients?: number | undefined;
  log?: ((msg: string) => void) | undefined;
}

/**
 * Refuse to expose the viewer's controls to the network without a token: a non-loopback host needs
 * --token, or --insecure (then a warning is printed). Checked before any work.
 */
export function checkExposure(o: Pick<ListenOptions, "host" | "token" | "insecure" | "log">): void {
  const host = o.host ?? "127.0.0.1";
  if (isLoopbackHost(host)) return;
  if (!o.token && !o.insecure) {
    throw new SpikelocoError(
      `binding '${host}' would let anyone on your network watch and drive the simulation; add --token (a secret the URL then carries) or --insecure to do it anyway`,
      "--host",
    );
  }
  if (!o.token) {
    const bar = "!".repeat(78);
    o.log?.(`${bar}\n!! WARNING: the viewer is bound to '${host}' WITHOUT a token (--insecure).\n!! Anyone who can reach this machine can watch the stream and push, damage or reset the robot.\n${bar}`);
  }
}

/** The URL to open: the token travels in the fragment, which browsers do not send to servers or in Referer. */
export function viewerUrl(server: ViewerServer, token: string | null | undefined): string {
  return token ? `${server.url}#token=${encodeURIComponent(token)}` : server.url;
}

async function listen(source: StreamSource, o: ListenOptions): Promise<ViewerServer> {
  checkExposure(o);
  const staticDir = await ensureViewerBuilt(o.log);
  const first = o.port ?? DEFAULT_PORT;
  const attempts = o.portFallback && first !== 0 ? 20 : 1;
  for (let i = 0; ; i++) {
    const port = first === 0 ? 0 : first + i;
    try {
      return await startViewerServer({
        source,
        staticDir,
        host: o.host,
        port,
        token: o.token ?? null,
        allowedOrigins: o.allowedOrigins,
        maxClients: o.maxClients,
        onError: (err) => o.log?.(`viewer: ${(err as Error).stack ?? String(err)}`),
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" && i + 1 < attempts && port < 65535) continue;
      if (code === "EADDRINUSE") {
        throw new SpikelocoError(
          attempts > 1 ? `ports ${first}-${port} are all in use (pick another with --port, or 0 for any free one)` : `port ${port} is in use (pick another with --port, or --port 0 for any free one)`,
          "--port",
        );
      }
      if (code === "EACCES") throw new SpikelocoError(`no permission to listen on port ${port} (ports below 1024 need root)`, "--port");
      if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME" || code === "EAFNOSUPPORT") {
        throw new SpikelocoError(`cannot listen on '${o.host}': not an address of this machine (${code})`, "--host");
      }
      throw err;
    }
  }
}

export interface LiveWatchOptions extends ListenOptions {
  env: TelemetryEnv;
  controller: ControllerSource;
  conditions?: Conditions | undefined;
  seed?: number | undefined;
}

export interface Watch {
  /** The URL to open (with the token, if any). */
  url: string;
  server: ViewerServer;
  live: LiveSimulation | null;
  close(): Promise<void>;
}

export async function startLiveWatch(o: LiveWatchOptions): Promise<Watch> {
  const live = new LiveSimulation(o.env, snnController(o.controller, o.env), {
    seed: o.seed ?? 0,
    conditions: o.conditions,
    onError: (err) => o.log?.(`simulation stopped: ${(err as Error).stack ?? String(err)}`),
  });
  const server = await listen(live, o);
  return { url: viewerUrl(server, o.token), server, live, close: () => server.close() };
}

export async function startRecordingWatch(path: string, o: ListenOptions): Promise<Watch & { frames: number }> {
  const { recording, bytes, name } = await loadRecording(path);
  const src = new RecordingSource(bytes, recording.scene, recording.frames.length, recording.header.conditions, name);
  const server = await listen(src, o);
  return { url: viewerUrl(server, o.token), server, live: null, frames: recording.frames.length, close: () => server.close() };
}

export interface WatchServer {
  /** The URL to open (with the token, if any). */
  url: string;
  server: ViewerServer;
  /** Stream this controller from now on (e.g. the best one of the latest generation). */
  publishController(controller: ControllerSource): void;
  /**
   * Watch a training run directory: whenever its checkpoint is rewritten (once per generation), stream
   * the new controller. Resolves after the first check.
   */
  followCheckpoint(dir: string, intervalMs?: number): Promise<void>;
  /** Generation of the controller being streamed (null while it is the fresh network). */
  generation(): number | null;
  close(): Promise<void>;
}

export interface WatchServerOptions extends ListenOptions {
  envId?: string | undefined;
  /** Env options the controllers were trained with (e.g. clockHz); they shape the observation. */
  envOptions?: EnvOptions | undefined;
  conditions?: Conditions | undefined;
  seed?: number | undefined;
  /** Preset shown until the first controller is published. */
  agent?: string | undefined;
  /**
   * A shipped zoo controller for the same env to show first (a walking robot within seconds); a followed
   * run replaces it once its own walker reaches SHIPPED_HAND_OVER x the shipped nominal speed, as read
   * from the run's metrics file (JSON lines with center_forward_speed).
   */
  shipped?: { dir: string; name: string; speed: number; runMetrics: string } | undefined;
}

/** The followed run replaces a shipped controller when it walks at this fraction of the shipped speed. */
export const SHIPPED_HAND_OVER = 0.8;

/** The newest evaluated forward speed in a run's metrics file (its center rows), or null. */
async function latestCenterSpeed(metricsFile: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(metricsFile, "utf8");
  } catch {
    return null;
  }
  const lines = text.trimEnd().split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const row = JSON.parse(lines[i]!) as { center_forward_speed?: number };
      if (typeof row.center_forward_speed === "number") return row.center_forward_speed;
    } catch {
      // a line being appended at this instant
    }
  }
  return null;
}

/** A live viewer for training: starts with a fresh network of `agent`, then shows each published controller. */
export async function startWatchServer(o: WatchServerOptions = {}): Promise<WatchServer> {
  checkExposure(o);
  const envKey = (id: string, options: Record<string, unknown>) => JSON.stringify([id, options]);
  let env = await makeEnv(o.envId ?? "ant", o.envOptions ?? {});
  let currentEnvKey = envKey(env.id, o.envOptions ?? {});
  const seed = o.seed ?? 0;
  const make = (c: ControllerSource) =>
    new LiveSimulation(env, snnController(c, env), { seed, conditions: o.conditions, onError: (err) => o.log?.(`viewer simulation stopped: ${String(err)}`) });
  let shipped = o.shipped;
  const first = make(shipped ? { ...(await checkpointController(shipped.dir)), label: `shipped ${shipped.name} (zoo; the run replaces it when it walks at ${SHIPPED_HAND_OVER * 100}% of its speed)` } : await freshController(env, o.agent, seed));
  const server = await listen(first, { portFallback: true, ...o }).catch((err: unknown) => {
    env.close();
    throw err;
  });
  const url = viewerUrl(server, o.token);
  let timer: NodeJS.Timeout | null = null;
  let seenMtime = 0;
  let generation: number | null = null;
  let closed = false;
  const publish = (c: ControllerSource) => {
    if (!closed) server.setSource(make(c));
  };
  async function checkOnce(dir: string): Promise<void> {
    let mtime: number;
    try {
      mtime = (await stat(join(dir, MANIFEST))).mtimeMs;
    } catch {
      return; // no checkpoint yet
    }
    if (mtime === seenMtime) return;
    if (shipped) {
      const speed = await latestCenterSpeed(shipped.runMetrics);
      if (speed === null || speed < SHIPPED_HAND_OVER * shipped.speed) return;
      o.log?.(`viewer: the run walks at ${speed.toFixed(2)} m/s (shipped ${shipped.name}: ${shipped.speed.toFixed(2)}); showing the run from now on`);
      shipped = undefined;
    }
    try {
      const c = await checkpointController(dir);
      seenMtime = mtime;
      generation = c.generation;
      // A checkpoint from another env or env options (a clock adds observations) needs its own env.
      const key = envKey(c.envId ?? env.id, c.envOptions);
      if (key !== currentEnvKey && !closed) {
        const previous = env;
        env = await makeEnv(c.envId ?? env.id, c.envOptions);
        currentEnvKey = key;
        publish(c);
        previous.close();
        return;
      }
      publish(c);
    } catch (err) {
      // A checkpoint being replaced at this instant; the next poll reads the complete one.
      o.log?.(`viewer: checkpoint not readable yet (${(err as Error).message})`);
    }
  }
  return {
    url,
    server,
    publishController: publish,
    async followCheckpoint(dir, intervalMs = 1000) {
      if (timer) clearInterval(timer);
      await checkOnce(dir);
      let busy = false;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        checkOnce(dir).finally(() => (busy = false));
      }, intervalMs);
      timer.unref();
    },
    generation: () => generation,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await server.close();
      env.close();
    },
  };
}

/** Run one episode headless and return its recording (for `eval --record`). */
export function recordEpisode(
  env: TelemetryEnv,
  controller: LiveController,
  o: { seed: number; conditions?: Conditions; maxSteps: number; meta?: Record<string, unknown> },
): RecordingWriter {
  const live = new LiveSimulation(env, controller, { seed: o.seed, conditions: o.conditions, heatEvery: 1 });
  const writer = new RecordingWriter(live.scene(), live.conditions(), { seed: o.seed, ...o.meta });
  for (let i = 0; i < o.maxSteps; i++) {
    const frame = live.stepOnce();
    writer.add(frame);
    if (frame.flags & FRAME_FLAG_DONE) break;
  }
  return writer;
}

export interface TrainingViewer {
  url: string;
  close(): Promise<void>;
}

/**
 * The `--watch` hook for training: serve the viewer, show a fresh network of the trained preset until the
 * first checkpoint lands in `runDir`, then the newest checkpoint's controller after every generation.
 */
export async function attachTrainingViewer(o: {
  envId?: string | undefined;
  envOptions?: EnvOptions | undefined;
  runDir: string;
  agent?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  log?: ((m: string) => void) | undefined;
  shipped?: WatchServerOptions["shipped"];
}): Promise<TrainingViewer> {
  let envId = o.envId;
  let envOptions = o.envOptions;
  if (envId === undefined) {
    // Resuming: the run directory's checkpoint knows its env.
    const stored = await checkpointController(o.runDir).catch(() => null);
    envId = stored?.envId ?? "ant";
    envOptions ??= stored?.envOptions as EnvOptions | undefined;
  }
  const w = await startWatchServer({ envId, envOptions, agent: o.agent, host: o.host, port: o.port ?? DEFAULT_PORT, portFallback: true, log: o.log, shipped: o.shipped });
  await w.followCheckpoint(o.runDir);
  return { url: w.url, close: () => w.close() };
}
