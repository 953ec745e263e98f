/**
 * Surrogate (pseudo-)derivatives of the spike function z = H(x), x = v - threshold.
 *   fastSigmoid         g = gamma / (1 + s|x|)^2                 (SuperSpike / snnTorch fast_sigmoid)
 *   triangular          g = gamma * max(0, 1 - s|x|)             (e-prop)
 *   gaussian            g = gamma * exp(-(s x)^2 / 2)
 *   refractoryNegative  triangular outside refractoriness, -gamma inside (STDP-aware LIF, Traub et al. 2020)
 * Other kinds give 0 inside refractoriness (the spike is masked there).
 *
 * "Relaxed" mode (gradient checks only): the forward spike is replaced by the smooth function whose exact
 * derivative is kappa * g (kappa normalises the shape's integral to 1, so the relaxed spike runs from 0
 * to gamma), and inside refractoriness by -gamma*kappa*x for refractoryNegative. Finite differences of
 * that forward then test every other derivative path (plastic traces, rules, modulator, delays) exactly.
 */
import type { SurrogateKind } from "./spec.ts";

export interface SurrogateSpec {
  kind: SurrogateKind;
  scale: number;
  gamma: number;
}

/** kappa: 1 / integral of the unscaled shape. */
export function relaxKappa(s: SurrogateSpec): number {
  switch (s.kind) {
    case "fastSigmoid":
      return s.scale / 2;
    case "gaussian":
      return s.scale / Math.sqrt(2 * Math.PI);
    default:
      return s.scale;
  }
}

export function surrogateGrad(s: SurrogateSpec, x: number, refractory: boolean): number {
  if (refractory) return s.kind === "refractoryNegative" ? -s.gamma : 0;
  const ax = Math.abs(x) * s.scale;
  switch (s.kind) {
    case "fastSigmoid":
      return s.gamma / ((1 + ax) * (1 + ax));
    case "gaussian":
      return s.gamma * Math.exp(-0.5 * ax * ax);
    default:
      return ax < 1 ? s.gamma * (1 - ax) : 0;
  }
}

/** The relaxed spike (see above): its derivative is kappa * surrogateGrad. */
export function relaxedSpike(s: SurrogateSpec, x: number, refractory: boolean): number {
  const k = relaxKappa(s);
  if (refractory) return s.kind === "refractoryNegative" ? -s.gamma * k * x : 0;
  const sx = s.scale * x;
  switch (s.kind) {
    case "fastSigmoid":
      return s.gamma * (sx < 0 ? 0.5 / (1 - sx) : 1 - 0.5 / (1 + sx));
    case "gaussian":
      return s.gamma * 0.5 * (1 + erf(sx / Math.SQRT2));
    default:
      if (sx <= -1) return 0;
      if (sx >= 1) return s.gamma;
      return s.gamma * (sx < 0 ? 0.5 * (1 + sx) * (1 + sx) : 1 - 0.5 * (1 - sx) * (1 - sx));
  }
}

/** erf to ~1e-15 (Taylor series; |x| > 6 saturates). */
export function erf(x: number): number {
  if (x > 6) return 1;
  if (x < -6) return -1;
  if (Math.abs(x) > 2.5) return Math.sign(x) * (1 - erfcLarge(Math.abs(x)));
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc by its continued fraction (Lentz), accurate for x > 2. */
function erfcLarge(x: number): number {
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    D = x + an * D;
    D = D === 0 ? 1e-300 : 1 / D;
    C = x + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
