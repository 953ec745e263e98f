/** Central finite-difference check of EventProp gradients (float64), per parameter group. */
import { lossAndGradient, zerosLike, type EventNetConfig, type EventNetParams, type LabelledSpikes } from "./network.ts";

export interface GroupCheck {
  group: string;
  count: number;
  /** ||g_eventprop - g_fd|| / max(||g_fd||, ||g_eventprop||). */
  relError: number;
  /** Largest per-component |g - fd| / max(|g|, |fd|) over components with max(|g|,|fd|) > floor. */
  maxComponentRelError: number;
  gradNorm: number;
}

export function checkGradients(
  config: EventNetConfig,
  params: EventNetParams,
  sample: LabelledSpikes,
  scale: number,
  h = 1e-6,
  floor = 1e-6,
): GroupCheck[] {
  const grads = zerosLike(params);
  lossAndGradient(config, params, sample, scale, grads);
  const out: GroupCheck[] = [];
  for (const kind of ["w", "d"] as const) {
    for (let l = 0; l < params[kind].length; l++) {
      const p = params[kind][l]!;
      const g = grads[kind][l]!;
      let diff2 = 0;
      let fd2 = 0;
      let g2 = 0;
      let maxRel = 0;
      for (let s = 0; s < p.length; s++) {
        const orig = p[s]!;
        p[s] = orig + h;
        const lp = lossAndGradient(config, params, sample, scale, null).loss;
        p[s] = orig - h;
        const lm = lossAndGradient(config, params, sample, scale, null).loss;
        p[s] = orig;
        const fd = (lp - lm) / (2 * h);
        diff2 += (g[s]! - fd) ** 2;
        fd2 += fd * fd;
        g2 += g[s]! * g[s]!;
        const mag = Math.max(Math.abs(fd), Math.abs(g[s]!));
        if (mag > floor) maxRel = Math.max(maxRel, Math.abs(g[s]! - fd) / mag);
      }
      const denom = Math.sqrt(Math.max(fd2, g2));
      out.push({
        group: `${kind === "w" ? "weights" : "delays"}[${l}]`,
        count: p.length,
        relError: denom > 0 ? Math.sqrt(diff2) / denom : 0,
        maxComponentRelError: maxRel,
        gradNorm: Math.sqrt(g2),
      });
    }
  }
  return out;
}
