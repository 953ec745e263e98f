import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envDefinition, envIdForVersion, makeEnv, versionedEnvIds } from "../../envs/index.ts";
import { findCheckpointEnv, loadCheckpoint, saveCheckpoint } from "../../src/policy/checkpoint.ts";
import { loadPolicy } from "../../src/policy/load.ts";

/** A real checkpoint written on ant-v3 before v4 existed (the first adaptation pilot, arm A, generation 13). */
const ZOO_V3 = new URL("../support/checkpoints/ant-v3-pilot", import.meta.url).pathname;

describe("env versions", () => {
  it.each([
    ["ant", "ant-v4", 0.025, 8, 2],
    ["ant-v4", "ant-v4", 0.025, 8, 2],
    ["ant-v3", "ant-v3", 0.01, 4, 5],
    ["hexapod", "hexapod-v4", 0.025, 10, 2],
    ["hexapod-v3", "hexapod-v3", 0.01, 4, 5],
  ])("makeEnv(%s) is %s: physicsDt %f, %i solver iterations, %i substeps, and its Rapier world has them", async (id, version, dt, iterations, substeps) => {
    const env = await makeEnv(id);
    expect(env.version).toBe(version);
    expect(env.id).toBe(id.split("-")[0]);
    expect(env.physicsDt).toBe(dt);
    expect(env.solverIterations).toBe(iterations);
    expect(env.controlDt).toBeCloseTo(0.05, 12);
    expect(Math.round(env.controlDt / env.physicsDt)).toBe(substeps);
    env.reset({ seed: 0 });
    const { world } = env.physics;
    expect(world.timestep).toBeCloseTo(dt, 7); // stored as f32 by Rapier
    expect(world.integrationParameters.numSolverIterations).toBe(iterations);
    env.close();
  });

  it("the legged env (imported robots) keeps 0.01 s x 4 iterations", async () => {
    const env = await makeEnv("legged", { robot: new URL("../../envs/robots/quadruped.urdf", import.meta.url).pathname });
    expect([env.version, env.physicsDt, env.solverIterations]).toEqual(["legged-v1", 0.01, 4]);
    env.close();
  });

  it("every versioned id is accepted; an unknown id gives one error listing the known ids", async () => {
    expect(versionedEnvIds()).toEqual(expect.arrayContaining(["ant-v4", "ant-v3", "hexapod-v4", "hexapod-v3"]));
    await expect(makeEnv("ant-v2")).rejects.toThrow(/unknown env id 'ant-v2' \(known: ant, hexapod, legged, ant-v4, ant-v3, hexapod-v4, hexapod-v3\)/);
    await expect(makeEnv("walker")).rejects.toThrow(/unknown env id 'walker' \(known: .*ant-v3/);
  });

  it("a recorded version maps to the id that rebuilds it", () => {
    expect(envIdForVersion("ant", "ant@ant-v3")).toBe("ant-v3");
    expect(envIdForVersion("ant", "ant@ant-v4")).toBe("ant");
    expect(envIdForVersion("ant", undefined)).toBe("ant");
    expect(envIdForVersion("hexapod", "hexapod@hexapod-v3")).toBe("hexapod-v3");
    // a version of another env is not taken
    expect(envIdForVersion("hexapod", "ant@ant-v3")).toBe("hexapod");
  });

  it("a v3 checkpoint (written before v4) resolves to ant-v3 through findCheckpointEnv and loadPolicy", async () => {
    const ckpt = await loadCheckpoint(ZOO_V3);
    expect(ckpt.versions?.env).toBe("ant@ant-v3");
    expect(findCheckpointEnv(ckpt)?.envId).toBe("ant-v3");
    const loaded = await loadPolicy(ZOO_V3);
    expect(loaded.env?.envId).toBe("ant-v3");
    const env = await makeEnv(loaded.env!.envId, loaded.env!.envOptions);
    expect([env.version, env.physicsDt, env.solverIterations]).toEqual(["ant-v3", 0.01, 4]);
    env.close();
  });

  it("a checkpoint recorded on ant-v4, or with no env version, resolves to ant (the current version)", async () => {
    const v3 = await loadCheckpoint(ZOO_V3);
    const dir = mkdtempSync(join(tmpdir(), "spikeloco-versions-"));
    try {
      for (const [name, env] of [["v4", "ant@ant-v4"], ["none", undefined]] as const) {
        const versions: Record<string, string> = { ...v3.versions };
        if (env === undefined) delete versions.env;
        else versions.env = env;
        expect(findCheckpointEnv({ config: v3.config, versions })?.envId).toBe("ant");
        saveCheckpoint(join(dir, name), { ...v3, versions });
        expect((await loadPolicy(join(dir, name))).env?.envId, name).toBe("ant");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ant-v4 stands under zero action: torso height after 200 steps within 2% of ant-v3's", async () => {
    const heights: number[] = [];
    for (const id of ["ant-v3", "ant-v4"]) {
      const env = await makeEnv(id, { resetNoiseScale: 0 });
      env.reset({ seed: 3 });
      const zero = new Float32Array(8);
      let h = NaN;
      for (let t = 0; t < 200; t++) {
        const r = env.step(zero);
        expect(r.terminated).toBe(false);
        h = r.info.torsoHeight;
      }
      heights.push(h);
      env.close();
    }
    const [v3, v4] = heights as [number, number];
    expect(v3).toBeGreaterThan(0.3);
    expect(Math.abs(v4 - v3) / v3).toBeLessThan(0.02);
  });
});
