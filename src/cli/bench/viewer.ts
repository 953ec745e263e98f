/**
 * `spikeloco bench viewer`: stream bandwidth per client (Ant, 128-neuron raster, default control rate)
 * measured by WebSocket clients, and optionally the FPS the viewer renders in headless Chromium.
 */
import type { Command } from "commander";
import { action, intOption, log, printResult } from "../output.ts";

interface Flags {
  seconds: number;
  clients: number;
  browser?: boolean;
  json?: boolean;
}

interface ViewerBench {
  env: string;
  controller: string;
  hidden: number;
  control_hz: number;
  seconds: number;
  clients: number;
  bytes_per_second_per_client: number;
  frames_per_second_per_client: number;
  mean_frame_bytes: number;
  dropped_frames: number;
  browser_fps: number | null;
  browser_renderer: string | null;
  load_average: number;
}

export function register(bench: Command): void {
  bench
    .command("viewer")
    .description("viewer stream bandwidth per client (Ant, 128-neuron raster) and, with --browser, rendered FPS in headless Chromium")
    .option("--seconds <n>", "measurement window", intOption("--seconds", 1, 3600), 10)
    .option("--clients <n>", "concurrent WebSocket clients", intOption("--clients", 1, 200), 1)
    .option("--browser", "also open the viewer in headless Chromium and count rendered frames")
    .option("--json", "print one JSON object")
    .action(
      action(async (flags: Flags) => {
        const { loadavg } = await import("node:os");
        const { WebSocket } = await import("ws");
        const { makeEnv } = await import("../../../envs/index.ts");
        const { freshController } = await import("../../serve/live-controller.ts");
        const { startLiveWatch } = await import("../../serve/watch.ts");
        const env = await makeEnv("ant");
        // The measurement: a 128-neuron raster (the presets have 64 hidden neurons).
        const controller = await freshController(env, undefined, 0, { hidden: { size: 128 } });
        // The bench's own clients (and the browser) on top of the default viewer limit.
        const w = await startLiveWatch({ env, controller, port: 0, log, maxClients: flags.clients + 2 });
        const scene = w.live!.scene();
        const counters = Array.from({ length: flags.clients }, () => ({ bytes: 0, frames: 0 }));
        const sockets = await Promise.all(
          counters.map(
            (c) =>
              new Promise<InstanceType<typeof WebSocket>>((resolve, reject) => {
                const ws = new WebSocket(w.url.replace("http", "ws") + "ws");
                ws.on("message", (d, binary) => {
                  if (!binary) return;
                  c.bytes += (d as Buffer).byteLength;
                  c.frames++;
                });
                ws.once("open", () => resolve(ws));
                ws.once("error", reject);
              }),
          ),
        );
        let browserFps: number | null = null;
        let renderer: string | null = null;
        type BrowserHandle = { close(): Promise<void> };
        let browser: BrowserHandle | null = null;
        let readFrames: (() => Promise<number>) | null = null;
        if (flags.browser) {
          const chromium = (await import("@sparticuz/chromium")).default;
          const { chromium: pw } = await import("playwright-core");
          const b = await pw.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
          browser = b;
          const page = await b.newPage({ viewport: { width: 1280, height: 720 } });
          await page.goto(w.url);
          await page.waitForFunction(() => (window as unknown as { __spikeloco: { state: { framesReceived: number } } }).__spikeloco.state.framesReceived > 5, undefined, { timeout: 60_000 });
          renderer = await page.evaluate(() => {
            const gl = document.createElement("canvas").getContext("webgl");
            const info = gl?.getExtension("WEBGL_debug_renderer_info");
            return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "unknown";
          });
          readFrames = () => page.evaluate(() => (window as unknown as { __spikeloco: { state: { renderedFrames: number } } }).__spikeloco.state.renderedFrames);
        }
        await new Promise((r) => setTimeout(r, 1000)); // warm-up
        const start = counters.map((c) => ({ ...c }));
        const rendered0 = readFrames ? await readFrames() : 0;
        const t0 = performance.now();
        log(`measuring for ${flags.seconds} s...`);
        await new Promise((r) => setTimeout(r, flags.seconds * 1000));
        const seconds = (performance.now() - t0) / 1000;
        if (readFrames) browserFps = ((await readFrames()) - rendered0) / seconds;
        const bytes = counters.reduce((s, c, i) => s + c.bytes - start[i]!.bytes, 0) / flags.clients;
        const frames = counters.reduce((s, c, i) => s + c.frames - start[i]!.frames, 0) / flags.clients;
        const dropped = w.server.clientStats().reduce((s, x) => s + x.droppedFrames, 0);
        for (const s of sockets) s.close();
        await browser?.close();
        await w.close();
        env.close();
        const result: ViewerBench = {
          env: "ant",
          controller: controller.label,
          hidden: scene.nHidden,
          control_hz: 1 / scene.controlDt,
          seconds,
          clients: flags.clients,
          bytes_per_second_per_client: bytes / seconds,
          frames_per_second_per_client: frames / seconds,
          mean_frame_bytes: frames > 0 ? bytes / frames : 0,
          dropped_frames: dropped,
          browser_fps: browserFps,
          browser_renderer: renderer,
          load_average: loadavg()[0]!, // always three numbers
        };
        printResult(result, !!flags.json, (r) =>
          [
            `stream (ant, ${r.hidden}-neuron raster, ${r.control_hz.toFixed(0)} Hz control): ${(r.bytes_per_second_per_client / 1000).toFixed(2)} KB/s per client over ${r.clients} client(s), ${r.frames_per_second_per_client.toFixed(1)} frames/s, ${r.mean_frame_bytes.toFixed(0)} B/frame, ${r.dropped_frames} dropped`,
            r.browser_fps === null ? "browser: not measured (add --browser)" : `browser: ${r.browser_fps.toFixed(1)} FPS rendered at 1280x720 (${r.browser_renderer})`,
            `load average during the run: ${r.load_average.toFixed(1)} (shared machine)`,
          ].join("\n"),
        );
      }),
    );
}
