/** The plastic weight change α⊙H as a heat map: pre-synaptic blocks down, post-synaptic across, with a colour bar. */
import { FRAME_FLAG_HEAT, type Frame, type SceneDescription } from "../../src/serve/wire/protocol.ts";
import { AXIS, BG, fitCanvas, fmt, type Canvas2D } from "./canvas.ts";

/** Diverging colour: blue (negative) - dark grey (0) - red (positive); v in [-1, 1]. */
export function divergingColor(v: number): [number, number, number] {
  const a = Math.min(1, Math.abs(v));
  const zero = [34, 38, 46];
  const end = v >= 0 ? [250, 90, 60] : [70, 150, 250];
  return [0, 1, 2].map((i) => Math.round(zero[i]! + (end[i]! - zero[i]!) * a)) as [number, number, number];
}

export type HeatScale = { kind: "auto" } | { kind: "fixed"; value: number };

export class HeatMap {
  private c: Canvas2D;
  private scene: SceneDescription | null = null;
  scale: HeatScale = { kind: "auto" };
  /** The scale used at the last draw (|ΔW| that maps to full colour). */
  shownScale = 0;
  private hover: { row: number; col: number } | null = null;
  private lastHeat: Float32Array | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onHover: () => void,
  ) {
    this.c = fitCanvas(canvas, canvas.parentElement?.clientWidth ?? 360, 220);
    canvas.addEventListener("mousemove", (e) => {
      const r = canvas.getBoundingClientRect();
      this.hover = this.cellAt(e.clientX - r.left, e.clientY - r.top);
      this.onHover();
    });
    canvas.addEventListener("mouseleave", () => {
      this.hover = null;
      this.onHover();
    });
  }

  resize(): void {
    this.c = fitCanvas(this.canvas, this.canvas.parentElement?.clientWidth ?? this.c.width, 220);
  }

  setScene(scene: SceneDescription): void {
    this.scene = scene;
  }

  private geometry() {
    const size = Math.min(this.c.height - 40, this.c.width - 150);
    return { left: 44, top: 6, size, barX: 44 + size + 18 };
  }

  private cellAt(x: number, y: number): { row: number; col: number } | null {
    const s = this.scene;
    if (!s || s.heatRows === 0) return null;
    const g = this.geometry();
    const col = Math.floor(((x - g.left) / g.size) * s.heatCols);
    const row = Math.floor(((y - g.top) / g.size) * s.heatRows);
    return row >= 0 && col >= 0 && row < s.heatRows && col < s.heatCols ? { row, col } : null;
  }

  /** Original index range of block k of n over `size` units (as the server's block average). */
  private static block(k: number, n: number, size: number): [number, number] {
    const a = Math.floor((k * size) / n);
    const b = Math.max(a + 1, Math.floor(((k + 1) * size) / n));
    return [a, b - 1];
  }

  /** The newest heat map at or before the cursor, and (auto scale) the largest magnitude so far in that episode. */
  draw(frames: readonly Frame[], cursor: number, episodeStart: number): void {
    const { ctx, width, height } = this.c;
    ctx.fillStyle = BG;
    ctx.fillRect(0, 0, width, height);
    const s = this.scene;
    ctx.font = "10px system-ui, sans-serif";
    if (!s || s.heatRows === 0 || !s.heatSource) {
      ctx.fillStyle = AXIS;
      ctx.fillText("the controller has no plastic synapses", 10, 20);
      return;
    }
    let t = cursor;
    while (t >= episodeStart && (frames[t]!.flags & FRAME_FLAG_HEAT) === 0) t--;
    let maxSoFar = 0;
    for (let i = episodeStart; i <= cursor; i++) {
      if (!(frames[i]!.flags & FRAME_FLAG_HEAT)) continue;
      for (const v of frames[i]!.heat) maxSoFar = Math.max(maxSoFar, Math.abs(v));
    }
    const scale = this.scale.kind === "fixed" ? this.scale.value : maxSoFar > 0 ? maxSoFar : 1e-6;
    this.shownScale = scale;
    const g = this.geometry();
    const cw = g.size / s.heatCols;
    const ch = g.size / s.heatRows;
    const heat = t >= episodeStart ? frames[t]!.heat : null;
    this.lastHeat = heat;
    for (let r = 0; r < s.heatRows; r++) {
      for (let k = 0; k < s.heatCols; k++) {
        const v = heat ? heat[r * s.heatCols + k]! / scale : 0;
        const [R, G, B] = divergingColor(v);
        ctx.fillStyle = `rgb(${R},${G},${B})`;
        const x0 = Math.round(g.left + k * cw);
        const y0 = Math.round(g.top + r * ch);
        ctx.fillRect(x0, y0, Math.round(g.left + (k + 1) * cw) - x0, Math.round(g.top + (r + 1) * ch) - y0);
      }
    }
    // Axes: block index ranges in the original pre x post matrix.
    const src = s.heatSource;
    ctx.fillStyle = AXIS;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let r = 0; r < s.heatRows; r += Math.max(1, Math.ceil(s.heatRows / 4))) ctx.fillText(String(HeatMap.block(r, s.heatRows, src.pre)[0]), g.left - 3, g.top + (r + 0.5) * ch);
    ctx.fillText(String(src.pre - 1), g.left - 3, g.top + (s.heatRows - 0.5) * ch);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (let k = 0; k < s.heatCols; k += Math.max(1, Math.ceil(s.heatCols / 4))) ctx.fillText(String(HeatMap.block(k, s.heatCols, src.post)[0]), g.left + (k + 0.5) * cw, g.top + g.size + 2);
    ctx.fillText(String(src.post - 1), g.left + (s.heatCols - 0.5) * cw, g.top + g.size + 2);
    ctx.fillText(`post: hidden neuron →`, g.left + g.size / 2, g.top + g.size + 14);
    ctx.save();
    ctx.translate(10, g.top + g.size / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(`pre: ${src.projection === "recurrent" ? "hidden (recurrent)" : "encoder (input)"} →`, 0, 0);
    ctx.restore();
    // Colour bar.
    const barH = g.size;
    for (let y = 0; y < barH; y++) {
      const [R, G, B] = divergingColor(1 - (2 * y) / (barH - 1));
      ctx.fillStyle = `rgb(${R},${G},${B})`;
      ctx.fillRect(g.barX, g.top + y, 12, 1);
    }
    ctx.fillStyle = AXIS;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillText(`+${fmt(scale, 2)}`, g.barX + 16, g.top + 4);
    ctx.fillText("0", g.barX + 16, g.top + barH / 2);
    ctx.fillText(`−${fmt(scale, 2)}`, g.barX + 16, g.top + barH - 4);
    ctx.fillText(this.scale.kind === "fixed" ? "fixed" : "auto", g.barX + 16, g.top + barH / 2 + 14);
    if (!heat) {
      ctx.fillStyle = AXIS;
      ctx.textAlign = "left";
      ctx.fillText("no heat map yet in this episode", g.left + 4, g.top + 10);
    }
    if (this.hover && heat) {
      const { row, col } = this.hover;
      const v = heat[row * s.heatCols + col]!;
      const pre = HeatMap.block(row, s.heatRows, src.pre);
      const post = HeatMap.block(col, s.heatCols, src.post);
      const text = `pre ${pre[0]}–${pre[1]} → post ${post[0]}–${post[1]}: ΔW ${fmt(v)}`;
      ctx.font = "10px system-ui, sans-serif";
      const w = ctx.measureText(text).width + 10;
      ctx.fillStyle = "rgba(16,20,26,0.92)";
      ctx.fillRect(Math.min(width - w - 2, g.left + 4), g.top + 4, w, 16);
      ctx.fillStyle = "#dde";
      ctx.textAlign = "left";
      ctx.fillText(text, Math.min(width - w - 2, g.left + 4) + 5, g.top + 12);
    }
  }

  /** Distinct colours drawn (tests: the map is not uniform). */
  currentHeat(): Float32Array | null {
    return this.lastHeat;
  }
}
