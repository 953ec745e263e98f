import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

/**
 * Resolve a URL path to a file strictly inside `root` (the built viewer). Returns null for anything
 * that escapes it: `..` segments (raw or percent-encoded), absolute paths, NUL bytes, symlinks out.
 */
export async function resolveStaticPath(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  if (decoded.split("/").some((seg) => seg === "..")) return null;
  const rel = decoded === "/" || decoded === "" ? "index.html" : decoded.replace(/^\/+/, "");
  const rootReal = await realpath(root);
  const candidate = resolve(rootReal, rel);
  if (!candidate.startsWith(rootReal + sep)) return null;
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(rootReal + sep)) return null;
    const info = await stat(real);
    return info.isFile() ? real : null;
  } catch {
    return null;
  }
}

/** Serve a GET/HEAD for a file of the built viewer; 403 outside it, 404 when missing. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, urlPath: string): Promise<void> {
  const traversal = /(^|\/|\\)\.\.(\/|\\|$)/.test(safeDecode(urlPath)) || safeDecode(urlPath).includes("\0");
  const file = traversal ? null : await resolveStaticPath(root, urlPath);
  if (file === null) {
    res.writeHead(traversal ? 403 : 404, { "content-type": "text/plain" });
    res.end(traversal ? "forbidden\n" : "not found\n");
    return;
  }
  res.writeHead(200, {
    "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

function safeDecode(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return "..";
  }
}
