/**
 * Where the spikeloco package is on disk, whether it runs from its TypeScript sources (a checkout) or
 * from the compiled `dist/` of an installed tarball, and which files in a folder are its modules.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The folder holding spikeloco's package.json (found by walking up from this module). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "spikeloco") {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`spikeloco's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** spikeloco's own version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

/** The installed version of a dependency, looked up in node_modules folders from the package root up; "missing" if absent. */
export function dependencyVersion(pkg: string): string {
  let dir = packageRoot();
  for (;;) {
    const manifest = join(dir, "node_modules", pkg, "package.json");
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
    const parent = dirname(dir);
    if (parent === dir) return "missing";
    dir = parent;
  }
}

/** A loadable module file: TypeScript sources in a checkout, compiled JavaScript in dist/ (never a .d.ts). */
export function isModuleFile(name: string): boolean {
  return (name.endsWith(".ts") && !name.endsWith(".d.ts")) || name.endsWith(".js");
}

/**
 * The file of a sibling module given by its source name (`./x.ts`), for loaders that take a path (worker
 * threads, dynamic imports by path): the .ts file in a checkout, the compiled .js in dist/.
 */
export function siblingModule(importMetaUrl: string, sourceName: string): string {
  const ts = fileURLToPath(new URL(sourceName, importMetaUrl));
  return existsSync(ts) ? ts : ts.replace(/\.ts$/, ".js");
}
