/** 2D canvases sized in device pixels (crisp at any devicePixelRatio) and drawn in CSS pixels. */

export interface Canvas2D {
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  /** Size in CSS pixels. */
  width: number;
  height: number;
  dpr: number;
}

/** Size the backing store to cssWidth x cssHeight CSS px at the current devicePixelRatio; the context draws in CSS px. */
export function fitCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): Canvas2D {
  const dpr = Math.max(1, window.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(cssWidth));
  const h = Math.max(1, Math.round(cssHeight));
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  // willReadFrequently keeps the canvas in CPU memory: small panels raster faster on the CPU than through
  // a GPU (or, without one, through SwiftShader's emulated GL).
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { canvas, ctx, width: w, height: h, dpr };
}

/** Nice tick values (1, 2, 5 x 10^k) covering [lo, hi] with about `count` ticks. */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Short number for axis labels and read-outs. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-3)) return v.toExponential(1);
  return Number(v.toPrecision(digits)).toString();
}

/** The p-th percentile (0..1) of values, in place (sorts). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  const i = Math.min(values.length - 1, Math.max(0, Math.round(p * (values.length - 1))));
  return values[i]!;
}

/** The colour of series / row `k` (the palette repeats). */
export function seriesColor(k: number): string {
  return COLORS[k % COLORS.length]!;
}

export const COLORS = ["#e6b34a", "#5aa0e6", "#6cc48a", "#e0607e", "#a07de0", "#4fc4c4", "#e08a4f", "#c4c44f", "#7f9cf5", "#f57fbf", "#9be07f", "#e0c07f"];
export const AXIS = "#8895a5";
export const GRID = "#262c35";
export const BG = "#0c0e12";
