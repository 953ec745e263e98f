/** 2D panels drawn from the frame history up to the time cursor (so they stay in sync with the 3D view). */
import type { Frame, SceneDescription } from "../../src/serve/protocol.ts";

const TERM_COLORS = ["#e6b34a", "#5aa0e6", "#6cc48a", "#e0607e", "#a07de0", "#4fc4c4", "#e08a4f", "#c4c44f"];
const WINDOW = 240;

function ctx2d(id: string): CanvasRenderingContext2D {
  const c = document.getElementById(id) as HTMLCanvasElement;
  return c.getContext("2d")!;
}

export class Panels {
  private readonly raster = ctx2d("raster");
  private readonly terms = ctx2d("terms");
  private readonly modulator = ctx2d("modulator");
  private readonly heat = ctx2d("heat");
  private readonly actions = ctx2d("actions");
  private scene: SceneDescription | null = null;
  private rasterImage: ImageData | null = null;
  /** Spikes drawn in the raster at the last render (tests read it). */
  rasterSpikes = 0;

  setScene(scene: SceneDescription): void {
    this.scene = scene;
    const canvas = this.raster.canvas;
    canvas.height = Math.max(16, Math.min(256, scene.nHidden));
    canvas.width = WINDOW;
    canvas.style.width = "360px";
    canvas.style.height = `${Math.max(64, Math.min(256, scene.nHidden))}px`;
    this.rasterImage = this.raster.createImageData(canvas.width, canvas.height);
    const legend = document.getElementById("termLegend")!;
    legend.innerHTML = "";
    scene.terms.forEach((name, i) => {
      const s = document.createElement("span");
      s.style.color = TERM_COLORS[i % TERM_COLORS.length];
      s.textContent = name;
      legend.appendChild(s);
    });
    document.getElementById("rasterInfo")!.textContent = `(${scene.nHidden} neurons)`;
    document.getElementById("heatInfo")!.textContent = scene.heatRows > 0 ? `(${scene.heatRows}×${scene.heatCols} blocks)` : "(controller is not plastic)";
  }

  /** Draw everything for frames[0..cursor]. */
  draw(frames: readonly Frame[], cursor: number): void {
    const scene = this.scene;
    if (!scene || frames.length === 0) return;
    const from = Math.max(0, cursor - WINDOW + 1);
    this.drawRaster(frames, from, cursor, scene.nHidden);
    this.drawTerms(frames, from, cursor, scene);
    this.drawModulator(frames, from, cursor, scene.nModulators);
    this.drawHeat(frames, cursor, scene);
    this.drawActions(frames[cursor], scene);
    document.getElementById("rewardNow")!.textContent = `r=${frames[cursor].reward.toFixed(3)}`;
  }

  private drawRaster(frames: readonly Frame[], from: number, to: number, n: number): void {
    const img = this.rasterImage;
    if (!img) return;
    const rows = img.height;
    const data = img.data;
    data.fill(0);
    let count = 0;
    for (let t = from; t <= to; t++) {
      const x = WINDOW - 1 - (to - t);
      const spikes = frames[t].spikes;
      for (let i = 0; i < n; i++) {
        if (!spikes[i]) continue;
        count++;
        const y = Math.floor((i * rows) / n);
        const o = (y * img.width + x) * 4;
        data[o] = 255; data[o + 1] = 240; data[o + 2] = 200; data[o + 3] = 255;
      }
    }
    for (let y = 0; y < rows; y++) {
      const o = (y * img.width + WINDOW - 1) * 4;
      if (data[o + 3] === 0) { data[o] = 60; data[o + 1] = 80; data[o + 2] = 120; data[o + 3] = 255; }
    }
    this.raster.putImageData(img, 0, 0);
    this.rasterSpikes = count;
  }

  private drawSeries(c: CanvasRenderingContext2D, frames: readonly Frame[], from: number, to: number, series: number, get: (f: Frame, k: number) => number, colors: string[]): void {
    const { width, height } = c.canvas;
    c.clearRect(0, 0, width, height);
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = from; t <= to; t++) for (let k = 0; k < series; k++) {
      const v = get(frames[t], k);
      if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    if (!Number.isFinite(lo)) return;
    if (hi - lo < 1e-6) { hi += 0.5; lo -= 0.5; }
    const y = (v: number) => height - 4 - ((v - lo) / (hi - lo)) * (height - 8);
    if (lo < 0 && hi > 0) {
      c.strokeStyle = "#333a44";
      c.beginPath(); c.moveTo(0, y(0)); c.lineTo(width, y(0)); c.stroke();
    }
    const dx = width / WINDOW;
    for (let k = 0; k < series; k++) {
      c.strokeStyle = colors[k % colors.length];
      c.beginPath();
      for (let t = from; t <= to; t++) {
        const x = width - (to - t + 1) * dx;
        const v = get(frames[t], k);
        if (t === from) c.moveTo(x, y(v)); else c.lineTo(x, y(v));
      }
      c.stroke();
    }
    c.fillStyle = "#8895a5";
    c.font = "10px sans-serif";
    c.fillText(hi.toPrecision(3), 2, 10);
    c.fillText(lo.toPrecision(3), 2, height - 2);
  }

  private drawTerms(frames: readonly Frame[], from: number, to: number, scene: SceneDescription): void {
    this.drawSeries(this.terms, frames, from, to, scene.terms.length, (f, k) => f.terms[k], TERM_COLORS);
  }

  private drawModulator(frames: readonly Frame[], from: number, to: number, n: number): void {
    this.drawSeries(this.modulator, frames, from, to, n, (f, k) => f.modulators[k], ["#f0c040", "#40c0f0", "#c040f0"]);
  }

  private drawHeat(frames: readonly Frame[], cursor: number, scene: SceneDescription): void {
    const c = this.heat;
    const { width, height } = c.canvas;
    if (scene.heatRows === 0) {
      c.clearRect(0, 0, width, height);
      return;
    }
    let t = cursor;
    while (t >= 0 && (frames[t].flags & 8) === 0) t--;
    if (t < 0) return;
    const heat = frames[t].heat;
    let max = 1e-12;
    for (let i = 0; i < heat.length; i++) max = Math.max(max, Math.abs(heat[i]));
    const cw = width / scene.heatCols;
    const ch = height / scene.heatRows;
    for (let r = 0; r < scene.heatRows; r++) for (let k = 0; k < scene.heatCols; k++) {
      const v = heat[r * scene.heatCols + k] / max;
      const a = Math.min(1, Math.abs(v));
      c.fillStyle = v >= 0 ? `rgb(${Math.round(30 + 225 * a)},${Math.round(30 + 60 * a)},${Math.round(40)})` : `rgb(${40},${Math.round(30 + 90 * a)},${Math.round(30 + 225 * a)})`;
      c.fillRect(k * cw, r * ch, Math.ceil(cw), Math.ceil(ch));
    }
  }

  private drawActions(frame: Frame, scene: SceneDescription): void {
    const c = this.actions;
    const { width, height } = c.canvas;
    c.clearRect(0, 0, width, height);
    const n = scene.actions.length;
    if (n === 0) return;
    const bw = width / n;
    const mid = height / 2;
    for (let i = 0; i < n; i++) {
      const v = Math.max(-1, Math.min(1, frame.actions[i]));
      c.fillStyle = v >= 0 ? "#5aa0e6" : "#e0607e";
      c.fillRect(i * bw + 2, v >= 0 ? mid - v * (mid - 2) : mid, bw - 4, Math.abs(v) * (mid - 2));
    }
    c.strokeStyle = "#333a44";
    c.beginPath(); c.moveTo(0, mid); c.lineTo(width, mid); c.stroke();
  }
}
