/**
 * Shipping a training run into the zoo (zoo/<name>/): a copy of its checkpoint without the searcher state
 * (tens of KB), and zoo.json with the env version, config, seed, training curve and a nominal evaluation
 * whose speed the zoo test re-measures. Also the measurement itself (shared with the test).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deriveSeed } from "../../core/rng.ts";
import { envDefinition, makeEnv } from "../../../envs/index.ts";
import { checkpointEnv, loadCheckpoint, saveCheckpoint, type Checkpoint } from "../../policy/checkpoint.ts";
import { RunningNormalizer } from "../../policy/normalizer.ts";
import { createPolicy } from "../../policy/policy.ts";
import { runEpisode } from "../../policy/rollout.ts";
import { parseNetworkSpec } from "../../snn/spec.ts";
import { METRICS_FILE } from "../../train/metrics.ts";
import { ZOO_META, zooRoot, type ZooMeta } from "../../policy/zoo.ts";

export const ZOO_EVAL = { seeds: [0, 1, 2], maxSteps: 400 } as const;

/** Mean forward speed, return and fall rate of a checkpoint on nominal ground over fixed episode seeds. */
export async function measureNominal(dir: string, seeds: readonly number[] = ZOO_EVAL.seeds, maxSteps: number = ZOO_EVAL.maxSteps): Promise<{ speed: number; return: number; fall_rate: number }> {
  const ckpt = await loadCheckpoint(dir);
  const { envId, envOptions } = checkpointEnv(ckpt, dir);
  const env = await makeEnv(envId, { ...envOptions, maxSteps });
  const norm = ckpt.normalizer ? RunningNormalizer.fromState(ckpt.normalizer) : null;
  const policy = createPolicy(parseNetworkSpec(ckpt.spec), ckpt.params, norm ? { shift: norm.shift, scale: norm.scale, clip: norm.clip } : null, env.actionSpace);
  let dist = 0, sim = 0, ret = 0, falls = 0;
  for (const s of seeds) {
    const ep = runEpisode(env, policy, { seed: deriveSeed(s, "zoo-eval"), maxSteps });
    dist += ep.distance;
    sim += ep.simSeconds;
    ret += ep.return;
    falls += ep.fell ? 1 : 0;
  }
  env.close();
  return { speed: dist / sim, return: ret / seeds.length, fall_rate: falls / seeds.length };
}

/**
 * Copy a run into zoo/<name>/ and measure it. An entry that already holds this run at this generation (same
 * parameters, config, description and status) and was measured on the current env version is left as it is:
 * a new copy would only change the blob's name and the timestamps.
 */
export async function shipToZoo(runDir: string, name: string, description: string, status: ZooMeta["status"], root = zooRoot()): Promise<ZooMeta> {
  const ckpt = await loadCheckpoint(runDir);
  const dest = join(root, name);
  const unchanged = await shippedAlready(dest, ckpt, description, status);
  if (unchanged) return unchanged;
  if (existsSync(dest)) rmSync(dest, { recursive: true });
  mkdirSync(dest, { recursive: true });
  const info = (ckpt.training.info ?? {}) as { elapsedSeconds?: number; totalSimSeconds?: number };
  const { envId, envOptions } = checkpointEnv(ckpt, runDir);
  // runs made before checkpoints recorded the env version get the version current at shipping time
  const versions = { ...(ckpt.versions ?? {}), env: ckpt.versions?.env ?? `${envId}@${envDefinition(envId).version}` };
  saveCheckpoint(dest, { ...ckpt, versions, training: { generation: ckpt.training.generation, ...(ckpt.training.info !== undefined ? { info: ckpt.training.info } : {}) } });
  const metricsPath = join(runDir, METRICS_FILE);
  const rows = existsSync(metricsPath) ? readFileSync(metricsPath, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>) : [];
  const curve = rows.map((r) => ({
    generation: r.generation!,
    return_mean: r.return_mean!,
    ...(r.center_return !== undefined ? { center_return: r.center_return, center_forward_speed: r.center_forward_speed } : {}),
  }));
  const measured = await measureNominal(dest);
  const config = ckpt.config;
  const meta: ZooMeta = {
    name,
    description,
    status,
    env: { id: envId, version: envDefinition(envId).version, options: envOptions },
    agent: typeof config.agent === "string" ? config.agent : "custom",
    seed: ckpt.seed,
    generation: ckpt.training.generation,
    config,
    curve,
    eval: { seeds: [...ZOO_EVAL.seeds], maxSteps: ZOO_EVAL.maxSteps, ...measured },
    training: {
      wall_s: info.elapsedSeconds ?? 0,
      sim_seconds: info.totalSimSeconds ?? 0,
      sim_seconds_per_wall_second: (info.totalSimSeconds ?? 0) / Math.max(1e-9, info.elapsedSeconds ?? 0),
    },
  };
  writeFileSync(join(dest, ZOO_META), JSON.stringify(meta, null, 1) + "\n");
  return meta;
}

async function shippedAlready(dest: string, ckpt: Checkpoint, description: string, status: ZooMeta["status"]): Promise<ZooMeta | null> {
  const metaPath = join(dest, ZOO_META);
  if (!existsSync(metaPath)) return null;
  const meta = JSON.parse(readFileSync(metaPath, "utf8")) as ZooMeta;
  if (meta.description !== description || meta.status !== status || meta.generation !== ckpt.training.generation) return null;
  if (meta.env.version !== envDefinition(meta.env.id).version) return null;
  const shipped = await loadCheckpoint(dest).catch(() => null);
  if (!shipped || JSON.stringify(shipped.config) !== JSON.stringify(ckpt.config)) return null;
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return bytes(shipped.params).equals(bytes(ckpt.params)) ? meta : null;
}
