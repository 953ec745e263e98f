import { describe, expect, it } from "vitest";
import { makeEnv, makeVecEnv, parseConditions } from "../../src/index.ts";
import { SpikelocoError } from "../../src/core/errors.ts";

async function rejection(p: Promise<unknown>): Promise<SpikelocoError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SpikelocoError);
    return e as SpikelocoError;
  }
  throw new Error("expected a rejection");
}

function thrown(f: () => unknown): SpikelocoError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpikelocoError);
    return e as SpikelocoError;
  }
  throw new Error("expected an error");
}

describe("bad input gives a clear, specific error", () => {
  it("unknown env id and unknown option", async () => {
    expect((await rejection(makeEnv("cheetah"))).message).toBe("env: unknown env id 'cheetah' (known: ant, hexapod, legged, ant-v4, ant-v3, hexapod-v4, hexapod-v3)");
    const e = await rejection(makeEnv("ant", { maxStep: 10 } as never));
    expect(e.message).toMatch(/^options: unknown option 'maxStep' \(known: [a-zA-Z, ]*\bmaxSteps, [a-zA-Z, ]*\bclockHz\b/);
    expect((await rejection(makeEnv("ant", { maxSteps: 0 }))).message).toBe("options.maxSteps: must be >= 1");
    expect((await rejection(makeVecEnv("ant", 0))).message).toBe("n: number of envs must be an integer >= 1, got 0");
  });

  it("out-of-range conditions name the field", async () => {
    expect(thrown(() => parseConditions({ obsNoise: { sigma: -0.1 } })).message).toBe("conditions.obsNoise.sigma: must be >= 0");
    expect(thrown(() => parseConditions({ friction: [0.9, 0.2] })).message).toBe("conditions.friction: range must be [lo, hi] with lo <= hi");
    expect(thrown(() => parseConditions({ latency: { steps: 1.5 } })).message).toBe("conditions.latency.steps: must be an integer");
    expect(thrown(() => parseConditions({ gravity: 3 })).message).toBe("conditions: unknown field 'gravity'");
    expect(thrown(() => parseConditions({ terrain: { kind: "lava" } })).message).toBe('conditions.terrain.kind: unknown terrain kind "lava" (known: flat, rough, slope, stairs, gaps)');
    const env = await makeEnv("ant");
    expect(thrown(() => env.reset({ conditions: { disabledLegs: [4] } })).message).toBe("conditions.disabledLegs[0]: leg index 4 out of range [0, 3] for 'ant'");
    expect(thrown(() => env.reset({ conditions: { obsNoise: { sigma: 0.1, groups: ["joints"] } } })).message).toMatch(/^conditions\.obsNoise\.groups\[0\]: unknown observation group 'joints' \(known: height, /);
    expect(thrown(() => env.reset({ conditions: { motorStrength: [1, 1, 1] } })).message).toBe("conditions.motorStrength: expected 8 per-actuator scales for 'ant', got 3");
    expect((await rejection(makeEnv("ant", { conditions: { mass: 0 } }))).message).toBe("options.conditions.mass: must be > 0");
    expect(thrown(() => parseConditions({ actionNoise: { sigma: -1 } })).message).toBe("conditions.actionNoise.sigma: must be >= 0");
    expect(thrown(() => parseConditions({ obsNoise: { sigma: { jointPos: -0.2 } } })).message).toBe("conditions.obsNoise.sigma.jointPos: must be >= 0");
    expect(thrown(() => parseConditions({ obsNoise: { sigma: Number.NaN } })).message).toMatch(/^conditions\.obsNoise\.sigma: /);
    expect(thrown(() => parseConditions({ pushes: { interval: 0, impulse: 1 } })).message).toBe("conditions.pushes.interval: must be >= 1");
    expect(thrown(() => parseConditions({ disabledLegs: [-1] })).message).toBe("conditions.disabledLegs[0]: must be >= 0");
    expect(thrown(() => env.reset({ conditions: { weakenedLegs: [{ leg: 9, scale: 0.5 }] } })).message).toBe("conditions.weakenedLegs[0].leg: leg index 9 out of range [0, 3] for 'ant'");
    const hex = await makeEnv("hexapod");
    expect(hex.reset({ conditions: { disabledLegs: [5] } }).obs.length).toBe(41); // leg 5 exists on the hexapod
    expect(thrown(() => hex.reset({ conditions: { disabledLegs: [6] } })).message).toBe("conditions.disabledLegs[0]: leg index 6 out of range [0, 5] for 'hexapod'");
    // the env is still usable after a rejected reset
    expect(env.reset({ seed: 1 }).obs.length).toBe(31);
  });

  it("wrong action length, stepping before reset", async () => {
    const env = await makeEnv("hexapod");
    expect(thrown(() => env.step(new Float32Array(12))).message).toBe("step: call reset() before step()");
    env.reset({ seed: 1 });
    expect(thrown(() => env.step(new Float32Array(8))).message).toBe("action: action has length 8, expected 12 (hexapod action space)");
    expect(thrown(() => env.applyPush([Number.NaN, 0, 0])).message).toBe("applyPush.impulse: impulse must be 3 finite numbers");
    expect(thrown(() => env.step(null as never)).message).toBe("action: action must be an array of numbers");
    const vec = await makeVecEnv("hexapod", 2);
    expect(thrown(() => vec.step(new Float32Array(12))).message).toBe("actions: actions have length 12, expected 2 x 12 = 24");
    expect(thrown(() => vec.reset({ seed: [1, 2, 3] })).message).toBe("reset.seed: expected 2 seeds, got 3");
  });

  it("NaN/Inf actions are replaced by 0 and flagged, and never reach the physics", async () => {
    const a = await makeEnv("ant");
    const b = await makeEnv("ant");
    a.reset({ seed: 2 });
    b.reset({ seed: 2 });
    const bad = [Number.NaN, 0.5, Infinity, -Infinity, 0, 0, 0, 0.25];
    const clean = [0, 0.5, 0, 0, 0, 0, 0, 0.25];
    for (let t = 0; t < 20; t++) {
      const ra = a.step(bad);
      expect(ra.info.nonFiniteAction).toBe(true);
      expect(ra.obs.every(Number.isFinite)).toBe(true);
      const rb = b.step(clean);
      expect(rb.info.nonFiniteAction).toBe(false);
      expect(Array.from(ra.obs)).toEqual(Array.from(rb.obs));
      expect(ra.reward).toBe(rb.reward);
    }
    // the same handling through a VecEnv: flagged per copy, the clean copy is unaffected
    const vec = await makeVecEnv("ant", 2);
    vec.reset({ seed: [2, 2] });
    const r = vec.step([...bad, ...clean]);
    expect(r.infos.map((i) => i.nonFiniteAction)).toEqual([true, false]);
    expect(Array.from(r.obs.subarray(0, 31))).toEqual(Array.from(r.obs.subarray(31, 62)));
    expect(r.obs.every(Number.isFinite)).toBe(true);
  });
});
