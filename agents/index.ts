/**
 * Controller presets: each agents/<name>.json holds a partial network description deep-merged over
 * agents/base.json; the encoder and decoder sizes come from the environment's spaces.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SpikelocoError } from "../src/core/errors.ts";
import { parseNetworkSpec, type NetworkSpec } from "../src/snn/spec.ts";

const here = dirname(fileURLToPath(import.meta.url));

interface PresetFile {
  description: string;
  spec: Record<string, unknown>;
}

function readPreset(name: string): PresetFile {
  return JSON.parse(readFileSync(join(here, `${name}.json`), "utf8")) as PresetFile;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge (objects merge, everything else is replaced by `over`). */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** The preset commands use when none is named. */
export const DEFAULT_AGENT = "nm-hebb";

export interface AgentInfo {
  name: string;
  description: string;
}

export function listAgents(): AgentInfo[] {
  return readdirSync(here)
    .filter((f) => f.endsWith(".json") && f !== "base.json")
    .map((f) => f.slice(0, -5))
    .sort()
    .map((name) => ({ name, description: readPreset(name).description }));
}

/** The network description of preset `name` sized for obsDim observations and actDim actions. */
export function loadAgent(name: string, dims: { obsDim: number; actDim: number }, overrides: Record<string, unknown> = {}): NetworkSpec {
  const names = listAgents().map((a) => a.name);
  if (!names.includes(name)) throw new SpikelocoError(`unknown agent '${name}' (expected one of ${names.join(", ")})`, "agent");
  for (const key of ["obsDim", "actDim"] as const) {
    const n = dims[key];
    if (!Number.isInteger(n) || n < 1) throw new SpikelocoError(`must be an integer >= 1, got ${n}`, key);
  }
  let json = deepMerge(readPreset("base").spec, readPreset(name).spec);
  json = deepMerge(json, { encoder: { size: dims.obsDim }, decoder: { size: dims.actDim } });
  json = deepMerge(json, overrides);
  return parseNetworkSpec(json);
}
