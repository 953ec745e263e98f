/**
 * `watch --recording FILE --export out.webm|out.png`: replay the recording in headless Chromium
 * (@sparticuz/chromium driven by playwright-core) and save what the viewer's export button saves:
 * the 3D view with the panels and the HUD, as a WebM video or a PNG of the last frame. The video has one
 * frame per control step at its exact time: the page renders the recording frame by frame and encodes it
 * with WebCodecs (VP8), so a slow software renderer makes the export slower, not the video choppier
 * (browsers without WebCodecs fall back to MediaRecorder in real time).
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, rename, stat, writeFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { SpikelocoError } from "../core/errors.ts";
import { startRecordingWatch } from "./watch.ts";

export interface ExportOptions {
  recording: string;
  out: string;
  width: number;
  height: number;
  log?: (msg: string) => void;
}

export interface ExportResult {
  out: string;
  kind: "webm" | "png";
  width: number;
  height: number;
  bytes: number;
  /** Video length (webm). */
  seconds: number;
  frames: number;
}

interface ExportState {
  status: "running" | "done" | "error";
  mime?: string;
  data?: string;
  seconds?: number;
  error?: string;
}

async function loadBrowser(): Promise<{ executablePath: string; args: string[]; launch: typeof import("playwright-core").chromium.launch }> {
  try {
    const chromium = (await import("@sparticuz/chromium")).default;
    const { chromium: pw } = await import("playwright-core");
    return { executablePath: await chromium.executablePath(), args: chromium.args, launch: pw.launch.bind(pw) };
  } catch (err) {
    throw new SpikelocoError(`headless rendering needs playwright-core and @sparticuz/chromium (npm install): ${(err as Error).message.split("\n")[0]}`, "--export");
  }
}

/** The output must be a writable file path: checked before any rendering. */
async function checkOutput(out: string): Promise<void> {
  const info = await stat(out).catch(() => null);
  if (info?.isDirectory()) throw new SpikelocoError("is a directory; give a file name ending in .webm or .png", out);
  try {
    await access(dirname(resolve(out)), constants.W_OK);
  } catch (err) {
    throw new SpikelocoError(`cannot write here (${(err as NodeJS.ErrnoException).code ?? String(err)})`, out);
  }
}

export async function exportRecording(o: ExportOptions): Promise<ExportResult> {
  await checkOutput(o.out);
  const kind = extname(o.out).toLowerCase() === ".png" ? "png" : "webm";
  const token = randomBytes(18).toString("base64url");
  const watch = await startRecordingWatch(o.recording, { port: 0, token, log: o.log });
  const browserLib = await loadBrowser().catch(async (err) => {
    await watch.close();
    throw err;
  });
  const browser = await browserLib.launch({ executablePath: browserLib.executablePath, args: browserLib.args, headless: true });
  try {
    // The viewer at about the export size; "low" quality at full resolution (no MSAA, basic shadows), which a
    // software renderer draws several times faster than "high".
    const page = await browser.newPage({ viewport: { width: Math.max(1024, Math.round(o.width / 0.7)), height: Math.max(640, o.height) } });
    page.on("pageerror", (err) => o.log?.(`viewer: ${err.message}`));
    const url = new URL(watch.url);
    url.search = `?export=${kind}&width=${o.width}&height=${o.height}&quality=low&scale=1`;
    o.log?.(`rendering ${kind === "webm" ? `${watch.frames} frames` : "the last frame"} of ${o.recording} headless...`);
    await page.goto(url.toString());
    const limitMs = 60_000 + watch.frames * 0.05 * 4000;
    const deadline = Date.now() + limitMs;
    let state: ExportState | null = null;
    for (;;) {
      state = await page.evaluate(() => (window as unknown as { __spikeloco?: { state: { exportResult: ExportState | null } } }).__spikeloco?.state.exportResult ?? null);
      if (state && state.status !== "running") break;
      if (Date.now() > deadline) throw new Error(`export did not finish within ${Math.round(limitMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    if (state.status === "error" || !state.data) throw new Error(`the viewer could not export: ${state.error ?? "no data"}`);
    const bytes = Buffer.from(state.data, "base64");
    const tmp = `${o.out}.tmp-${process.pid}`;
    await writeFile(tmp, bytes);
    await rename(tmp, o.out);
    return { out: o.out, kind, width: o.width, height: o.height, bytes: bytes.byteLength, seconds: state.seconds ?? 0, frames: watch.frames };
  } finally {
    await browser.close();
    await watch.close();
  }
}
