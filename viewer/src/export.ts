/** Pictures (PNG) and videos (WebM via MediaRecorder) of the 3D view with the panels and the HUD beside it. */

export interface Overlay {
  /** HUD lines drawn over the 3D view's top left. */
  hud: string[];
  /** End-of-episode banner, if shown. */
  banner: string | null;
  /** Small print at the bottom (what is shown). */
  caption: string;
}

export class Exporter {
  readonly out = document.createElement("canvas");
  private recorder: MediaRecorder | null = null;
  private chunks: Blob[] = [];
  private started = 0;

  constructor(
    private readonly view3d: HTMLCanvasElement,
    /** Panel sections in display order: title and canvas. */
    private readonly panels: () => { title: string; canvas: HTMLCanvasElement }[],
    private readonly overlay: () => Overlay,
  ) {}

  get recording(): boolean {
    return this.recorder !== null;
  }

  /** Draw the composite at width x height (device pixels of the output). */
  compose(width: number, height: number): HTMLCanvasElement {
    const c = this.out;
    if (c.width !== width || c.height !== height) {
      c.width = width;
      c.height = height;
    }
    const g = c.getContext("2d")!;
    g.fillStyle = "#111418";
    g.fillRect(0, 0, width, height);
    const colW = Math.round(width * 0.36);
    const viewW = width - colW;
    // 3D view, scaled to cover its region (cropped at the edges, never distorted).
    const src = this.view3d;
    if (src.width > 0 && src.height > 0) {
      const s = Math.max(viewW / src.width, height / src.height);
      const sw = viewW / s;
      const sh = height / s;
      g.drawImage(src, (src.width - sw) / 2, (src.height - sh) / 2, sw, sh, 0, 0, viewW, height);
    }
    const o = this.overlay();
    const unit = Math.max(11, Math.round(height / 48));
    g.font = `${unit}px ui-monospace, monospace`;
    g.textBaseline = "top";
    const hudW = Math.max(0, ...o.hud.map((l) => g.measureText(l).width)) + unit;
    g.fillStyle = "rgba(12,14,18,0.72)";
    g.fillRect(unit * 0.6, unit * 0.6, hudW, o.hud.length * unit * 1.35 + unit * 0.6);
    g.fillStyle = "#dde";
    o.hud.forEach((l, k) => g.fillText(l, unit * 1.1, unit * 0.9 + k * unit * 1.35));
    if (o.banner) {
      g.font = `bold ${Math.round(unit * 1.15)}px system-ui, sans-serif`;
      const w = g.measureText(o.banner).width + unit * 2;
      g.fillStyle = "rgba(140,30,30,0.9)";
      g.fillRect((viewW - w) / 2, unit, w, unit * 2);
      g.fillStyle = "#fff";
      g.textAlign = "center";
      g.fillText(o.banner, viewW / 2, unit * 1.45);
      g.textAlign = "left";
    }
    g.font = `${Math.round(unit * 0.85)}px system-ui, sans-serif`;
    g.fillStyle = "#9ab";
    g.fillText(o.caption, unit * 0.6, height - unit * 1.4);
    // Panels: one column if they fit, else two side by side (filled top to bottom, shortest column first).
    const list = this.panels().filter((p) => p.canvas.width > 0 && p.canvas.height > 0);
    const titleH = Math.round(unit * 1.2);
    const pad = 6;
    g.fillStyle = "#161a20";
    g.fillRect(viewW, 0, colW, height);
    const heightAt = (w: number) => list.reduce((h, p) => h + titleH + (w * p.canvas.height) / p.canvas.width + 4, 0);
    const columns = heightAt(colW - 2 * pad) <= height - 2 * pad ? 1 : 2;
    const inner = (colW - (columns + 1) * pad) / columns;
    const s = Math.min(1, (columns * (height - 2 * pad)) / heightAt(inner) / 1.05);
    const ys = new Array<number>(columns).fill(pad);
    for (const p of list) {
      const col = ys.indexOf(Math.min(...ys));
      const x0 = viewW + pad + col * (inner + pad);
      const w = inner * s;
      const h = (w * p.canvas.height) / p.canvas.width;
      g.fillStyle = "#9ab";
      g.font = `600 ${Math.round(unit * 0.8)}px system-ui, sans-serif`;
      g.fillText(p.title, x0, ys[col]!, inner);
      ys[col]! += titleH;
      g.drawImage(p.canvas, x0, ys[col]!, w, h);
      ys[col]! += h + 4;
    }
    return c;
  }

  async png(width: number, height: number): Promise<Blob> {
    const c = this.compose(width, height);
    return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error("toBlob failed"))), "image/png"));
  }

  /** Start recording the composite (call frame() after each render). */
  startVideo(width: number, height: number, fps = 30): void {
    if (this.recorder) return;
    this.compose(width, height);
    const stream = this.out.captureStream(fps);
    const mime = ["video/webm;codecs=vp8", "video/webm;codecs=vp9", "video/webm"].find((m) => MediaRecorder.isTypeSupported(m)) ?? "video/webm";
    this.chunks = [];
    this.recorder = new MediaRecorder(stream, { mimeType: mime, videoBitsPerSecond: 4_000_000 });
    this.recorder.ondataavailable = (e) => {
      if (e.data.size > 0) this.chunks.push(e.data);
    };
    this.recorder.start(250);
    this.started = performance.now();
  }

  frame(width: number, height: number): void {
    if (this.recorder) this.compose(width, height);
  }

  /** Stop and return the video and its length in seconds. */
  async stopVideo(): Promise<{ blob: Blob; seconds: number }> {
    const rec = this.recorder;
    if (!rec) throw new Error("not recording");
    const seconds = (performance.now() - this.started) / 1000;
    await new Promise<void>((resolve) => {
      rec.onstop = () => resolve();
      rec.stop();
    });
    this.recorder = null;
    return { blob: new Blob(this.chunks, { type: "video/webm" }), seconds };
  }
}

export function download(blob: Blob, name: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
