import { describe, expect, it } from "vitest";
import { makeEnv, makeVecEnv } from "../../envs/index.ts";
import { Rng } from "../../src/core/rng.ts";
import type { EnvOptions } from "../../src/env/options.ts";

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * A lockstep VecEnv against N single envs fed the same actions: every copy's observation (the final one at
 * an episode end), reward and flags bitwise equal at every step. Returns episode ends and the fewest copies
 * that shared a world at any step.
 */
async function compare(id: string, n: number, steps: number, options: EnvOptions, seeds: number[]): Promise<{ ends: number; minShared: number; maxShared: number }> {
  const vec = await makeVecEnv(id, n, options, { lockstep: true });
  const singles = await Promise.all(seeds.map(() => makeEnv(id, options)));
  const nAct = vec.actionSpace.shape[0];
  const obsDim = vec.observationSpace.shape[0];
  const rng = new Rng(5);
  const actions = new Float32Array(n * nAct);
  const first = vec.reset({ seed: seeds });
  singles.forEach((e, i) => expect(bits(e.reset({ seed: seeds[i]! }).obs).equals(bits(first.obs.subarray(i * obsDim, (i + 1) * obsDim)))).toBe(true));
  let ends = 0;
  let minShared = n;
  let maxShared = 0;
  for (let t = 0; t < steps; t++) {
    for (let k = 0; k < actions.length; k++) actions[k] = rng.range(-1, 1);
    const r = vec.step(actions);
    minShared = Math.min(minShared, vec.sharedCount);
    maxShared = Math.max(maxShared, vec.sharedCount);
    for (let i = 0; i < n; i++) {
      const s = singles[i]!.step(actions.subarray(i * nAct, (i + 1) * nAct));
      const done = s.terminated || s.truncated;
      const row = (done ? r.finalObs : r.obs).subarray(i * obsDim, (i + 1) * obsDim);
      const where = `copy ${i} at step ${t}`;
      expect(bits(row).equals(bits(s.obs)), where).toBe(true);
      expect(r.rewards[i], where).toBe(Math.fround(s.reward));
      expect([r.terminated[i], r.truncated[i]], where).toEqual([s.terminated ? 1 : 0, s.truncated ? 1 : 0]);
      if (done) {
        ends++;
        // the VecEnv restarted the copy (seed chain); the single env does the same, and the restart matches
        expect(bits(r.obs.subarray(i * obsDim, (i + 1) * obsDim)).equals(bits(singles[i]!.reset().obs)), `${where} (restart)`).toBe(true);
      }
    }
  }
  vec.close();
  for (const e of singles) e.close();
  return { ends, minShared, maxShared };
}

describe("lockstep VecEnv (robots sharing one Rapier world)", () => {
  it("ant on flat ground: every copy bitwise a single env, with early terminations and restarts joining the running world", async () => {
    // a narrow healthy band makes random actions end episodes early, at different steps per copy
    const r = await compare("ant", 6, 250, { healthyZRange: [0.3, 0.7] }, [3, 4, 5, 6, 7, 8]);
    expect(r.ends).toBeGreaterThan(5);
    expect(r.minShared).toBe(6);
  });

  it("hexapod, the same seed for every copy (the ES case): bitwise, with early ends", async () => {
    const r = await compare("hexapod", 4, 200, { healthyZRange: [0.3, 0.7] }, [9, 9, 9, 9]);
    expect(r.ends).toBeGreaterThan(4);
    expect(r.minShared).toBe(4);
  });

  it("off flat ground copies get worlds of their own and stay bitwise single envs", async () => {
    const r = await compare("ant", 3, 60, { conditions: { terrain: { kind: "slope" } } }, [1, 1, 1]);
    expect(r.maxShared).toBe(0);
  });

  it("a shared env refuses what would touch the other robots (stepping alone, snapshots, live condition changes)", async () => {
    const vec = await makeVecEnv("ant", 2, {}, { lockstep: true });
    const env = vec.envs[0]!;
    expect(env.sharedWorld).not.toBeNull();
    expect(() => env.step(new Float32Array(8))).toThrow(/shares a world/);
    expect(() => env.snapshot()).toThrow(/shares a world/);
    expect(() => env.setConditions({ friction: 0.5 })).toThrow(/shares a world/);
    vec.close();
  });
});
