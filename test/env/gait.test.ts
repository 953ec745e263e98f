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
  it("moves the Ant forward at least 1 m in 1000 steps on flat ground, and measurably less on rough terrain", async () => {
    const flat = await walk("ant", { kind: "flat" }, 1);
    const rough = await walk("ant", { kind: "rough", amplitude: 0.1, scale: 0.5 }, 1);
    expect(flat.steps).toBe(1000);
    expect(flat.x).toBeGreaterThan(1);
    expect(rough.x).toBeLessThan(0.9 * flat.x);
  });
});
