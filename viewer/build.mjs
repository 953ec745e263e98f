// Bundle the three.js viewer into viewer/dist with esbuild (no network; everything comes from node_modules).
// Usage: node viewer/build.mjs [--minify]. src/serve/bundle.ts calls buildViewer() on first use.
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
/** The only places the viewer may import from: its own sources, the shared wire modules, and npm packages. */
export const VIEWER_IMPORT_ROOTS = [join("viewer", "src"), join("src", "serve", "wire"), "node_modules"];

/** Files in an esbuild metafile's inputs that lie outside VIEWER_IMPORT_ROOTS (repo-relative paths). */
export function importsOutsideWire(metafile) {
  return Object.keys(metafile.inputs)
    .map((p) => relative(repoRoot, resolve(process.cwd(), p)))
    .filter((p) => !VIEWER_IMPORT_ROOTS.some((root) => p === root || p.startsWith(root + sep)));
}

export async function buildViewer({ outDir = join(here, "dist"), minify = true } = {}) {
  const tmp = `${outDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(here, "src", "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox110", "safari16"],
    outfile: join(tmp, "app.js"),
    minify,
    sourcemap: false,
    logLevel: "silent",
    legalComments: "none",
    metafile: true,
  });
  const outside = importsOutsideWire(result.metafile);
  if (outside.length > 0) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`the viewer may import only viewer/src, src/serve/wire and packages; it imports ${outside.join(", ")}`);
  }
  await copyFile(join(here, "src", "index.html"), join(tmp, "index.html"));
  await copyFile(join(here, "src", "style.css"), join(tmp, "style.css"));
  // Swap in with two renames so a server reading outDir sees the old or the new bundle, never none
  // for longer than an instant.
  const old = `${outDir}.old-${process.pid}`;
  await rename(outDir, old).catch((err) => {
    if (err.code !== "ENOENT") throw err;
  });
  await rename(tmp, outDir);
  await rm(old, { recursive: true, force: true });
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const out = await buildViewer({ minify: !process.argv.includes("--no-minify") });
  process.stderr.write(`viewer built into ${out}\n`);
}
