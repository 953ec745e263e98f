/**
 * Parameter groups for ES: the flat vector's named layout entries (input.W, input.alpha, input.eta,
 * modulator.w, hidden.threshold, ...) have scales that differ by 15x and more (alpha ~0.01, eta 0.05,
 * W ~0.15, tau 20 ms). With `init-rms` scaling every group is searched in units of its own typical
 * magnitude: sigma_g = sigma * s_g and lr_g = lr * s_g, where s_g is the RMS of the group's values at
 * initialisation (1 for groups initialised to zero, i.e. biases, which keep today's plain sigma and lr).
 * The scales are a pure function of (spec, init seed), so a resumed run recomputes them exactly.
 */
import type { ParamLayout } from "../../snn/layout.ts";

export type GroupScaling = "none" | "init-rms";
export const GROUP_SCALINGS: readonly GroupScaling[] = ["none", "init-rms"];

export interface ParamGroup {
  name: string;
  offset: number;
  length: number;
  /** Multiplier of sigma and lr for this group. */
  scale: number;
}

export function parameterGroups(layout: ParamLayout, initial: Float32Array, scaling: GroupScaling): ParamGroup[] {
  return layout.entries.map((e) => {
    if (scaling === "none") return { name: e.name, offset: e.offset, length: e.length, scale: 1 };
    let s = 0;
    for (let i = e.offset; i < e.offset + e.length; i++) s += initial[i]! * initial[i]!;
    const rms = Math.sqrt(s / e.length);
    return { name: e.name, offset: e.offset, length: e.length, scale: rms > 1e-6 ? rms : 1 };
  });
}

/** One multiplier per parameter (what the searchers take). */
export function perParameterScale(groups: ParamGroup[], dim: number): Float32Array {
  const out = new Float32Array(dim).fill(1);
  for (const g of groups) out.fill(g.scale, g.offset, g.offset + g.length);
  return out;
}
