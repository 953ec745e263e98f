import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.ts";
import { cueAssociation, makeTask, patternCompletion } from "../../src/train/tasks/index.ts";

describe("cue-association generator", () => {
  const task = cueAssociation({ K: 4, noise: 0 });
  const data = task.sample(new Rng(3), 16);

  it("has the documented shapes and timeline", () => {
    // 4 cues x 2 repeats x (4 on + 2 off) + 6 delay + 4 queries x (4 + 2)
    expect(task.T).toBe(48 + 6 + 24);
    expect(task.nIn).toBe(9);
    expect(data.inputs.length).toBe(task.T * 16 * 9);
    expect(data.queries.length).toBe(16 * 4);
    expect(data.mask.reduce((a, b) => a + b, 0)).toBe(16 * 4 * 4);
  });

  it("draws a fresh one-to-one pairing per episode, queries each cue once, and the answer is recoverable from the presentations", () => {
    const K = 4;
    const at = (t: number, b: number, c: number) => data.inputs[(t * data.batch + b) * data.nIn + c];
    const pairings = new Set<string>();
    for (let b = 0; b < data.batch; b++) {
      // oracle: co-occurrence of cue and target channels while the query flag is off
      const seen: number[] = new Array(K).fill(-1);
      let lastPresent = 0;
      for (let t = 0; t < data.T; t++) {
        if (at(t, b, 2 * K) > 0.5) continue;
        for (let c = 0; c < K; c++) for (let g = 0; g < K; g++) if (at(t, b, c) > 0.5 && at(t, b, K + g) > 0.5) {
          expect(seen[c] === -1 || seen[c] === g).toBe(true);
          seen[c] = g;
          lastPresent = t;
        }
      }
      expect(new Set(seen).size).toBe(K);
      pairings.add(seen.join(""));
      const qs = data.queries.filter((q) => q.b === b);
      expect(new Set(qs.map((q) => q.label)).size).toBe(K);
      for (const q of qs) {
        expect(q.start).toBeGreaterThan(lastPresent);
        const cue = [0, 1, 2, 3].find((c) => at(q.start, b, c) > 0.5)!;
        expect(seen[cue]).toBe(q.label);
        for (let t = q.start; t < q.end; t++) {
          expect(at(t, b, 2 * K)).toBe(1);
          for (let g = 0; g < K; g++) expect(at(t, b, K + g)).toBe(0); // no target shown at query time
          expect(data.targets[(t * data.batch + b) * K + q.label]).toBe(1);
          expect(data.mask[t * data.batch + b]).toBe(1);
        }
      }
    }
    expect(pairings.size).toBeGreaterThan(8); // 24 possible pairings, 16 episodes
  });

  it("scores outputs: targets score 100%, a constant guess scores chance", () => {
    expect(task.score(data.targets, data).accuracy).toBe(1);
    const constant = new Float32Array(data.targets.length).fill(0);
    for (let i = 0; i < constant.length; i += 4) constant[i] = 1;
    expect(task.score(constant, data).accuracy).toBeCloseTo(0.25, 10);
  });

  it("adds Gaussian noise of the requested std and is deterministic per seed", () => {
    const noisy = cueAssociation({ noise: 0.3 });
    const a = noisy.sample(new Rng(5), 8);
    const b = noisy.sample(new Rng(5), 8);
    expect(Array.from(a.inputs)).toEqual(Array.from(b.inputs));
    const clean = cueAssociation({ noise: 0 }).sample(new Rng(5), 8);
    let ss = 0;
    for (let i = 0; i < a.inputs.length; i++) ss += (a.inputs[i] - clean.inputs[i]) ** 2;
    expect(Math.sqrt(ss / a.inputs.length)).toBeCloseTo(0.3, 1);
  });

  it("rejects bad options with the field name", () => {
    expect(() => cueAssociation({ K: 1 })).toThrow(/^K: must be an integer >= 2/);
    expect(() => cueAssociation({ noise: -1 })).toThrow(/^noise: must be >= 0/);
    expect(() => makeTask("maze")).toThrow(/--task: unknown task 'maze'; known: cue-association, pattern-completion/);
  });
});

describe("pattern-completion generator", () => {
  const task = patternCompletion({ bits: 8, patterns: 3, noise: 0 });
  const data = task.sample(new Rng(7), 12);

  it("queries a stored pattern with half its bits zeroed; a Hebbian oracle completes it", () => {
    const N = 8;
    const at = (t: number, b: number, c: number) => data.inputs[(t * data.batch + b) * data.nIn + c];
    for (const q of data.queries) {
      // Hebbian outer-product memory of everything shown before the query
      const W = Array.from({ length: N }, () => new Float64Array(N));
      for (let t = 0; t < q.start; t++) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) if (i !== j) W[i][j] += at(t, q.b, i) * at(t, q.b, j);
      const probe = Array.from({ length: N }, (_, i) => at(q.start, q.b, i));
      expect(probe.filter((v) => v === 0).length).toBe(N / 2);
      expect(q.bits!.length).toBe(N / 2);
      const target = Array.from({ length: N }, (_, i) => data.targets[(q.start * data.batch + q.b) * N + i]);
      for (const v of target) expect(Math.abs(v)).toBe(1);
      for (let i = 0; i < N; i++) if (probe[i] !== 0) expect(probe[i]).toBe(target[i]);
      for (const code of q.bits!) expect(probe[code >> 1]).toBe(0);
    }
    expect(task.score(data.targets, data).accuracy).toBe(1);
    expect(task.score(new Float32Array(data.targets.length), data).accuracy).toBe(0);
  });

  it("flips shown bits with the requested probability", () => {
    const flipped = patternCompletion({ bits: 8, patterns: 3, noise: 0, flip: 0.25, repeats: 8, showSteps: 1 });
    const d = flipped.sample(new Rng(1), 64);
    // consecutive presentations of the same stored pattern disagree on a bit with prob 2p(1-p) = 0.375
    let agree = 0;
    let total = 0;
    const N = 8;
    for (let b = 0; b < 64; b++) {
      const q = d.queries.find((x) => x.b === b)!;
      const shows: number[][] = [];
      for (let t = 0; t < q.start; t++) {
        const row = Array.from({ length: N }, (_, i) => d.inputs[(t * d.batch + b) * d.nIn + i]);
        if (row.some((v) => v !== 0)) shows.push(row);
      }
      // the pattern used by the query matches its unflipped bits; compare shows to the target
      const target = Array.from({ length: N }, (_, i) => d.targets[(q.start * d.batch + b) * N + i]);
      for (const s of shows) {
        const overlap = s.reduce((a, v, i) => a + (v === target[i] ? 1 : 0), 0);
        if (overlap >= 6) {
          agree += overlap;
          total += N;
        }
      }
    }
    expect(total).toBeGreaterThan(0);
    expect(agree / total).toBeGreaterThan(0.7);
    expect(agree / total).toBeLessThan(0.85);
  });
});
