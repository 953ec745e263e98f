#!/usr/bin/env node
// Builds what the published package runs: dist/ (JavaScript + .d.ts from src/, envs/, agents/, with
// every runtime asset beside its module) and the viewer bundle (viewer/dist). `npm run build`; npm runs
// it before `npm pack` / `npm publish` (prepack).
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const SOURCE_FOLDERS = ["src", "envs", "agents"];
const NOT_ASSETS = new Set([".ts", ".md"]);

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

let assets = 0;
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!NOT_ASSETS.has(extname(name))) {
      cpSync(path, join(dist, relative(root, path)));
      assets++;
    }
  }
}
for (const folder of SOURCE_FOLDERS) copyAssets(join(root, folder));

const { buildViewer } = await import(pathToFileURL(join(root, "viewer", "build.mjs")).href);
await buildViewer({ outDir: join(root, "viewer", "dist") });
process.stderr.write(`built dist/ (${assets} assets copied) and viewer/dist/\n`);
