/**
 * The env registry and Gymnasium-style `make`. ENVS holds one entry per env: a definition with a built-in
 * robot, or (like `legged`) one built from the options. Env ids, `listEnvs()`, the CLI's --env choices and
 * every lookup derive from it; to add an env, add its entry here.
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
import { leggedDefinition } from "./legged.ts";

/** An env whose robot comes from the options (`robot`, `gains`). */
interface EnvFromOptions {
  id: string;
  summary: string;
  fromOptions(options: EnvOptions): EnvDefinition;
}

const legged = {
  id: "legged",
  summary: "any imported robot (URDF, MJCF or a robot .json), given by the robot option",
  fromOptions: (options: EnvOptions) => leggedDefinition(options),
} as const satisfies EnvFromOptions;

const ENVS = [ant, hexapod, legged] as const;

export type EnvId = (typeof ENVS)[number]["id"];

/** The env a command uses when none is named. */
export const DEFAULT_ENV: EnvId = "ant";

const BY_ID = new Map<string, EnvDefinition | EnvFromOptions>(ENVS.map((e) => [e.id, e]));
if (BY_ID.size !== ENVS.length) throw new SpikelocoError("two envs share an id", "envs");

const fromOptions = (e: EnvDefinition | EnvFromOptions): e is EnvFromOptions => "fromOptions" in e;

/** The envs with a built-in robot (all but those built from options). */
const BUILT_IN = ENVS.filter((e): e is Extract<(typeof ENVS)[number], EnvDefinition> => !fromOptions(e));

/** Every registered env id, in registry order. */
export function envIds(): EnvId[] {
  return ENVS.map((e) => e.id);
}

/** Whether env `id` builds its robot from the `robot` option. */
export function envTakesRobot(id: string): boolean {
  const e = BY_ID.get(id);
  return e !== undefined && fromOptions(e);
}

/** The envs with a built-in robot and their space sizes under `options` (the clock adds two channels, say). */
export function listEnvs(options: EnvOptions = {}): Array<{ id: EnvId; version: string; summary: string; observationSize: number; actionSize: number }> {
  return BUILT_IN.map((d) => ({
    id: d.id,
    version: d.version,
    summary: d.summary,
    observationSize: observationLayout(d.robot, resolveOptions(d.defaults, options)).size,
    actionSize: d.robot.joints.length,
  }));
}

/** Earlier versions by versioned id ("ant-v3"): the env they belong to and the defaults that differ. */
const EARLIER = new Map<string, { env: EnvDefinition; overrides: Partial<EnvDefinition["defaults"]> }>();
for (const e of BUILT_IN) {
  for (const [version, overrides] of Object.entries(e.earlierVersions ?? {})) EARLIER.set(version, { env: e, overrides });
}

/** The ids `makeEnv` accepts beyond envIds(): each env's current and earlier versioned ids ("ant-v4", "ant-v3"). */
export function versionedEnvIds(): string[] {
  return BUILT_IN.flatMap((e) => [e.version, ...Object.keys(e.earlierVersions ?? {})]);
}

/**
 * The id that rebuilds the env a run recorded as `recorded` ("ant@ant-v3", from a checkpoint's versions.env):
 * the versioned id when that version is an earlier one this build still has, else `envId` unchanged.
 */
export function envIdForVersion(envId: string, recorded: string | undefined): string {
  const version = recorded?.split("@")[1];
  const earlier = version === undefined ? undefined : EARLIER.get(version);
  const named = BY_ID.get(envId) ?? EARLIER.get(envId)?.env;
  return version !== undefined && earlier !== undefined && earlier.env === named ? version : envId;
}

/**
 * The definition for `id`: a registered env id (its current version), or a versioned id ("ant-v4" is ant,
 * "ant-v3" is ant with v3's defaults).
 */
export function envDefinition(id: string, options: EnvOptions = {}): EnvDefinition {
  const earlier = EARLIER.get(id);
  if (earlier) return { ...earlier.env, version: id, defaults: { ...earlier.env.defaults, ...earlier.overrides }, earlierVersions: {} };
  const e = BY_ID.get(id) ?? ENVS.find((x) => !fromOptions(x) && x.version === id);
  if (!e) throw new SpikelocoError(`unknown env id '${id}' (known: ${[...envIds(), ...versionedEnvIds()].join(", ")})`, "env");
  if (fromOptions(e)) return e.fromOptions(options);
  for (const k of ["robot", "gains"] as const) {
    if (options[k] !== undefined) throw new SpikelocoError(`only the '${legged.id}' env takes a ${k} (env '${id}' has its own robot)`, `options.${k}`);
  }
  return e;
}

/** Create an env (Rapier's WASM is initialised on first use, hence async). */
export async function makeEnv(id: EnvId | string, options: EnvOptions = {}): Promise<LocomotionEnv> {
  const def = envDefinition(id, options);
  const settings = resolveOptions(def.defaults, options);
  validateRobot(def.robot);
  const R = await loadRapier();
  return new LocomotionEnv(R, def, settings);
}

/**
 * N independent copies stepped together (see vec.ts for the layout and autoreset rule). `vec.lockstep`:
 * copies share one Rapier world where that keeps each bitwise a single env.
 */
export async function makeVecEnv(id: EnvId | string, n: number, options: EnvOptions = {}, vec: { lockstep?: boolean } = {}): Promise<VecEnv> {
  if (!Number.isInteger(n) || n < 1) throw new SpikelocoError(`number of envs must be an integer >= 1, got ${n}`, "n");
  const envs: LocomotionEnv[] = [];
  for (let i = 0; i < n; i++) envs.push(await makeEnv(id, options));
  return new VecEnv(envs, vec);
}
