/**
 * Checks every command runs before any work or write, built on the library's own parsers (one
 * validation per fact): parseConditions and the env's robot-dependent checks (leg indices, observation
 * groups, per-actuator lists), loadCheckpoint's checksums, the SNN spec parser, the output-path checks of
 * src/core/paths.ts and the run-folder lock of src/core/lock.ts.
 */
import { SpikelocoError, isSpikelocoError } from "../core/errors.ts";
import { checkUnlocked, lockDir } from "../core/lock.ts";
import { checkWritableDir, makeDirs, removeDirs } from "../core/paths.ts";
import type { Conditions } from "../env/conditions.ts";
import { loadCheckpoint, type Checkpoint } from "../policy/checkpoint.ts";
import { log } from "./output.ts";

/** Re-throw an input error under `field` when it names no field of its own. */
export function underField(err: unknown, field: string): unknown {
  if (isSpikelocoError(err) && err.path === undefined) return new SpikelocoError(err.message, field);
  return err;
}

/**
 * A checkpoint that loads (manifest, checksums, array bounds; a corrupt newest one falls back to the
 * previous with a warning on stderr, or silently with `quiet` when a later load reports it), its errors
 * under `field`.
 */
export async function readCheckpoint(dir: string, field: string, quiet = false): Promise<Checkpoint> {
  if (dir.trim() === "") throw new SpikelocoError("must not be empty", field);
  try {
    return await loadCheckpoint(dir, { onWarning: quiet ? () => {} : (m) => log(`spikeloco: warning: ${m}`) });
  } catch (err) {
    throw underField(err, field);
  }
}

/** A checkpoint's network: its description parses and its parameter vector fits the layout. */
export async function checkStoredNetwork(ckpt: Checkpoint, where: string): Promise<void> {
  const { parseNetworkSpec } = await import("../snn/spec.ts");
  const { buildLayout, checkParams } = await import("../snn/layout.ts");
  try {
    checkParams(buildLayout(parseNetworkSpec(ckpt.spec)), ckpt.params);
  } catch (err) {
    if (isSpikelocoError(err)) throw new SpikelocoError(err.message, where);
    throw err;
  }
}

/**
 * Conditions as the env will apply them: the robot-dependent facts (leg indices, observation group
 * names, per-actuator lists) are checked by the env itself, on a throwaway env, so a bad file fails here
 * and not in a worker after a checkpoint was written. `where` names the source, e.g. "--conditions f.json".
 */
export async function checkConditionsForEnv(envId: string, envOptions: Record<string, unknown>, list: Array<{ conditions: Conditions; where: string }>): Promise<void> {
  if (list.length === 0) return;
  const { makeEnv } = await import("../../envs/index.ts");
  const env = await makeEnv(envId, envOptions);
  try {
    env.reset({ seed: 0 });
    for (const { conditions, where } of list) {
      try {
        env.setConditions(conditions);
      } catch (err) {
        if (isSpikelocoError(err)) throw new SpikelocoError(err.message, where);
        throw err;
      }
    }
  } finally {
    env.close();
  }
}

/** The env options a run's conditions are checked with (what shapes the observation groups). */
export function envOptionsOf(config: Record<string, unknown>): Record<string, unknown> {
  const o = config.envOptions;
  return o && typeof o === "object" && !Array.isArray(o) ? { ...(o as Record<string, unknown>) } : {};
}

/** The env a run will build, made once and closed: checks its options (e.g. a --robot file) before any work. */
export async function checkEnvOptions(envId: string, envOptions: Record<string, unknown>): Promise<void> {
  const { makeEnv } = await import("../../envs/index.ts");
  (await makeEnv(envId, envOptions)).close();
}

/** A run folder about to be written: not held by a live run, writable or creatable. No write. */
export function checkRunFolder(dir: string, field: string): void {
  if (dir.trim() === "") throw new SpikelocoError("must not be empty", field);
  checkWritableDir(dir, field, "run folder");
  checkUnlocked(dir, field);
}

export interface RunFolderClaim {
  /** Unlock, and remove the folders made for the run if nothing was written in them. */
  release(): void;
}

/** Create (if needed) and lock the run folder: the first write of a command, after all checks passed. */
export function claimRunFolder(dir: string, field: string): RunFolderClaim {
  const created = makeDirs(dir, field);
  let lock;
  try {
    lock = lockDir(dir, field);
  } catch (err) {
    removeDirs(created);
    throw err;
  }
  return {
    release() {
      lock.release();
      removeDirs(created);
    },
  };
}
