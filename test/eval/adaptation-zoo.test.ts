/**
 * Every shipped controller under zoo/ loads, was trained on the env version this build simulates (an env
 * change must re-train or re-evaluate the zoo), and still reaches >= 80% of the nominal speed recorded when
 * it was shipped (pilots that do not walk yet must reproduce their recorded speed within 0.05 m/s).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envDefinition } from "../../envs/index.ts";
import { measureNominal, shipToZoo } from "../../src/eval/experiments/zoo.ts";
import { loadCheckpoint, saveCheckpoint } from "../../src/policy/checkpoint.ts";
import { listZoo, zooCheckpoint } from "../../src/policy/zoo.ts";

const entries = listZoo();

describe("the model zoo", () => {
  it("holds the nominal walkers (static and plastic) and the adaptation arms' checkpoints", () => {
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(["ant-static", "ant-nm-hebb", "ant-adapt-B", "ant-adapt-C"]));
  });

  for (const meta of entries) {
    it(`${meta.name}: loads, matches the current env version, and walks at >= 80% of its recorded speed`, async () => {
      const dir = zooCheckpoint(meta.name);
      const ckpt = await loadCheckpoint(dir);
      expect(ckpt.training.searcher).toBeUndefined(); // shipped without optimiser state (tens of KB)
      expect(meta.env.version, `${meta.name} was trained on ${meta.env.id} ${meta.env.version}; re-train or re-evaluate the zoo`).toBe(envDefinition(meta.env.id).version);
      expect(ckpt.versions?.env).toBe(`${meta.env.id}@${meta.env.version}`);
      const now = await measureNominal(dir, meta.eval.seeds, meta.eval.maxSteps);
      if (meta.eval.speed > 0.05) expect(now.speed).toBeGreaterThanOrEqual(0.8 * meta.eval.speed);
      else {
        expect(meta.status).toBe("pilot");
        expect(Math.abs(now.speed - meta.eval.speed)).toBeLessThan(0.05);
      }
    }, 120_000);
  }

  it("shipping the same run twice leaves the entry's files as they were; a stale env version or a changed run replaces them", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "spikeloco-ship-"));
    try {
      const run = join(tmp, "run");
      cpSync(zooCheckpoint("ant-adapt-C"), run, { recursive: true });
      const root = join(tmp, "zoo");
      const snapshot = () => Object.fromEntries(readdirSync(join(root, "x")).map((f) => [f, readFileSync(join(root, "x", f)).toString("base64")]));
      const first = await shipToZoo(run, "x", "a run", "shipped", root);
      const before = snapshot();
      expect(await shipToZoo(run, "x", "a run", "shipped", root)).toEqual(first);
      expect(snapshot()).toEqual(before);
      const metaPath = join(root, "x", "zoo.json");
      writeFileSync(metaPath, JSON.stringify({ ...first, env: { ...first.env, version: "ant-v0" } }));
      expect((await shipToZoo(run, "x", "a run", "shipped", root)).env.version).toBe(first.env.version); // measured again on this env
      expect(JSON.parse(readFileSync(metaPath, "utf8")).env.version).toBe(first.env.version);
      const again = snapshot();
      const ckpt = await loadCheckpoint(run);
      const params = ckpt.params.slice();
      params[0] = params[0]! + 0.5;
      saveCheckpoint(run, { ...ckpt, params });
      await shipToZoo(run, "x", "a run", "shipped", root);
      expect((await loadCheckpoint(join(root, "x"))).params[0]).toBe(params[0]);
      expect(snapshot()).not.toEqual(again);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it("an unknown name is refused with the known ones", () => {
    expect(() => zooCheckpoint("no-such-walker")).toThrow(/--pretrained: no shipped controller 'no-such-walker' \(zoo has: /);
  });
});
