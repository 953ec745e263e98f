/**
 * Test rig for the distributed pool: a real nats-server on free ports (client + monitoring), which can be
 * stopped and restarted on the same ports, and real `spikeloco worker` processes. A missing binary is a
 * failure that says how to install it, never a skip.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { delimiter, join } from "node:path";

export interface NatsAuth {
  user?: string;
  pass?: string;
  token?: string;
  tls?: { cert: string; key: string };
}

export interface NatsServer {
  url: string;
  port: number;
  monitorPort: number;
  /** Traffic counters from the monitoring endpoint (/varz). */
  varz(): Promise<{ in_bytes: number; out_bytes: number; in_msgs: number; out_msgs: number; connections: number }>;
  /** Kill it (SIGKILL) and start it again on the same ports. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function natsServerBinary(): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin", "/usr/local/bin"];
  for (const d of dirs) {
    const p = join(d, "nats-server");
    if (d && existsSync(p)) return p;
  }
  throw new Error("nats-server not found on PATH or in /usr/sbin: install it with `apt-get install nats-server` (the NATS tests start a real server; .ci/run installs it)");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = tcpConnect(port, "127.0.0.1");
      c.once("connect", () => (c.destroy(), resolve(true)));
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startNatsServer(auth: NatsAuth = {}): Promise<NatsServer> {
  const bin = natsServerBinary();
  const port = await freePort();
  const monitorPort = await freePort();
  const args = ["-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort)];
  if (auth.user) args.push("--user", auth.user, "--pass", auth.pass ?? "");
  if (auth.token) args.push("--auth", auth.token);
  if (auth.tls) args.push("--tls", "--tlscert", auth.tls.cert, "--tlskey", auth.tls.key);
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    await waitForPort(port, 10_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${err}`);
    });
  };
  const kill = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  await launch();
  const scheme = auth.tls ? "tls" : "nats";
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    monitorPort,
    async varz() {
      const r = await fetch(`http://127.0.0.1:${monitorPort}/varz`);
      return (await r.json()) as { in_bytes: number; out_bytes: number; in_msgs: number; out_msgs: number; connections: number };
    },
    async restart(downMs = 300) {
      await kill("SIGKILL");
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    stop: () => kill("SIGTERM"),
  };
}

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;

export interface WorkerProcess {
  child: ChildProcess;
  /** stderr so far. */
  log(): string;
  /** stdout so far (the --json summary). */
  stdout(): string;
  /** Resolves once its log matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited(): Promise<number | null>;
}

/**
 * A `spikeloco worker` process (extra args: --nats-user ..., --idle-exit ...); `launcher` runs it through
 * another command (e.g. ["ip", "netns", "exec", "ns1"]).
 */
export function startWorker(url: string, args: string[] = [], launcher: string[] = []): WorkerProcess {
  const argv = [process.execPath, bin, "worker", "--nats", url, "--cores", "1", ...args];
  const cmd = [...launcher, ...argv];
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    log: () => err,
    stdout: () => out,
    async waitFor(pattern, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(err)) {
        if (child.exitCode !== null) throw new Error(`worker exited (${child.exitCode}) before ${pattern}:\n${err}`);
        if (Date.now() > deadline) throw new Error(`worker log did not match ${pattern} within ${timeoutMs} ms:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited: () => exit,
  };
}

/** SIGKILL every still-running process (test cleanup). */
export function killAll(procs: Array<{ child: ChildProcess }>): void {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
}
