import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const VIEWER_DIST = join(repoRoot, "viewer", "dist");
/** Everything esbuild pulls into the bundle: the app and the browser-safe shared modules. */
const VIEWER_SOURCES = [
  join(repoRoot, "viewer", "src"),
  join(repoRoot, "viewer", "build.mjs"),
  ...["protocol.ts", "codec.ts", "recording-format.ts"].map((f) => join(repoRoot, "src", "serve", f)),
  join(repoRoot, "src", "core", "errors.ts"),
];

async function newestMtime(dir: string): Promise<number> {
  const info = await stat(dir);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

let building: Promise<string> | null = null;

/** Build the viewer bundle with esbuild when it is missing or older than its sources (first use). */
export async function ensureViewerBuilt(log: (msg: string) => void = () => {}): Promise<string> {
  building ??= (async () => {
    let builtAt = 0;
    try {
      builtAt = (await stat(join(VIEWER_DIST, "app.js"))).mtimeMs;
    } catch {
      builtAt = 0;
    }
    let sourcesAt = 0;
    for (const dir of VIEWER_SOURCES) sourcesAt = Math.max(sourcesAt, await newestMtime(dir));
    if (builtAt === 0 || sourcesAt > builtAt) {
      log(builtAt === 0 ? "building the viewer bundle (first use)..." : "viewer sources changed; rebuilding the bundle...");
      const mod = (await import(pathToFileURL(join(repoRoot, "viewer", "build.mjs")).href)) as {
        buildViewer(o: { outDir: string }): Promise<string>;
      };
      await mod.buildViewer({ outDir: VIEWER_DIST });
    }
    return VIEWER_DIST;
  })();
  try {
    return await building;
  } finally {
    building = null;
  }
}
