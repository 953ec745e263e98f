import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createSearcher } from "../../src/train/es/index.ts";
import { RunningNormalizer } from "../../src/policy/normalizer.ts";
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from "../../src/policy/checkpoint.ts";

function sample(generation: number, n = 100): Checkpoint {
  const s = createSearcher("es", Float32Array.from({ length: n }, (_, i) => i * 0.5 + generation), { popSize: 4, sigma: 0.1, lr: 0.01, seed: 1 });
  const norm = new RunningNormalizer(3);
  norm.update({ count: 2, mean: [1, 2, 3], m2: [0.5, 0.25, 1 / 3] });
  return {
    spec: { kind: "test", hidden: 4 },
    params: s.center.slice(),
    config: { env: "ant", agent: "nm-hebb" },
    normalizer: norm.state(),
    seed: 42,
    training: { generation, searcher: s.state(), info: { elapsed: 1.5 } },
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), "spikeloco-ckpt-"));

describe("checkpoint", () => {
  it("round-trips params, optimizer state, normaliser and config exactly", async () => {
    const dir = tmp();
    const ck = sample(7);
    ck.training.searcher!.arrays.adamM[3] = Math.PI;
    saveCheckpoint(dir, ck);
    const back = await loadCheckpoint(dir);
    expect(Array.from(back.params)).toEqual(Array.from(ck.params));
    expect(back.training.generation).toBe(7);
    expect(back.training.searcher!.arrays.adamM).toBeInstanceOf(Float64Array);
    expect(back.training.searcher!.arrays.adamM[3]).toBe(Math.PI);
    expect(back.normalizer).toEqual(ck.normalizer);
    expect(back.config).toEqual(ck.config);
    expect(back.spec).toEqual(ck.spec);
    expect(back.versions!.rapier).toMatch(/^@dimforge\/rapier3d[a-z-]*@\d+\.\d+\.\d+$/);
    expect(back.versions!.node).toBe(process.version);
    // overwriting leaves exactly one parameter file
    saveCheckpoint(dir, sample(8));
    expect(readdirSync(dir).filter((f) => f.endsWith(".bin"))).toHaveLength(1);
    expect((await loadCheckpoint(dir)).training.generation).toBe(8);
  });

  it("names the problem for missing and corrupt checkpoints", async () => {
    const dir = tmp();
    await expect(loadCheckpoint(join(dir, "nope"))).rejects.toThrow(/no checkpoint directory at/);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/holds no checkpoint \(checkpoint.json is missing\)/);
    saveCheckpoint(dir, sample(1));
    const bin = readdirSync(dir).find((f) => f.endsWith(".bin"))!;
    const bytes = readFileSync(join(dir, bin));
    bytes[17] ^= 0xff;
    writeFileSync(join(dir, bin), bytes);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/is corrupt: parameter file '.*' checksum mismatch/);
    saveCheckpoint(dir, sample(2));
    const manifest = readFileSync(join(dir, "checkpoint.json"), "utf8");
    writeFileSync(join(dir, "checkpoint.json"), manifest.replace('"seed": 42', '"seed": 43'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/checkpoint.json checksum mismatch/);
    writeFileSync(join(dir, "checkpoint.json"), manifest.slice(0, 100));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/checkpoint.json is not valid JSON/);
  });

  it("a process killed during checkpoint writes leaves the previous checkpoint loadable", async () => {
    const dir = tmp();
    const script = join(dir, "..", `writer-${process.pid}-${Date.now()}.ts`);
    const modulePath = resolve("src/policy/checkpoint.ts");
    // ~16 MB per checkpoint so that a kill usually lands inside a write; params are all equal to the generation
    writeFileSync(
      script,
      `import { saveCheckpoint } from ${JSON.stringify(modulePath)};
       const dir = process.argv[2];
       for (let g = 0; ; g++) {
         const params = new Float32Array(4_000_000).fill(g);
         saveCheckpoint(dir, { spec: {}, params, config: { g }, normalizer: null, seed: 1, training: { generation: g } });
       }`,
    );
    let interrupted = 0;
    let lastGen = -1;
    // keep killing until a kill has landed inside a write at least 3 times (or 15 rounds)
    for (let round = 0; round < 15 && interrupted < 3; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", script, dir], { stdio: "ignore" });
      const exited = new Promise((r) => child.on("exit", r));
      // let this child write at least one checkpoint of its own (the previous round's file is already
      // there, and a loaded machine can take seconds to start tsx), then kill at an arbitrary moment
      const manifest = join(dir, "checkpoint.json");
      const before = existsSync(manifest) ? statSync(manifest).mtimeMs : -1;
      const start = Date.now();
      while ((existsSync(manifest) ? statSync(manifest).mtimeMs : -1) === before && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 50 + ((round * 137) % 400)));
      child.kill("SIGKILL");
      await exited;
      const leftovers = readdirSync(dir).filter((f) => f.endsWith(".tmp")).length;
      const bins = readdirSync(dir).filter((f) => f.endsWith(".bin")).length;
      if (leftovers > 0 || bins > 1) interrupted += 1;
      const ck = await loadCheckpoint(dir);
      const g = ck.training.generation;
      expect(ck.config).toEqual({ g });
      expect(ck.params[0]).toBe(g);
      expect(ck.params[ck.params.length - 1]).toBe(g);
      lastGen = g;
    }
    expect(lastGen).toBeGreaterThanOrEqual(0);
    // at least one kill landed mid-write (temp file or a not-yet-swept parameter file on disk)
    expect(interrupted).toBeGreaterThan(0);
  });
});
