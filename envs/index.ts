/** Gymnasium-style `make`: env ids -> definitions in envs/. */
import { SpikelocoError } from "../src/core/errors.ts";
import { loadRapier } from "../src/physics/rapier.ts";
import { validateRobot } from "../src/physics/robot.ts";
import { ant } from "./ant.ts";
import { hexapod } from "./hexapod.ts";
import { leggedDefinition } from "./legged.ts";
import type { EnvDefinition } from "../src/env/config.ts";
import { LocomotionEnv } from "../src/env/locomotion.ts";
import type { EnvOptions } from "../src/env/options.ts";
import { resolveOptions } from "../src/env/options.ts";
import { VecEnv } from "../src/env/vec.ts";

export type EnvId = "ant" | "hexapod" | "legged";

/** Envs with a built-in robot; "legged" builds its definition from the `robot` option. */
const DEFINITIONS: Record<Exclude<EnvId, "legged">, EnvDefinition> = { ant, hexapod };

export function listEnvs(): Array<{ id: EnvId; version: string; summary: string; observationSize: number; actionSize: number }> {
  return (Object.keys(DEFINITIONS) as Array<keyof typeof DEFINITIONS>).map((id) => {
    const d = DEFINITIONS[id];
    const nJ = d.robot.joints.length;
    return { id, version: d.version, summary: d.summary, observationSize: 11 + 2 * nJ + d.robot.feet.length, actionSize: nJ };
  });
}

export function envDefinition(id: string, options: EnvOptions = {}): EnvDefinition {
  if (id === "legged") return leggedDefinition(options as { robot?: string });
  if (!Object.prototype.hasOwnProperty.call(DEFINITIONS, id)) {
    throw new SpikelocoError(`unknown env id '${id}' (known: ${[...Object.keys(DEFINITIONS), "legged"].join(", ")})`, "env");
  }
  for (const k of ["robot", "gains"] as const) {
    if (options[k] !== undefined) throw new SpikelocoError(`only the 'legged' env takes a ${k} (env '${id}' has its own robot)`, `options.${k}`);
  }
  return DEFINITIONS[id as keyof typeof DEFINITIONS];
}

/** Create an env (Rapier's WASM is initialised on first use, hence async). */
export async function makeEnv(id: EnvId | string, options: EnvOptions = {}): Promise<LocomotionEnv> {
  const def = envDefinition(id, options);
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
