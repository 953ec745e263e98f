/**
 * The env registry and Gymnasium-style `make`. ENVS holds one entry per env; env ids, `listEnvs()`, the
 * CLI's --env choices and every lookup derive from it. To add a robot, add its definition here.
 */
import { SpikelocoError } from "../src/core/errors.ts";
import type { EnvDefinition } from "../src/env/config.ts";
import { LocomotionEnv } from "../src/env/locomotion.ts";
import { observationLayout } from "../src/env/observation.ts";
import type { EnvOptions } from "../src/env/options.ts";
import { resolveOptions } from "../src/env/options.ts";
import { VecEnv } from "../src/env/vec.ts";
import { loadRapier } from "../src/physics/rapier.ts";
import { validateRobot } from "../src/physics/robot.ts";
import { ant } from "./ant.ts";
import { hexapod } from "./hexapod.ts";

const ENVS = [ant, hexapod] as const;

export type EnvId = (typeof ENVS)[number]["id"];

/** The env a command uses when none is named. */
export const DEFAULT_ENV: EnvId = "ant";

const BY_ID = new Map<string, EnvDefinition>(ENVS.map((d) => [d.id, d]));
if (BY_ID.size !== ENVS.length) throw new SpikelocoError("two envs share an id", "envs");

/** Every registered env id, in registry order. */
export function envIds(): EnvId[] {
  return ENVS.map((d) => d.id);
}

/** Every env with its space sizes under `options` (the observation grows with the clock, say). */
export function listEnvs(options: EnvOptions = {}): Array<{ id: EnvId; version: string; summary: string; observationSize: number; actionSize: number }> {
  return ENVS.map((d) => ({
    id: d.id,
    version: d.version,
    summary: d.summary,
    observationSize: observationLayout(d.robot, resolveOptions(d.defaults, options)).size,
    actionSize: d.robot.joints.length,
  }));
}

export function envDefinition(id: string): EnvDefinition {
  const def = BY_ID.get(id);
  if (!def) throw new SpikelocoError(`unknown env id '${id}' (known: ${envIds().join(", ")})`, "env");
  return def;
}

/** Create an env (Rapier's WASM is initialised on first use, hence async). */
export async function makeEnv(id: EnvId | string, options: EnvOptions = {}): Promise<LocomotionEnv> {
  const def = envDefinition(id);
  const settings = resolveOptions(def.defaults, options);
  validateRobot(def.robot);
  const R = await loadRapier();
  return new LocomotionEnv(R, def, settings);
}

/** N independent copies stepped together (see vec.ts for the layout and autoreset rule). */
export async function makeVecEnv(id: EnvId | string, n: number, options: EnvOptions = {}): Promise<VecEnv> {
  if (!Number.isInteger(n) || n < 1) throw new SpikelocoError(`number of envs must be an integer >= 1, got ${n}`, "n");
  const envs: LocomotionEnv[] = [];
  for (let i = 0; i < n; i++) envs.push(await makeEnv(id, options));
  return new VecEnv(envs);
}
