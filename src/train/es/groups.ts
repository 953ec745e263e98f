/**
 * Parameter groups for ES: the flat vector's named layout entries (input.W, input.alpha, input.eta,
 * modulator.w, hidden.threshold, ...) have scales that differ by 15x and more (alpha ~0.01, eta 0.05,
 * W ~0.15, tau 20 ms). With `init-rms` scaling every group is searched in units of its own typical
 * magnitude: sigma_g = sigma * s_g and lr_g = lr * s_g, where s_g is the RMS of the group's values at
 * initialisation (1 for groups initialised to zero, i.e. biases, which keep today's plain sigma and lr).
 * Most parameters are weights with an RMS of 0.06-0.18, so `init-rms` also makes the whole search smaller
 * than `none` at the same sigma and lr (6-7x for the presets); from random weights that is too small to
 * learn much in 100 generations (README, "Training"). `init-rms-normalized` keeps init-rms's ratios between groups
 * and divides every scale by their parameter-weighted RMS, so sigma and lr keep their size on average.
 * The scales are a pure function of (spec, init seed), so a resumed run recomputes them exactly.
 * `groupScales` multiplies chosen groups' sigma and lr on top of that (e.g. { alpha: 10 }: search the
 * plastic gains in steps ten times their own initial size, so the plastic term can grow where it pays).
 */
import { SpikelocoError } from "../../core/errors.ts";
import type { ParamLayout } from "../../snn/layout.ts";

export const GROUP_SCALINGS = ["none", "init-rms", "init-rms-normalized"] as const;
export type GroupScaling = (typeof GROUP_SCALINGS)[number];
/** One line per mode, for the CLI help and the docs. */
export const GROUP_SCALING_HELP: Record<GroupScaling, string> = {
  none: "one sigma and lr for every parameter",
  "init-rms": "each group's sigma and lr times its RMS at init (1 for zero-initialised groups)",
  "init-rms-normalized": "init-rms's ratios, rescaled so that the parameter-weighted RMS of the multipliers is 1",
};
/** What `spikeloco train` uses when not told (LOCOMOTION_DEFAULTS); runs record their own mode. */
export const DEFAULT_GROUP_SCALING: GroupScaling = "init-rms-normalized";

export interface ParamGroup {
  name: string;
  offset: number;
  length: number;
  /** Multiplier of sigma and lr for this group. */
  scale: number;
}

export function parameterGroups(layout: ParamLayout, initial: Float32Array, scaling: GroupScaling): ParamGroup[] {
  const groups = layout.entries.map((e) => {
    if (scaling === "none") return { name: e.name, offset: e.offset, length: e.length, scale: 1 };
    let s = 0;
    for (let i = e.offset; i < e.offset + e.length; i++) s += initial[i]! * initial[i]!;
    const rms = Math.sqrt(s / e.length);
    return { name: e.name, offset: e.offset, length: e.length, scale: rms > 1e-6 ? rms : 1 };
  });
  if (scaling !== "init-rms-normalized") return groups;
  let n = 0;
  let sq = 0;
  for (const g of groups) {
    n += g.length;
    sq += g.length * g.scale * g.scale;
  }
  const norm = Math.sqrt(sq / n);
  return groups.map((g) => ({ ...g, scale: g.scale / norm }));
}

/**
 * Multipliers of chosen groups' sigma and lr. A key is a layout entry ("input.alpha") or an entry's field,
 * which names it in every projection ("alpha" = input.alpha and recurrent.alpha).
 */
export type GroupScales = Record<string, number>;

const matches = (key: string, group: string): boolean => key === group || group.endsWith(`.${key}`);

/** The groups with each matching group's scale multiplied; a key matching no group, or a multiplier <= 0, is refused. */
export function applyGroupScales(groups: ParamGroup[], scales: GroupScales | undefined, field = "groupScales"): ParamGroup[] {
  if (!scales) return groups;
  for (const [key, m] of Object.entries(scales)) {
    if (!Number.isFinite(m) || m <= 0) throw new SpikelocoError(`the multiplier of '${key}' must be a number > 0, got ${m}`, field);
    if (!groups.some((g) => matches(key, g.name))) {
      throw new SpikelocoError(`no parameter group '${key}' in this network (groups: ${groups.map((g) => g.name).join(", ")})`, field);
    }
  }
  return groups.map((g) => {
    let scale = g.scale;
    for (const [key, m] of Object.entries(scales)) if (matches(key, g.name)) scale *= m;
    return { ...g, scale };
  });
}

/** `alpha=10,input.eta=2` (the --group-scale flag) -> { alpha: 10, "input.eta": 2 }. */
export function parseGroupScales(text: string, field = "--group-scale"): GroupScales {
  const out: GroupScales = {};
  for (const part of text.split(",")) {
    const m = /^\s*([A-Za-z][\w.]*)\s*=\s*([^\s=]+)\s*$/.exec(part);
    if (!m) throw new SpikelocoError(`expected NAME=MULTIPLIER[,NAME=MULTIPLIER...] (e.g. alpha=10), got '${part}'`, field);
    const value = Number(m[2]);
    if (!Number.isFinite(value) || value <= 0) throw new SpikelocoError(`the multiplier of '${m[1]}' must be a number > 0, got '${m[2]}'`, field);
    if (m[1]! in out) throw new SpikelocoError(`'${m[1]}' is given twice`, field);
    out[m[1]!] = value;
  }
  return out;
}

/** One multiplier per parameter (what the searchers take). */
export function perParameterScale(groups: ParamGroup[], dim: number): Float32Array {
  const out = new Float32Array(dim).fill(1);
  for (const g of groups) out.fill(g.scale, g.offset, g.offset + g.length);
  return out;
}
