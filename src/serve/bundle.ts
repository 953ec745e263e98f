import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../core/package.ts";

const repoRoot = packageRoot();
export const VIEWER_DIST = join(repoRoot, "viewer", "dist");
/** Everything esbuild pulls into the bundle: the app and the shared wire modules (viewer/build.mjs refuses anything else). */
const VIEWER_SOURCES = [join(repoRoot, "viewer", "src"), join(repoRoot, "viewer", "build.mjs"), join(repoRoot, "src", "serve", "wire")];

/** Newest modification time below `dir`; 0 when it does not exist (an installed package ships the built bundle only). */
async function newestMtime(dir: string): Promise<number> {
  const info = await stat(dir).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

let building: Promise<string> | null = null;

async function isStale(): Promise<{ stale: boolean; missing: boolean }> {
  let builtAt = 0;
  try {
    builtAt = (await stat(join(VIEWER_DIST, "app.js"))).mtimeMs;
  } catch {
    return { stale: true, missing: true };
  }
  let sourcesAt = 0;
  for (const src of VIEWER_SOURCES) sourcesAt = Math.max(sourcesAt, await newestMtime(src));
  return { stale: sourcesAt > builtAt, missing: false };
}

const LOCK = join(repoRoot, "viewer", ".build-lock");

/** Cross-process lock (atomic mkdir) so parallel test workers or commands never swap the bundle under each other. */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const age = Date.now() - (await stat(LOCK).then((x) => x.mtimeMs).catch(() => Date.now()));
      if (age > 120_000) await rm(LOCK, { recursive: true, force: true }); // left by a killed process
      if (Date.now() - t0 > 180_000) throw new Error(`viewer build lock ${LOCK} held for over 3 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** Build the viewer bundle with esbuild when it is missing or older than its sources (first use). */
export async function ensureViewerBuilt(log: (msg: string) => void = () => {}): Promise<string> {
  building ??= (async () => {
    if (!(await isStale()).stale) return VIEWER_DIST;
    await withBuildLock(async () => {
      const { stale, missing } = await isStale(); // another process may have built it meanwhile
      if (!stale) return;
      log(missing ? "building the viewer bundle (first use)..." : "viewer sources changed; rebuilding the bundle...");
      const mod = (await import(pathToFileURL(join(repoRoot, "viewer", "build.mjs")).href)) as {
        buildViewer(o: { outDir: string }): Promise<string>;
      };
      await mod.buildViewer({ outDir: VIEWER_DIST });
    });
    return VIEWER_DIST;
  })();
  try {
    return await building;
  } finally {
    building = null;
  }
}
