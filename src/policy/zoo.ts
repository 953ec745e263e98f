/**
 * The model zoo: shipped checkpoints under `zoo/` at the package root, one folder per controller
 * (a checkpoint directory plus `zoo.json`: what it is, the env and env version it was trained on,
 * its training config, seed and curve, and an evaluation summary whose speed the zoo test re-measures).
 * `watch --pretrained NAME` and `eval --pretrained NAME` resolve names here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SpikelocoError } from "../core/errors.ts";
import { packageRoot } from "../core/package.ts";
import { checkpointExists } from "./checkpoint.ts";

export const ZOO_META = "zoo.json";

export interface ZooMeta {
  name: string;
  description: string;
  /** "shipped" walkers, or "pilot" runs kept for the experiment's continuation (not yet trained to walk). */
  status: "shipped" | "pilot";
  env: { id: string; version: string; options: Record<string, unknown> };
  agent: string;
  seed: number;
  generation: number;
  config: Record<string, unknown>;
  /** Per generation: return mean, center return and forward speed (every evalCenterEvery generations). */
  curve: Array<{ generation: number; return_mean: number; center_return?: number; center_forward_speed?: number }>;
  /** Nominal episodes from fixed seeds: the speed the zoo test must keep reaching (>= 80%). */
  eval: { seeds: number[]; maxSteps: number; speed: number; return: number; fall_rate: number };
  training: { wall_s: number; sim_seconds: number; sim_seconds_per_wall_second: number };
}

export function zooRoot(): string {
  return join(packageRoot(), "zoo");
}

export function listZoo(): ZooMeta[] {
  const root = zooRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, ZOO_META)))
    .map((d) => JSON.parse(readFileSync(join(root, d.name, ZOO_META), "utf8")) as ZooMeta)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The checkpoint directory of a shipped controller; a one-line error naming `field` and the known names otherwise. */
export function zooCheckpoint(name: string, field = "--pretrained"): string {
  const dir = join(zooRoot(), name);
  if (!/^[A-Za-z0-9._-]+$/.test(name) || !existsSync(join(dir, ZOO_META))) {
    const known = listZoo().map((m) => m.name);
    throw new SpikelocoError(`no shipped controller '${name}' (zoo has: ${known.join(", ") || "none"})`, field);
  }
  return dir;
}

/** A run folder holding a checkpoint, else the shipped controller of that name (`train --init` takes either). */
export function runOrZooCheckpoint(dirOrName: string, field: string): string {
  return checkpointExists(dirOrName) ? dirOrName : zooCheckpoint(dirOrName, field);
}
