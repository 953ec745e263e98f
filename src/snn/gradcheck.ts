/**
 * Gradient check: tensor-engine autodiff (relaxed spikes, float32) against central finite differences of the
 * float64 reference (same relaxed forward). Both use the MSE of the actions against fixed targets.
 */
import { Rng, deriveSeed } from "../core/rng.ts";
import { buildLayout, initParams } from "./layout.ts";
import { referenceLoss } from "./reference.ts";
import type { NetworkSpec } from "./spec.ts";
import { createTensorNet } from "./tensor.ts";
import { randomInputs } from "./variants.ts";

export interface GradCheckEntry {
  name: string;
  index: number;
  autodiff: number;
  finiteDiff: number;
  relError: number;
}

export interface GradCheckResult {
  loss: number;
  /** per layout entry checked: the largest relative error over the entries sampled from it. */
  groups: Record<string, number>;
  maxRelError: number;
  entries: GradCheckEntry[];
}

export interface GradCheckOptions {
  seed?: number;
  steps?: number;
  batch?: number;
  /** entries checked per parameter group (the largest |autodiff| ones). */
  perGroup?: number;
  eps?: number;
  /** parameter groups (layout names) to check; default: every W, alpha, eta, rule constant and modulator entry. */
  groups?: string[];
}

export const DEFAULT_GROUPS = [
  "input.W", "recurrent.W", "input.alpha", "recurrent.alpha", "input.eta", "recurrent.eta",
  "input.aPlus", "recurrent.aMinus", "modulator.w", "modulator.b", "modulator.fanout", "input.delay", "recurrent.delay",
];

export function gradCheck(spec: NetworkSpec, opts: GradCheckOptions = {}): GradCheckResult {
  const seed = opts.seed ?? 1;
  const T = opts.steps ?? 100;
  const B = opts.batch ?? 1;
  const eps = opts.eps ?? 1e-5;
  const perGroup = opts.perGroup ?? 3;
  const layout = buildLayout(spec);
  const params = initParams(spec, seed);
  const inputs = randomInputs(seed, T, B, spec.encoder.size);
  const rng = new Rng(deriveSeed(seed, "gradcheck-targets"));
  const targets = inputs.map(() => Float32Array.from({ length: B * spec.decoder.size }, () => rng.range(-0.5, 0.5)));
  const { loss, grad } = createTensorNet(spec).lossAndGrad(params, inputs, targets, B, { relax: true });
  const p64 = Float64Array.from(params);
  const entries: GradCheckEntry[] = [];
  const groups: Record<string, number> = {};
  for (const name of opts.groups ?? DEFAULT_GROUPS) {
    if (!layout.has(name)) continue;
    const e = layout.entry(name);
    const order = Array.from({ length: e.length }, (_, k) => k).sort((a, b) => Math.abs(grad[e.offset + b]!) - Math.abs(grad[e.offset + a]!));
    let worst = 0;
    for (const k of order.slice(0, perGroup)) {
      const idx = e.offset + k;
      const orig = p64[idx]!;
      const h = eps * Math.max(1, Math.abs(orig));
      p64[idx] = orig + h;
      const lp = referenceLoss(spec, p64, inputs, targets, B, { relax: true });
      p64[idx] = orig - h;
      const lm = referenceLoss(spec, p64, inputs, targets, B, { relax: true });
      p64[idx] = orig;
      const fd = (lp - lm) / (2 * h);
      const ad = grad[idx]!;
      const rel = Math.abs(ad - fd) / Math.max(Math.abs(ad), Math.abs(fd), 1e-8);
      entries.push({ name, index: k, autodiff: ad, finiteDiff: fd, relError: rel });
      worst = Math.max(worst, rel);
    }
    groups[name] = worst;
  }
  return { loss, groups, maxRelError: Math.max(0, ...Object.values(groups)), entries };
}
