import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
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
    // overwriting keeps the newest and the previous checkpoint, and nothing older
    saveCheckpoint(dir, sample(8));
    saveCheckpoint(dir, sample(9));
    expect(readdirSync(dir).filter((f) => f.endsWith(".bin"))).toHaveLength(2);
    expect(readdirSync(dir).filter((f) => f.endsWith(".json")).sort()).toEqual(["checkpoint.json", "checkpoint.prev.json"]);
    expect((await loadCheckpoint(dir)).training.generation).toBe(9);
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

  describe("a corrupted newest checkpoint falls back to the previous one", () => {
    /** gen 4 then gen 5 written; returns the dir and the newest checkpoint's parameter file. */
    function twoGenerations(): { dir: string; newestBin: string; previousBin: string } {
      const dir = tmp();
      saveCheckpoint(dir, sample(4));
      saveCheckpoint(dir, sample(5));
      const blobOf = (name: string) => join(dir, (JSON.parse(readFileSync(join(dir, name), "utf8")) as { blob: string }).blob);
      return { dir, newestBin: blobOf("checkpoint.json"), previousBin: blobOf("checkpoint.prev.json") };
    }
    const flipByte = (path: string, at: number) => {
      const bytes = readFileSync(path);
      bytes[at] ^= 0x01;
      writeFileSync(path, bytes);
    };
    const loadWarning = async (dir: string) => {
      const warnings: string[] = [];
      const ck = await loadCheckpoint(dir, { onWarning: (m) => warnings.push(m) });
      return { ck, warnings };
    };

    it("a truncated parameter file: loads generation 4 and warns naming the problem", async () => {
      const { dir, newestBin } = twoGenerations();
      truncateSync(newestBin, 100);
      const { ck, warnings } = await loadWarning(dir);
      expect(ck.training.generation).toBe(4);
      expect(Array.from(ck.params)).toEqual(Array.from(sample(4).params));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`checkpoint '${dir}' is corrupt \\(parameter file 'params-g5-.*' has 100 bytes, expected \\d+\\); loaded the previous one \\(checkpoint.prev.json, generation 4\\)`));
    });

    it("one flipped byte in the parameters or the manifest: loads generation 4 and warns", async () => {
      const a = twoGenerations();
      flipByte(a.newestBin, 17);
      const first = await loadWarning(a.dir);
      expect(first.ck.training.generation).toBe(4);
      expect(first.warnings[0]).toMatch(/parameter file 'params-g5-.*' checksum mismatch/);
      const b = twoGenerations();
      const manifest = readFileSync(join(b.dir, "checkpoint.json"), "utf8");
      writeFileSync(join(b.dir, "checkpoint.json"), manifest.replace('"seed": 42', '"seed": 52'));
      const second = await loadWarning(b.dir);
      expect(second.ck.training.generation).toBe(4);
      expect(second.warnings[0]).toMatch(/checkpoint.json checksum mismatch/);
    });

    it("the default warning is one line on stderr of a real process", () => {
      const { dir, newestBin } = twoGenerations();
      flipByte(newestBin, 3);
      const script = `import { loadCheckpoint } from ${JSON.stringify(resolve("src/policy/checkpoint.ts"))};
        const ck = await loadCheckpoint(process.argv[1]); process.stdout.write(String(ck.training.generation));`;
      const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, dir], { encoding: "utf8", timeout: 60_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("4");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^spikeloco: warning: checkpoint '.*' is corrupt \(parameter file .* checksum mismatch\); loaded the previous one/);
    });

    it("both corrupted: one clear error naming the checkpoint and both problems", async () => {
      const { dir, newestBin, previousBin } = twoGenerations();
      truncateSync(newestBin, 10);
      flipByte(previousBin, 40);
      const warnings: string[] = [];
      await expect(loadCheckpoint(dir, { onWarning: (m) => warnings.push(m) })).rejects.toThrow(
        new RegExp(`^checkpoint '${dir}' is corrupt: parameter file 'params-g5-.*' has 10 bytes, expected \\d+; the previous one \\(checkpoint.prev.json\\) is unusable too: parameter file 'params-g4-.*' checksum mismatch$`),
      );
      expect(warnings).toEqual([]);
    });

    it("a corrupt newest checkpoint is not rotated over a good previous one; resaving heals", async () => {
      const { dir, newestBin } = twoGenerations();
      flipByte(newestBin, 5);
      saveCheckpoint(dir, sample(6)); // the corrupt gen 5 must not become the previous one
      expect((await loadCheckpoint(dir)).training.generation).toBe(6);
      const prev = JSON.parse(readFileSync(join(dir, "checkpoint.prev.json"), "utf8")) as { training: { generation: number } };
      expect(prev.training.generation).toBe(4);
      expect(readdirSync(dir).filter((f) => f.endsWith(".bin"))).toHaveLength(2);
    });
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
      // a writer loops forever: never leave one behind when the test fails or times out
      onTestFinished(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      });
      const exited = new Promise((r) => child.on("exit", r));
      // let this child write at least one checkpoint of its own (the previous round's file is already
      // there, and a loaded machine can take seconds to start tsx), wait until its next write has begun
      // (a temp file appears), then kill at an arbitrary moment of that write
      const manifest = join(dir, "checkpoint.json");
      const before = existsSync(manifest) ? statSync(manifest).mtimeMs : -1;
      const until = async (done: () => boolean) => {
        const start = Date.now();
        while (!done() && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 5));
      };
      await until(() => (existsSync(manifest) ? statSync(manifest).mtimeMs : -1) !== before);
      await until(() => readdirSync(dir).some((f) => f.endsWith(".tmp")));
      await new Promise((r) => setTimeout(r, (round * 137) % 300));
      child.kill("SIGKILL");
      await exited;
      const leftovers = readdirSync(dir).filter((f) => f.endsWith(".tmp")).length;
      const bins = readdirSync(dir).filter((f) => f.endsWith(".bin")).length;
      if (leftovers > 0 || bins > 2) interrupted += 1; // newest + previous, plus one being written
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
