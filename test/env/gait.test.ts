import { describe, expect, it } from "vitest";
import { makeEnv } from "../../src/index.ts";
import { sinusoidalGait } from "../../src/env/gait.ts";

async function walk(id: string, terrain: object, seed: number): Promise<{ x: number; steps: number }> {
  const env = await makeEnv(id, { conditions: { terrain } as never });
  env.reset({ seed });
  const gait = sinusoidalGait(env.robot);
  const a = new Float32Array(env.actionSpace.shape[0]);
  let r = env.step(gait.action(0, a));
  for (let t = 1; t < 1000 && !r.terminated && !r.truncated; t++) r = env.step(gait.action(t * env.controlDt, a));
  return { x: r.info.x, steps: r.info.step };
}

describe("scripted sinusoidal gait", () => {
  // Measured (seed 1, 1000 steps): ant-v3 flat 17.5 m, rough amplitude 0.1 14.3 m, 0.15 10.3 m; ant-v4 flat
  // 17.1 m, rough 0.1 17.0 m, 0.15 14.2 m. The v4 physics (0.025 s steps) feels a rough ground less, so the
  // "measurably less" check takes the rougher ground there.
  it.each([
    ["ant-v3", 0.1],
    ["ant", 0.15],
  ])("%s: moves forward at least 1 m in 1000 steps on flat ground, and measurably less on rough terrain (amplitude %f)", async (id, amplitude) => {
    const flat = await walk(id, { kind: "flat" }, 1);
    const rough = await walk(id, { kind: "rough", amplitude, scale: 0.5 }, 1);
    expect(flat.steps).toBe(1000);
    expect(flat.x).toBeGreaterThan(1);
    expect(rough.x).toBeLessThan(0.9 * flat.x);
  });
});
