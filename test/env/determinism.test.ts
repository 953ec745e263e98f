import { describe, expect, it } from "vitest";
import { makeEnv, makeVecEnv } from "../../src/index.ts";
import { Rng } from "../../src/core/rng.ts";

function actionSequence(n: number, nAct: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: nAct }, () => rng.range(-1, 1)));
}

describe("determinism", () => {
  it("same seed and actions give bitwise-identical observations over 1000 steps, also after snapshot/restore", async () => {
    const conditions = { obsNoise: { sigma: 0.01 }, actionNoise: { sigma: 0.05 }, pushes: { interval: 50, impulse: 0.3 }, latency: { steps: 1 } };
    const acts = actionSequence(1000, 8, 7);
    const run = async () => {
      const env = await makeEnv("ant", { terminateWhenUnhealthy: false, conditions });
      env.reset({ seed: 42 });
      const out = new Float32Array(1000 * 31);
      for (let t = 0; t < 1000; t++) out.set(env.step(acts[t]!).obs, t * 31);
      return out;
    };
    const a = await run();
    const b = await run();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);

    // snapshot at 500, run to the end, restore (also into a fresh env), replay 500..999
    const env = await makeEnv("ant", { terminateWhenUnhealthy: false, conditions });
    env.reset({ seed: 42 });
    for (let t = 0; t < 500; t++) env.step(acts[t]!);
    const snap = env.snapshot();
    for (let t = 500; t < 1000; t++) env.step(acts[t]!);
    for (const target of [env, await makeEnv("ant", { terminateWhenUnhealthy: false })]) {
      target.restore(snap);
      const replay = new Float32Array(500 * 31);
      for (let t = 500; t < 1000; t++) replay.set(target.step(acts[t]!).obs, (t - 500) * 31);
      expect(Buffer.from(replay.buffer).equals(Buffer.from(a.buffer, 500 * 31 * 4))).toBe(true);
    }

    // a snapshot only restores into an env of the same id and options; a refused restore leaves the env usable
    const hex = await makeEnv("hexapod");
    hex.reset({ seed: 1 });
    expect(() => hex.restore(snap)).toThrow("restore: snapshot is of a 'ant' env, cannot restore it into 'hexapod'");
    const other = await makeEnv("ant", { terminateWhenUnhealthy: false, physicsDt: 0.005 });
    expect(() => other.restore(snap)).toThrow("restore: snapshot was taken with other env options (physicsDt, substeps); restore it into an env made with the same options");
    expect(() => other.restore({ world: snap.world, state: "{" })).toThrow(/^restore: snapshot state is not valid JSON/);
    expect(hex.step(new Float32Array(12)).obs.every(Number.isFinite)).toBe(true);
  });

  it("snapshot/restore is bitwise on rough terrain for the hexapod too (into a fresh env)", async () => {
    const options = { terminateWhenUnhealthy: false, conditions: { terrain: { kind: "rough" as const }, obsNoise: { sigma: 0.02 } } };
    const acts = actionSequence(200, 12, 5);
    const env = await makeEnv("hexapod", options);
    env.reset({ seed: 8 });
    for (let t = 0; t < 100; t++) env.step(acts[t]!);
    const snap = env.snapshot();
    const tail = acts.slice(100).map((a) => Array.from(env.step(a).obs));
    const fresh = await makeEnv("hexapod", { terminateWhenUnhealthy: false });
    fresh.restore(snap);
    expect(fresh.terrain.kind).toBe("rough");
    expect(acts.slice(100).map((a) => Array.from(fresh.step(a).obs))).toEqual(tail);
  });

  it("VecEnv gives the same results as N single envs (including autoreset)", async () => {
    const n = 3;
    const steps = 30;
    const vec = await makeVecEnv("ant", n, { maxSteps: 12 });
    vec.reset({ seed: [5, 6, 7] });
    const acts = actionSequence(steps, 8 * n, 11);
    const vecObs: number[][] = [];
    const vecRewards: number[][] = [];
    const vecFlags: number[][] = [];
    const vecFinal: number[][] = [];
    for (let t = 0; t < steps; t++) {
      const r = vec.step(acts[t]!);
      vecObs.push(Array.from(r.obs));
      vecRewards.push(Array.from(r.rewards));
      vecFlags.push([...Array.from(r.terminated), ...Array.from(r.truncated)]);
      vecFinal.push(Array.from(r.finalObs));
    }
    let ends = 0;
    for (let i = 0; i < n; i++) {
      const env = await makeEnv("ant", { maxSteps: 12 });
      let obs = env.reset({ seed: 5 + i }).obs;
      for (let t = 0; t < steps; t++) {
        const r = env.step(acts[t]!.subarray(i * 8, (i + 1) * 8));
        expect(Math.fround(r.reward)).toBe(vecRewards[t]![i]);
        expect([vecFlags[t]![i], vecFlags[t]![n + i]]).toEqual([r.terminated ? 1 : 0, r.truncated ? 1 : 0]);
        if (r.terminated || r.truncated) {
          ends++;
          expect(vecFinal[t]!.slice(i * 31, (i + 1) * 31)).toEqual(Array.from(r.obs));
          obs = env.reset().obs;
        } else obs = r.obs;
        expect(Array.from(obs)).toEqual(vecObs[t]!.slice(i * 31, (i + 1) * 31));
      }
    }
    expect(ends).toBeGreaterThanOrEqual(n * 2); // every copy autoreset at least twice in 30 steps
  });
});
