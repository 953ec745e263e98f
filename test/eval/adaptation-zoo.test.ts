/**
 * Every shipped controller under zoo/ loads, was trained on the env version this build simulates (an env
 * change must re-train or re-evaluate the zoo), and still reaches >= 80% of the nominal speed recorded when
 * it was shipped (pilots that do not walk yet must reproduce their recorded speed within 0.05 m/s).
 */
import { describe, expect, it } from "vitest";
import { envDefinition } from "../../envs/index.ts";
import { measureNominal } from "../../src/eval/experiments/zoo.ts";
import { loadCheckpoint } from "../../src/policy/checkpoint.ts";
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

  it("an unknown name is refused with the known ones", () => {
    expect(() => zooCheckpoint("no-such-walker")).toThrow(/--pretrained: no shipped controller 'no-such-walker' \(zoo has: /);
  });
});
