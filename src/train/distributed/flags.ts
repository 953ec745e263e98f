/**
 * The NATS flags of `train --nats` and `worker --nats`, declared once (no NATS import here, so the CLI
 * can register them without loading the client).
 */
export interface NatsFlags {
  nats?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsTls?: boolean;
  natsCa?: string;
  natsCert?: string;
  natsKey?: string;
}

/** The connection flags, as commander options [flags, description] (both commands register all of them). */
export const NATS_FLAG_SPECS: Array<[string, string]> = [
  ["--nats <url>", "NATS server nats://host:port (train: evaluate members on `spikeloco worker` processes through it; worker: join a run there); credentials may be given in the URL"],
  ["--nats-user <name>", "NATS user (or NATS_USER)"],
  ["--nats-password <pw>", "NATS password (or NATS_PASSWORD)"],
  ["--nats-token <token>", "NATS auth token (or NATS_TOKEN)"],
  ["--nats-tls", "require TLS (implied by --nats-ca/--nats-cert or a tls:// URL)"],
  ["--nats-ca <file>", "CA certificate (PEM) to verify the NATS server with"],
  ["--nats-cert <file>", "client certificate (PEM) for TLS client authentication"],
  ["--nats-key <file>", "client key (PEM) for --nats-cert"],
];
