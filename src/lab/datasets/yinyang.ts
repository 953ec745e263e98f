/**
 * The Yin-Yang dataset (Kriener et al. 2021) generated from its analytic definition: points drawn
 * uniformly in the big circle (radius rBig, centre (rBig, rBig)), classes yang = 0, yin = 1, dots = 2, drawn
 * class-balanced by rejection (sample i aims at class i mod 3). Features (x, y, 1 - x, 1 - y).
 */
import { Rng } from "../../core/rng.ts";
import type { LabelledSpikes } from "../eventprop/network.ts";

export interface YinYangPoint {
  x: number;
  y: number;
  label: number;
}

export const YIN_YANG_CLASSES = ["yang", "yin", "dots"] as const;

export function yinYangClass(x: number, y: number, rSmall = 0.1, rBig = 0.5): number {
  const dRight = Math.hypot(x - 1.5 * rBig, y - rBig);
  const dLeft = Math.hypot(x - 0.5 * rBig, y - rBig);
  if (dRight < rSmall || dLeft < rSmall) return 2;
  const c1 = dRight <= rSmall;
  const c2 = dLeft > rSmall && dLeft <= 0.5 * rBig;
  const c3 = y > rBig && dRight > 0.5 * rBig;
  return c1 || c2 || c3 ? 1 : 0;
}

export function makeYinYang(size: number, seed: number, rSmall = 0.1, rBig = 0.5): YinYangPoint[] {
  const rng = new Rng(seed);
  const out: YinYangPoint[] = [];
  for (let i = 0; i < size; i++) {
    const goal = i % 3;
    for (;;) {
      const x = rng.uniform() * 2 * rBig;
      const y = rng.uniform() * 2 * rBig;
      if (Math.hypot(x - rBig, y - rBig) > rBig) continue;
      const c = yinYangClass(x, y, rSmall, rBig);
      if (c === goal) {
        out.push({ x, y, label: c });
        break;
      }
    }
  }
  return out;
}

/**
 * Latency code: each of (x, y, 1-x, 1-y) becomes one spike at tEarly + value * (tLate - tEarly), plus a
 * bias spike at time `biasTime` on input 4.
 */
export function encodeYinYang(points: YinYangPoint[], tEarly: number, tLate: number, biasTime = 0): LabelledSpikes[] {
  return points.map((p) => {
    const values = [p.x, p.y, 1 - p.x, 1 - p.y];
    const times = new Float64Array(5);
    const neurons = new Int32Array(5);
    for (let i = 0; i < 4; i++) {
      times[i] = tEarly + values[i]! * (tLate - tEarly);
      neurons[i] = i;
    }
    times[4] = biasTime;
    neurons[4] = 4;
    return { times, neurons, label: p.label };
  });
}
