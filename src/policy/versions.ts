/** Versions recorded in checkpoints and reports (what a result was produced with). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RAPIER_PACKAGE } from "../physics/rapier.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function installedVersion(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "missing";
  }
}

let cached: Record<string, string> | null = null;

export function collectVersions(): Record<string, string> {
  if (cached) return { ...cached };
  let own = "unknown";
  try {
    own = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    // running outside the package tree
  }
  cached = {
    spikeloco: own,
    node: process.version,
    rapier: `${RAPIER_PACKAGE}@${installedVersion(RAPIER_PACKAGE)}`,
    tfjs: installedVersion("@tensorflow/tfjs"),
  };
  return { ...cached };
}
