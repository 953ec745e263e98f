/**
 * What keeps the viewer server safe to leave running: which Host and Origin headers it answers (DNS
 * rebinding, other web pages), the token, response headers, and the control-rate token buckets.
 */
import { timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { hostname } from "node:os";

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function splitHostPort(value: string): { host: string; port: string } | null {
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(value.trim());
  if (!m) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, "").toLowerCase(), port: m[2] ?? "80" };
}

export interface AccessPolicy {
  /** The bound interface and port. */
  host: string;
  port: number;
  /** Extra origins (scheme://host:port) allowed to connect besides the viewer's own, e.g. a reverse proxy. */
  allowedOrigins: string[];
  /** Required on /ws and /api/* when set. */
  token: string | null;
}

/**
 * The Host header must name this server: on a loopback bind only loopback names (a DNS-rebinding page's
 * own domain is refused); on other binds also an IP literal, this machine's name, or an allowed origin's
 * host. The port is not checked: the name is what a rebinding attack cannot fake.
 */
export function hostAllowed(p: AccessPolicy, hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const h = hostHeader.toLowerCase();
  const hp = splitHostPort(h);
  if (!hp) return false;
  if (isLoopbackHost(hp.host)) return true;
  if (p.allowedOrigins.some((o) => new URL(o).hostname.replace(/^\[|\]$/g, "") === hp.host)) return true;
  if (isLoopbackHost(p.host)) return false;
  const me = hostname().toLowerCase();
  return isIP(hp.host) !== 0 || hp.host === me || hp.host === `${me}.local` || hp.host === p.host.toLowerCase();
}

/**
 * Browsers always send Origin on a WebSocket handshake: it must be the page's own origin (same host
 * as the Host header) or an allowed one. Clients that send none (command-line tools) are not web pages.
 */
export function originAllowed(p: AccessPolicy, origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  if (p.allowedOrigins.includes(origin)) return true;
  if (!hostHeader) return false;
  return origin === `http://${hostHeader}` || origin === `https://${hostHeader}`;
}

export function tokenMatches(expected: string | null, given: string | null | undefined): boolean {
  if (expected === null) return true;
  if (typeof given !== "string") return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Headers on every HTTP response: no framing, no foreign scripts or connections, no sniffing or referrers. */
export function securityHeaders(hostHeader: string): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "media-src 'self' blob:",
      `connect-src 'self' ws://${hostHeader} wss://${hostHeader}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join("; "),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
  };
}

/** Classic token bucket: `take(cost)` succeeds while tokens last; they refill at `perSecond` up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(cost: number): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
