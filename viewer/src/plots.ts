/**
 * Time plots sharing one time axis (seconds of episode time, markers at episode boundaries, pushes,
 * onsets and terrain switches, the time cursor, a hover read-out): line plots with robust scaling,
 * per-joint strips, the spike raster and the gait diagram.
 */
import type { Frame } from "../../src/serve/wire/protocol.ts";
import { AXIS, BG, GRID, fitCanvas, fmt, niceTicks, percentile, seriesColor, type Canvas2D } from "./canvas.ts";
import { MARKER_COLORS, WINDOW, type Marker, type View } from "./history.ts";

const TICK_SECONDS = 2;
const FONT = "10px system-ui, sans-serif";

export interface Margins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A canvas whose x axis is frames view.start..view.end; handles size, time ticks, markers, cursor and hover. */
export abstract class TimeCanvas {
  protected c: Canvas2D;
  protected view: View = { start: 0, end: WINDOW - 1, cursor: 0 };
  /** Frame index under the mouse, or null. */
  hoverIndex: number | null = null;
  protected hoverY = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    protected height: number,
    protected readonly margins: Margins,
    private readonly onHover: () => void,
  ) {
    this.c = fitCanvas(canvas, canvas.parentElement?.clientWidth ?? 360, height);
    canvas.addEventListener("mousemove", (e) => {
      const r = canvas.getBoundingClientRect();
      const x = e.clientX - r.left;
      this.hoverY = e.clientY - r.top;
      const i = this.indexAt(x);
      this.hoverIndex = i;
      this.onHover();
    });
    canvas.addEventListener("mouseleave", () => {
      this.hoverIndex = null;
      this.onHover();
    });
  }

  /** Re-fit to the panel width (window resize or devicePixelRatio change). */
  resize(height = this.height): void {
    this.height = height;
    this.c = fitCanvas(this.canvas, this.canvas.parentElement?.clientWidth ?? this.c.width, height);
  }

  protected get plotWidth(): number {
    return this.c.width - this.margins.left - this.margins.right;
  }
  protected get plotHeight(): number {
    return this.c.height - this.margins.top - this.margins.bottom;
  }
  protected get colWidth(): number {
    return this.plotWidth / (this.view.end - this.view.start + 1);
  }
  /** Left edge of frame i's column (CSS px). */
  protected x(i: number): number {
    return this.margins.left + (i - this.view.start) * this.colWidth;
  }
  protected indexAt(x: number): number | null {
    if (x < this.margins.left || x > this.margins.left + this.plotWidth) return null;
    return this.view.start + Math.floor((x - this.margins.left) / this.colWidth);
  }

  protected clear(): void {
    const { ctx, width, height } = this.c;
    ctx.fillStyle = BG;
    ctx.fillRect(0, 0, width, height);
  }

  /** Time ticks (every 2 s of episode time), marker lines, the cursor and the hover line. */
  protected drawTimeAxis(frames: readonly Frame[], markers: readonly Marker[]): void {
    const { ctx } = this.c;
    const top = this.margins.top;
    const bottom = top + this.plotHeight;
    const lo = Math.max(0, this.view.start);
    const hi = Math.min(frames.length - 1, this.view.end);
    ctx.font = FONT;
    ctx.textBaseline = "top";
    ctx.textAlign = "center";
    for (let i = Math.max(1, lo); i <= hi; i++) {
      const a = Math.floor(frames[i - 1]!.time / TICK_SECONDS + 1e-6);
      const b = Math.floor(frames[i]!.time / TICK_SECONDS + 1e-6);
      if (a === b || b < a) continue;
      const x = Math.round(this.x(i)) + 0.5;
      ctx.strokeStyle = GRID;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      if (this.margins.bottom >= 10) {
        ctx.fillStyle = AXIS;
        ctx.fillText(`${b * TICK_SECONDS} s`, x, bottom + 2);
      }
    }
    for (const m of markers) {
      const x = Math.round(this.x(m.index)) + 0.5;
      if (m.kind === "push") {
        // Pushes can come every half second: a tick at the top, not a line across the plot.
        ctx.fillStyle = MARKER_COLORS.push;
        ctx.beginPath();
        ctx.moveTo(x - 3, top);
        ctx.lineTo(x + 3, top);
        ctx.lineTo(x, top + 5);
        ctx.fill();
        continue;
      }
      ctx.strokeStyle = MARKER_COLORS[m.kind];
      ctx.globalAlpha = 0.85;
      ctx.setLineDash(m.kind === "episode" || m.kind === "terrain" ? [3, 3] : []);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
    if (this.view.cursor !== this.view.end) {
      const x = Math.round(this.x(this.view.cursor + 1)) - 0.5;
      ctx.strokeStyle = "#ffffff";
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
    }
    if (this.hoverIndex !== null) {
      const x = Math.round(this.x(this.hoverIndex) + this.colWidth / 2) + 0.5;
      ctx.strokeStyle = "#c8d0dc";
      ctx.globalAlpha = 0.5;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
  }

  /** A read-out box near the hover line. */
  protected drawTooltip(lines: { text: string; color?: string }[]): void {
    if (this.hoverIndex === null || lines.length === 0) return;
    const { ctx, width } = this.c;
    ctx.font = FONT;
    const w = Math.max(...lines.map((l) => ctx.measureText(l.text).width)) + 10;
    const h = lines.length * 12 + 6;
    let x = this.x(this.hoverIndex) + 10;
    if (x + w > width) x = this.x(this.hoverIndex) - w - 6;
    const y = Math.min(Math.max(2, this.hoverY - h / 2), this.c.height - h - 2);
    ctx.fillStyle = "rgba(16,20,26,0.92)";
    ctx.fillRect(x, y, w, h);
    ctx.strokeStyle = "#3a414d";
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    lines.forEach((l, k) => {
      ctx.fillStyle = l.color ?? "#dde";
      ctx.fillText(l.text, x + 5, y + 4 + 12 * k);
    });
  }

  /** The frame whose values the legend shows: the hovered one, else the cursor. */
  protected readoutIndex(frames: readonly Frame[]): number {
    const i = this.hoverIndex ?? this.view.cursor;
    return Math.min(frames.length - 1, Math.max(0, i));
  }

  draw(frames: readonly Frame[], view: View, markers: readonly Marker[]): void {
    this.view = view;
    this.clear();
    if (frames.length > 0) this.render(frames, markers);
  }

  protected abstract render(frames: readonly Frame[], markers: readonly Marker[]): void;
}

export interface Series {
  name: string;
  color?: string;
}

export type RangeMode = { kind: "robust" } | { kind: "fixed"; lo: number; hi: number };

export interface LinePlotOptions {
  series: Series[];
  /** Unit shown with values ("", "m/s", "Hz", ...). */
  unit: string;
  get(frame: Frame, k: number): number;
  range?: RangeMode;
  /** Horizontal reference lines (e.g. a spike threshold). */
  refs?: { value: number; label: string; color: string }[];
  height?: number;
  /** Legend element: one entry per series with its current value. */
  legend?: HTMLElement;
  /** Optional extra per-frame marks (e.g. spikes of the selected neuron) drawn as ticks at the top. */
  marks?(frame: Frame): boolean;
}

/** Line plot with y ticks, a legend of current values and robust scaling: the 2nd-98th percentile of the visible values, padded. */
export class LinePlot extends TimeCanvas {
  private legendValues: HTMLElement[] = [];
  /** Last y range drawn (tests and the export read it). */
  range: [number, number] = [0, 1];

  constructor(
    canvas: HTMLCanvasElement,
    private opts: LinePlotOptions,
    onHover: () => void,
  ) {
    super(canvas, opts.height ?? 96, { left: 42, right: 6, top: 6, bottom: 14 }, onHover);
    this.buildLegend();
  }

  setOptions(opts: LinePlotOptions): void {
    this.opts = opts;
    this.buildLegend();
  }

  private buildLegend(): void {
    const el = this.opts.legend;
    this.legendValues = [];
    if (!el) return;
    el.replaceChildren();
    this.opts.series.forEach((s, k) => {
      const item = document.createElement("span");
      item.className = "legend-item";
      const swatch = document.createElement("i");
      swatch.style.background = s.color ?? seriesColor(k);
      const name = document.createElement("span");
      name.textContent = ` ${s.name} `;
      const value = document.createElement("b");
      item.append(swatch, name, value);
      el.append(item);
      this.legendValues.push(value);
    });
  }

  private computeRange(frames: readonly Frame[]): [number, number] {
    const mode = this.opts.range ?? { kind: "robust" };
    if (mode.kind === "fixed") return [mode.lo, mode.hi];
    const values: number[] = [];
    const lo = Math.max(0, this.view.start);
    const hi = Math.min(frames.length - 1, this.view.end);
    for (let i = lo; i <= hi; i++) {
      for (let k = 0; k < this.opts.series.length; k++) {
        const v = this.opts.get(frames[i]!, k);
        if (Number.isFinite(v)) values.push(v);
      }
    }
    for (const r of this.opts.refs ?? []) values.push(r.value);
    if (values.length === 0) return [-1, 1];
    const n = values.length;
    let a = percentile(values, 0.02);
    let b = values[Math.min(n - 1, Math.round(0.98 * (n - 1)))]!;
    if (b - a < 1e-6) {
      const m = Math.max(Math.abs(a), 1e-3) * 0.5;
      a -= m;
      b += m;
    }
    // Pad generously: ordinary noise stays on the scale, only real outliers (pushes, falls) go off it.
    const pad = 0.3 * (b - a);
    return [a - pad, b + pad];
  }

  protected render(frames: readonly Frame[], markers: readonly Marker[]): void {
    const { ctx } = this.c;
    const [lo, hi] = this.computeRange(frames);
    this.range = [lo, hi];
    const top = this.margins.top;
    const h = this.plotHeight;
    const y = (v: number) => top + h - ((v - lo) / (hi - lo)) * h;
    ctx.font = FONT;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of niceTicks(lo, hi, Math.max(3, Math.floor(h / 20)))) {
      const yy = Math.round(y(t)) + 0.5;
      ctx.strokeStyle = t === 0 ? "#3a4350" : GRID;
      ctx.beginPath();
      ctx.moveTo(this.margins.left, yy);
      ctx.lineTo(this.margins.left + this.plotWidth, yy);
      ctx.stroke();
      ctx.fillStyle = AXIS;
      ctx.fillText(fmt(t), this.margins.left - 4, yy);
    }
    this.drawTimeAxis(frames, markers);
    for (const r of this.opts.refs ?? []) {
      const yy = Math.round(y(r.value)) + 0.5;
      ctx.strokeStyle = r.color;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(this.margins.left, yy);
      ctx.lineTo(this.margins.left + this.plotWidth, yy);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = r.color;
      ctx.textAlign = "left";
      ctx.fillText(r.label, this.margins.left + 3, yy - 6);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(this.margins.left, top, this.plotWidth, h);
    ctx.clip();
    const start = Math.max(0, this.view.start);
    const end = Math.min(frames.length - 1, this.view.end);
    let above = false;
    let below = false;
    for (let k = 0; k < this.opts.series.length; k++) {
      ctx.strokeStyle = this.opts.series[k]!.color ?? seriesColor(k);
      ctx.lineWidth = 1.25;
      ctx.beginPath();
      let pen = false;
      for (let i = start; i <= end; i++) {
        const v = this.opts.get(frames[i]!, k);
        if (!Number.isFinite(v)) {
          pen = false;
          continue;
        }
        if (v > hi) above = true;
        if (v < lo) below = true;
        const xx = this.x(i) + this.colWidth / 2;
        if (pen) ctx.lineTo(xx, y(v));
        else ctx.moveTo(xx, y(v));
        pen = true;
      }
      ctx.stroke();
    }
    ctx.lineWidth = 1;
    if (this.opts.marks) {
      ctx.fillStyle = "#fff0c8";
      for (let i = start; i <= end; i++) if (this.opts.marks(frames[i]!)) ctx.fillRect(Math.round(this.x(i)), top, Math.max(1, Math.round(this.colWidth)), 4);
    }
    ctx.restore();
    // Values beyond the robust range are clipped, not allowed to flatten the rest: say so.
    ctx.fillStyle = "#f0a060";
    ctx.textAlign = "right";
    ctx.textBaseline = "top";
    if (above) ctx.fillText("▲ off scale", this.margins.left + this.plotWidth - 2, top);
    ctx.textBaseline = "bottom";
    if (below) ctx.fillText("▼ off scale", this.margins.left + this.plotWidth - 2, top + h);
    const at = this.readoutIndex(frames);
    const unit = this.opts.unit ? ` ${this.opts.unit}` : "";
    this.legendValues.forEach((el, k) => (el.textContent = `${fmt(this.opts.get(frames[at]!, k))}${unit}`));
    if (this.hoverIndex !== null && this.hoverIndex >= 0 && this.hoverIndex < frames.length) {
      const f = frames[this.hoverIndex]!;
      this.drawTooltip([
        { text: `t ${f.time.toFixed(2)} s · ep ${f.episode}` },
        ...this.opts.series.map((s, k) => ({ text: `${s.name}: ${fmt(this.opts.get(f, k))}${unit}`, color: s.color ?? seriesColor(k) })),
      ]);
    }
  }
}

export interface StripOptions {
  rows: string[];
  unit: string;
  get(frame: Frame, row: number): number;
  /** Fixed range per row (joint limits, torque limits, action bounds). */
  range(row: number): [number, number];
  rowHeight?: number;
  /** Dim these rows (e.g. joints of a disabled leg). */
  dimmed?(row: number): boolean;
}

/** One small line plot per row (joint), names on the left and current values on the right. */
export class StripPlot extends TimeCanvas {
  constructor(
    canvas: HTMLCanvasElement,
    private opts: StripOptions,
    onHover: () => void,
  ) {
    super(canvas, StripPlot.heightFor(opts), { left: 96, right: 52, top: 2, bottom: 14 }, onHover);
  }

  static heightFor(o: StripOptions): number {
    return o.rows.length * (o.rowHeight ?? 15) + 16;
  }

  setOptions(opts: StripOptions): void {
    this.opts = opts;
    this.resize(StripPlot.heightFor(opts));
  }

  protected render(frames: readonly Frame[], markers: readonly Marker[]): void {
    const { ctx } = this.c;
    const n = this.opts.rows.length;
    const rh = this.plotHeight / Math.max(1, n);
    const start = Math.max(0, this.view.start);
    const end = Math.min(frames.length - 1, this.view.end);
    const at = this.readoutIndex(frames);
    ctx.font = FONT;
    for (let r = 0; r < n; r++) {
      const top = this.margins.top + r * rh;
      if (r % 2 === 1) {
        ctx.fillStyle = "#11151b";
        ctx.fillRect(this.margins.left, top, this.plotWidth, rh);
      }
    }
    this.drawTimeAxis(frames, markers);
    for (let r = 0; r < n; r++) {
      const top = this.margins.top + r * rh;
      const [lo, hi] = this.opts.range(r);
      const y = (v: number) => top + rh - 1.5 - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (rh - 3);
      const dim = this.opts.dimmed?.(r) ?? false;
      if (lo < 0 && hi > 0) {
        ctx.strokeStyle = "#2c333d";
        ctx.beginPath();
        ctx.moveTo(this.margins.left, Math.round(y(0)) + 0.5);
        ctx.lineTo(this.margins.left + this.plotWidth, Math.round(y(0)) + 0.5);
        ctx.stroke();
      }
      ctx.strokeStyle = dim ? "#555b66" : seriesColor(r);
      ctx.beginPath();
      for (let i = start; i <= end; i++) {
        const xx = this.x(i) + this.colWidth / 2;
        const v = this.opts.get(frames[i]!, r);
        if (i === start) ctx.moveTo(xx, y(v));
        else ctx.lineTo(xx, y(v));
      }
      ctx.stroke();
      ctx.fillStyle = dim ? "#666c76" : "#aab4c0";
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(this.opts.rows[r]!, this.margins.left - 4, top + rh / 2, this.margins.left - 6);
      ctx.textAlign = "left";
      ctx.fillStyle = seriesColor(r);
      ctx.fillText(`${fmt(this.opts.get(frames[at]!, r), 2)}`, this.margins.left + this.plotWidth + 4, top + rh / 2, this.margins.right - 6);
    }
    if (this.hoverIndex !== null && this.hoverIndex >= 0 && this.hoverIndex < frames.length) {
      const row = Math.min(n - 1, Math.max(0, Math.floor((this.hoverY - this.margins.top) / rh)));
      const f = frames[this.hoverIndex]!;
      const [lo, hi] = this.opts.range(row);
      this.drawTooltip([
        { text: `t ${f.time.toFixed(2)} s · ep ${f.episode}` },
        { text: `${this.opts.rows[row]}: ${fmt(this.opts.get(f, row))} ${this.opts.unit}`, color: seriesColor(row) },
        { text: `scale [${fmt(lo)}, ${fmt(hi)}]` },
      ]);
    }
  }
}

/** Spike raster: one row per hidden neuron (index ticks on the left), a click selects a neuron. */
export class Raster extends TimeCanvas {
  /** Spikes drawn at the last render (tests read it). */
  drawn = 0;
  selected: number | null = null;

  constructor(
    canvas: HTMLCanvasElement,
    private n: number,
    onHover: () => void,
    onSelect: (neuron: number | null) => void,
  ) {
    super(canvas, Raster.heightFor(n), { left: 30, right: 6, top: 4, bottom: 14 }, onHover);
    canvas.addEventListener("click", (e) => {
      const r = canvas.getBoundingClientRect();
      const k = this.neuronAt(e.clientY - r.top);
      if (k === null || e.clientX - r.left < this.margins.left) return;
      this.selected = this.selected === k ? null : k;
      onSelect(this.selected);
    });
  }

  static heightFor(n: number): number {
    return Math.max(96, Math.min(256, n * 3)) + 18;
  }

  setNeurons(n: number): void {
    this.n = n;
    if (this.selected !== null && this.selected >= n) this.selected = null;
    this.resize(Raster.heightFor(n));
  }

  neuronAt(y: number): number | null {
    const k = Math.floor(((y - this.margins.top) / this.plotHeight) * this.n);
    return k >= 0 && k < this.n ? k : null;
  }

  protected render(frames: readonly Frame[], markers: readonly Marker[]): void {
    const { ctx, dpr } = this.c;
    const n = this.n;
    const start = Math.max(0, this.view.start);
    const end = Math.min(frames.length - 1, this.view.end);
    const rowH = this.plotHeight / n;
    if (this.selected !== null) {
      ctx.fillStyle = "#1f3350";
      ctx.fillRect(this.margins.left, this.margins.top + this.selected * rowH, this.plotWidth, Math.max(1, rowH));
    }
    this.drawTimeAxis(frames, markers);
    // Spikes in device pixels, edges rounded, so every column and row has an even width.
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#fff0c8";
    let count = 0;
    for (let i = start; i <= end; i++) {
      const x0 = Math.round(this.x(i) * dpr);
      const x1 = Math.max(x0 + 1, Math.round(this.x(i + 1) * dpr) - (this.colWidth * dpr >= 3 ? 1 : 0));
      const spikes = frames[i]!.spikes;
      for (let k = 0; k < n; k++) {
        if (!spikes[k]) continue;
        count++;
        const y0 = Math.round((this.margins.top + k * rowH) * dpr);
        const y1 = Math.max(y0 + 1, Math.round((this.margins.top + (k + 1) * rowH) * dpr) - (rowH * dpr >= 3 ? 1 : 0));
        ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
      }
    }
    ctx.restore();
    this.drawn = count;
    ctx.font = FONT;
    ctx.fillStyle = AXIS;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const step = niceTicks(0, n, Math.max(2, Math.floor(this.plotHeight / 28)))[1] ?? n;
    for (let k = 0; k < n; k += Math.max(1, step)) ctx.fillText(String(k), this.margins.left - 4, this.margins.top + (k + 0.5) * rowH);
    ctx.fillText(String(n - 1), this.margins.left - 4, this.margins.top + (n - 0.5) * rowH);
    if (this.hoverIndex !== null && this.hoverIndex >= 0 && this.hoverIndex < frames.length) {
      const k = this.neuronAt(this.hoverY);
      const f = frames[this.hoverIndex]!;
      let active = 0;
      for (let j = 0; j < n; j++) active += f.spikes[j]!;
      this.drawTooltip([
        { text: `t ${f.time.toFixed(2)} s · ep ${f.episode}` },
        { text: `${active} of ${n} neurons spiked` },
        ...(k === null ? [] : [{ text: `neuron ${k}: ${f.spikes[k] ? "spike" : "silent"}, v = ${fmt(f.voltages[k]!)}` }, { text: "click: show its membrane potential", color: AXIS }]),
      ]);
    }
  }
}

/** Gait diagram: one row per foot, a bar while it touches the ground; duty factor over the window on the right. */
export class GaitPlot extends TimeCanvas {
  constructor(
    canvas: HTMLCanvasElement,
    private feet: string[],
    onHover: () => void,
  ) {
    super(canvas, GaitPlot.heightFor(feet.length), { left: 96, right: 40, top: 2, bottom: 14 }, onHover);
  }

  static heightFor(n: number): number {
    return n * 13 + 16;
  }

  setFeet(feet: string[]): void {
    this.feet = feet;
    this.resize(GaitPlot.heightFor(feet.length));
  }

  protected render(frames: readonly Frame[], markers: readonly Marker[]): void {
    const { ctx } = this.c;
    const n = this.feet.length;
    const rh = this.plotHeight / Math.max(1, n);
    const start = Math.max(0, this.view.start);
    const end = Math.min(frames.length - 1, this.view.end);
    this.drawTimeAxis(frames, markers);
    ctx.font = FONT;
    for (let f = 0; f < n; f++) {
      const top = this.margins.top + f * rh;
      ctx.fillStyle = seriesColor(f);
      let down = 0;
      for (let i = start; i <= end; i++) {
        if (!frames[i]!.contacts[f]) continue;
        down++;
        const x0 = Math.round(this.x(i));
        ctx.fillRect(x0, Math.round(top + 2), Math.max(1, Math.round(this.x(i + 1)) - x0), Math.max(1, Math.round(rh - 4)));
      }
      ctx.fillStyle = "#aab4c0";
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(`${f} ${this.feet[f]}`, this.margins.left - 4, top + rh / 2, this.margins.left - 6);
      ctx.textAlign = "left";
      const total = end - start + 1;
      ctx.fillText(total > 0 ? `${Math.round((100 * down) / total)}%` : "", this.margins.left + this.plotWidth + 4, top + rh / 2);
    }
    if (this.hoverIndex !== null && this.hoverIndex >= 0 && this.hoverIndex < frames.length) {
      const fr = frames[this.hoverIndex]!;
      this.drawTooltip([{ text: `t ${fr.time.toFixed(2)} s` }, ...this.feet.map((name, k) => ({ text: `${name}: ${fr.contacts[k] ? "stance" : "swing"}`, color: seriesColor(k) }))]);
    }
  }
}
