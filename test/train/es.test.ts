import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.ts";
import { centeredRanks, createSearcher, materialize, OpenAIES, type Searcher } from "../../src/train/es/index.ts";
import { Adam } from "../../src/train/optim/adam.ts";
import { ClipUp } from "../../src/train/optim/clipup.ts";

function evaluate(s: Searcher, f: (x: Float32Array) => number): { fitness: Float64Array; candidates: ReturnType<Searcher["ask"]> } {
  const candidates = s.ask();
  const fitness = new Float64Array(candidates.length);
  const x = new Float32Array(s.dim);
  for (const c of candidates) fitness[c.index] = f(materialize(s.center, s.sigma, c, x));
  return { fitness, candidates };
}

function run(s: Searcher, f: (x: Float32Array) => number, generations: number): void {
  for (let g = 0; g < generations; g++) {
    const { fitness, candidates } = evaluate(s, f);
    s.tell(candidates, fitness);
  }
}

const target = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i + 1) * 2);
const negQuadratic = (x: Float32Array) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - target[i]) ** 2;
  return -s;
};
const negRosenbrock = (x: Float32Array) => {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return -s;
};

describe("centered ranks", () => {
  it("maps worst to -0.5, best to +0.5, equally spaced, ties by index", () => {
    const r = centeredRanks([3, -1, 10, 3]);
    [-1 / 6, -0.5, 0.5, 1 / 6].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 12));
  });
});

describe("optimizers", () => {
  it("Adam's first step has size lr in every coordinate (bias correction)", () => {
    const theta = new Float32Array([0, 0, 0]);
    new Adam(3, { lr: 0.1 }).ascend(theta, [5, -0.001, 2]);
    expect(Array.from(theta).map((v) => +v.toFixed(5))).toEqual([0.1, -0.1, 0.1]);
  });
  it("ClipUp normalises the gradient and clips the velocity at maxSpeed", () => {
    const theta = new Float32Array(2);
    const opt = new ClipUp(2, { stepSize: 0.1, maxSpeed: 0.15, momentum: 0.9 });
    opt.ascend(theta, [30, 40]);
    expect(theta[0]).toBeCloseTo(0.06, 6);
    expect(theta[1]).toBeCloseTo(0.08, 6);
    const speed = opt.ascend(theta, [3, 4]); // 0.9*0.1 + 0.1 = 0.19 > 0.15
    expect(speed).toBeCloseTo(0.15, 6);
  });
});

describe("OpenAI-ES", () => {
  it("regenerates the same member from its seed, antithetic members mirror each other", () => {
    const s = new OpenAIES(new Float32Array(8).fill(1), { popSize: 4, sigma: 0.1, lr: 0.01, seed: 3 });
    const [a, b] = s.ask();
    const xa = materialize(s.center, s.sigma, a, new Float32Array(8));
    const xa2 = materialize(s.center, s.sigma, a, new Float32Array(8));
    const xb = materialize(s.center, s.sigma, b, new Float32Array(8));
    expect(Array.from(xa2)).toEqual(Array.from(xa));
    for (let i = 0; i < 8; i++) expect(xa[i] - 1).toBeCloseTo(-(xb[i] - 1), 6);
    expect(xa.some((v) => v !== 1)).toBe(true);
  });

  it("gradient estimate correlates with the true gradient of a smooth function", () => {
    const dim = 50;
    const rng = new Rng(11);
    const a = Float64Array.from({ length: dim }, () => rng.range(0.5, 2));
    const f = (x: Float32Array) => {
      let s = 0;
      for (let i = 0; i < dim; i++) s += a[i] * Math.sin(x[i]) - 0.1 * x[i] * x[i];
      return s;
    };
    const x0 = Float32Array.from({ length: dim }, () => rng.range(-2, 2));
    const trueGrad = Array.from(x0, (x, i) => a[i] * Math.cos(x) - 0.2 * x);
    const s = new OpenAIES(x0, { popSize: 400, sigma: 0.02, lr: 0.01, seed: 5, fitnessShaping: "raw" });
    const { candidates, fitness } = evaluate(s, f);
    const est = s.estimateGradient(candidates, fitness);
    const dot = est.reduce((acc, v, i) => acc + v * trueGrad[i], 0);
    const cos = dot / (Math.hypot(...est) * Math.hypot(...trueGrad));
    expect(cos).toBeGreaterThan(0.8);
    // raw shaping is unbiased: the projection onto the true gradient has the true gradient's scale
    const trueNormSq = trueGrad.reduce((acc, v) => acc + v * v, 0);
    expect(dot / trueNormSq).toBeGreaterThan(0.8);
    expect(dot / trueNormSq).toBeLessThan(1.2);
  });

  it("converges on a 20-D quadratic", () => {
    const s = createSearcher("es", new Float32Array(20), { popSize: 40, sigma: 0.1, lr: 0.1, seed: 1 });
    const before = negQuadratic(s.center);
    run(s, negQuadratic, 300);
    expect(before).toBeLessThan(-30);
    expect(negQuadratic(s.center)).toBeGreaterThan(-0.05);
  });

  it("descends the Rosenbrock valley toward (1, ..., 1)", () => {
    const s = createSearcher("es", new Float32Array(4), { popSize: 50, sigma: 0.02, lr: 0.02, seed: 2 });
    expect(negRosenbrock(s.center)).toBeLessThan(-2.9);
    run(s, negRosenbrock, 2000);
    expect(negRosenbrock(s.center)).toBeGreaterThan(-0.1);
    for (const v of s.center) expect(Math.abs(v - 1)).toBeLessThan(0.35);
  });

  it("weight decay pulls a flat objective's parameters toward zero", () => {
    // raw shaping: a flat objective gives a zero gradient (centered ranks would break the ties by index)
    const s = createSearcher("es", new Float32Array(5).fill(3), { popSize: 10, sigma: 0.1, lr: 0.05, seed: 4, weightDecay: 0.5, fitnessShaping: "raw" });
    run(s, () => 0, 200);
    for (const v of s.center) expect(Math.abs(v)).toBeLessThan(0.3);
  });
});

describe("PGPE + ClipUp", () => {
  it("converges on a 20-D quadratic and shrinks its std near the optimum", () => {
    const s = createSearcher("pgpe", new Float32Array(20), { popSize: 40, sigma: 0.5, lr: 0.05, seed: 1 });
    run(s, negQuadratic, 600);
    expect(negQuadratic(s.center)).toBeGreaterThan(-0.05);
    const meanSigma = s.sigma.reduce((a, b) => a + b, 0) / s.dim;
    expect(meanSigma).toBeLessThan(0.5);
  });

  it("descends the Rosenbrock valley", () => {
    const s = createSearcher("pgpe", new Float32Array(6), { popSize: 50, sigma: 0.1, lr: 0.02, seed: 2 });
    run(s, negRosenbrock, 1500);
    expect(negRosenbrock(s.center)).toBeGreaterThan(-0.3);
  });

  it("state round-trips: a restored searcher continues identically", () => {
    for (const algo of ["es", "pgpe"] as const) {
      const a = createSearcher(algo, new Float32Array(10), { popSize: 8, sigma: 0.2, lr: 0.05, seed: 9 });
      run(a, negQuadratic, 5);
      const b = createSearcher(algo, new Float32Array(10), { popSize: 8, sigma: 0.2, lr: 0.05, seed: 9 });
      b.load(a.state());
      run(a, negQuadratic, 5);
      run(b, negQuadratic, 5);
      expect(Array.from(b.center)).toEqual(Array.from(a.center));
      expect(Array.from(b.sigma)).toEqual(Array.from(a.sigma));
    }
  });
});
