/**
 * NATS connection settings shared by `train --nats` and `worker --nats`: the flags are declared once
 * here (CLI options, help texts, environment fallbacks) and turned into nats.js options with checks
 * that name the offending flag. Credentials may also come from the URL (nats://user:pass@host:port) or
 * from NATS_USER / NATS_PASSWORD / NATS_TOKEN, which keeps them out of process listings.
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { SpikelocoError } from "../../core/errors.ts";
import type { NatsFlags } from "./flags.ts";

export type { NatsFlags } from "./flags.ts";

export function connectionOptions(flags: NatsFlags, name: string): NodeConnectionOptions {
  const raw = flags.nats!;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SpikelocoError(`must be a URL like nats://host:4222, got '${raw}'`, "--nats");
  }
  if (!["nats:", "tls:"].includes(url.protocol)) throw new SpikelocoError(`must start with nats:// or tls://, got '${raw}'`, "--nats");
  if (!url.hostname) throw new SpikelocoError(`names no host: '${raw}'`, "--nats");
  // nats://user:pass@host or nats://token@host (the client library itself ignores URL credentials)
  const inUrl = { user: url.password ? decodeURIComponent(url.username) : undefined, pass: url.password ? decodeURIComponent(url.password) : undefined, token: !url.password && url.username ? decodeURIComponent(url.username) : undefined };
  const user = flags.natsUser ?? inUrl.user ?? process.env.NATS_USER;
  const pass = flags.natsPassword ?? inUrl.pass ?? process.env.NATS_PASSWORD;
  const tokenValue = flags.natsToken ?? inUrl.token ?? process.env.NATS_TOKEN;
  if ((user === undefined) !== (pass === undefined)) throw new SpikelocoError("give both a user and a password (or neither)", user === undefined ? "--nats-user" : "--nats-password");
  if (tokenValue !== undefined && user !== undefined) throw new SpikelocoError("give a token or a user/password, not both", "--nats-token");
  for (const [flag, file] of [["--nats-ca", flags.natsCa], ["--nats-cert", flags.natsCert], ["--nats-key", flags.natsKey]] as const) {
    if (file !== undefined && !existsSync(file)) throw new SpikelocoError(`no such file '${file}'`, flag);
  }
  if ((flags.natsCert === undefined) !== (flags.natsKey === undefined)) throw new SpikelocoError("--nats-cert and --nats-key go together", flags.natsCert ? "--nats-key" : "--nats-cert");
  const tls = flags.natsTls || url.protocol === "tls:" || flags.natsCa || flags.natsCert;
  const opts: NodeConnectionOptions = {
    servers: `nats://${url.host}`,
    name,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 5_000,
    maxPingOut: 3,
  };
  if (user !== undefined) Object.assign(opts, { user, pass });
  if (tokenValue !== undefined) opts.token = tokenValue;
  if (tls) opts.tls = { ...(flags.natsCa ? { caFile: flags.natsCa } : {}), ...(flags.natsCert ? { certFile: flags.natsCert, keyFile: flags.natsKey } : {}) };
  return opts;
}

/**
 * Connect or fail with one line naming the server and the reason (bad address, auth, TLS).
 * `waitForServer`: a refused connection is retried every second (a worker may start before the server).
 */
export async function openConnection(flags: NatsFlags, role: string, waitForServer = false, log?: (m: string) => void): Promise<NatsConnection> {
  const opts = connectionOptions(flags, `spikeloco-${role}@${hostname()}`);
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect(opts);
    } catch (err) {
      const reason = (err as Error).message || String(err);
      if (waitForServer && /refused/i.test(reason)) {
        if (attempt === 0) log?.(`${redact(flags.nats!)}: ${reason}; retrying every second`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      throw new SpikelocoError(`cannot connect to ${redact(flags.nats!)}: ${reason}`, "--nats");
    }
  }
}

/** The URL without its password or token, for logs. */
export function redact(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = "***";
    else if (u.username) u.username = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return raw;
  }
}
