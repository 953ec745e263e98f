/**
 * The viewer in a real headless Chromium (playwright-core + @sparticuz/chromium, WebGL via SwiftShader).
 *
 * Part 1 ("what a researcher must see and be safe from") holds the checks that failed on the viewer before
 * protocol 2: visible ground motion, the end-of-episode banner, keyboard handling, the help overlay,
 * refusing other origins, and a control flood. Part 2 covers the rest: panels, camera, playback, live
 * controls, replay and export.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import chromium from "@sparticuz/chromium";
import { chromium as pw, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { makeEnv } from "../../envs/index.ts";
import { freshController, snnController } from "../../src/serve/live-controller.ts";
import { recordEpisode, startLiveWatch, startRecordingWatch, type Watch } from "../../src/serve/watch.ts";
import type { WorldInfo } from "../../viewer/src/world.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
let browser: Browser;

interface PageState {
  connected: boolean;
  mode: string | null;
  framesReceived: number;
  bytesReceived: number;
  renderedFrames: number;
  historyLength: number;
  cursor: number;
  playing?: boolean;
  torsoVelocity: number[];
  rasterSpikes: number;
  pushes: { step: number; impulse: number[]; before: number[]; after: number[] }[];
  pushArrowVisible: boolean;
  contactMarkers: number;
  settings: { paused: boolean; speed: number; obsNoise: number; actionNoise: number; disabledLeg: number | null; terrain: string } | null;
  errors: string[];
  acks: string[];
  banner?: string | null;
  pausedBadge?: string | null;
  helpOpen?: boolean;
  file?: string | null;
  world: WorldInfo | null;
}

/** Leave a page (see beforeAll: pages are not closed). */
const done = (p: Page | undefined) => p?.goto("about:blank").catch(() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A terrain switch costs the whole 20-token control burst (refilled at 10 per second): wait for a full bucket. */
async function selectTerrain(page: Page, kind: string): Promise<void> {
  await sleep(2100);
  await page.locator("#terrain").selectOption(kind);
}
const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const pageState = (p: Page) => p.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __spikeloco: { state: unknown } }).__spikeloco.state)) as PageState);

async function waitFor(p: Page, pred: (s: PageState) => boolean, ms = 20_000): Promise<PageState> {
  const t0 = Date.now();
  for (;;) {
    const s = await pageState(p);
    if (pred(s)) return s;
    if (Date.now() - t0 > ms) throw new Error(`timed out; last state ${JSON.stringify({ ...s, pushes: s.pushes?.length, acks: s.acks?.length })}`);
    await sleep(100);
  }
}

/** The 3D canvas downsampled to w x h: grey level and whether the pixel is coloured (robot, markers), row-major. */
function canvasPixels(p: Page, w = 192, h = 108): Promise<{ grey: number[]; colored: boolean[]; w: number; h: number }> {
  return p.evaluate(
    ([w, h]) => {
      const src = document.getElementById("canvas3d") as HTMLCanvasElement;
      const c = document.createElement("canvas");
      c.width = w;
      c.height = h;
      const ctx = c.getContext("2d")!;
      ctx.drawImage(src, 0, 0, w, h);
      const d = ctx.getImageData(0, 0, w, h).data;
      const grey: number[] = [];
      const colored: boolean[] = [];
      for (let i = 0; i < d.length; i += 4) {
        const mx = Math.max(d[i], d[i + 1], d[i + 2]);
        const mn = Math.min(d[i], d[i + 1], d[i + 2]);
        grey.push(Math.round((d[i] + d[i + 1] + d[i + 2]) / 3));
        colored.push(mx - mn > 40);
      }
      return { grey, colored, w, h };
    },
    [w, h],
  );
}

/** Ground pixels: the lower 55% of the view, away (3 px) from anything coloured in either picture. */
function groundMask(a: { colored: boolean[]; w: number; h: number }, b?: { colored: boolean[] }): boolean[] {
  const { w, h } = a;
  const near = (x: number, y: number) => {
    for (let dy = -3; dy <= 3; dy++)
      for (let dx = -3; dx <= 3; dx++) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const k = yy * w + xx;
        if (a.colored[k] || b?.colored[k]) return true;
      }
    return false;
  };
  return a.colored.map((_, k) => {
    const x = k % w;
    const y = Math.floor(k / w);
    return y >= Math.floor(0.45 * h) && !near(x, y);
  });
}

function std(values: number[]): number {
  const m = values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, values.length));
}

async function openViewer(url: string, viewport = { width: 1100, height: 680 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(url);
  await waitFor(page, (x) => x.connected && x.framesReceived > 5, 60_000);
  return page;
}

beforeAll(async () => {
  browser = await pw.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
  // @sparticuz/chromium runs single-process, where closing a page can end the browser: pages are
  // navigated away instead (done()).
});
afterAll(async () => {
  await browser?.close();
});

describe("what a researcher must see, and what the server must refuse", () => {
  let env: Awaited<ReturnType<typeof makeEnv>>;
  let watch: Watch;
  let page: Page;

  beforeAll(async () => {
    // A walker that surely travels: the conditions push it forward twice a second; 10 s episodes end often.
    env = await makeEnv("ant", { maxSteps: 200 });
    const conditions = { pushes: { interval: 10, impulse: 1.5, direction: [1, 0, 0] as [number, number, number] } };
    watch = await startLiveWatch({ env, controller: await freshController(env, "nm-hebb", 1), seed: 1, port: 0, conditions });
    page = await openViewer(watch.url);
  });
  afterAll(async () => {
    await done(page);
    await watch?.close();
    env?.close();
  });

  it("ground pixels near the robot vary (a textured ground, not one flat grey)", async () => {
    await sleep(500);
    const px = await canvasPixels(page);
    const mask = groundMask(px);
    const rows = [0.55, 0.7, 0.85].map((f) => Math.floor(f * px.h));
    const stds = rows.map((y) => std(px.grey.slice(y * px.w, (y + 1) * px.w).filter((_, x) => mask[y * px.w + x])));
    console.log(`[viewer] ground grey-level spread along rows at 55/70/85% height: ${stds.map((s) => s.toFixed(1)).join(", ")}`);
    for (const s of stds) expect(s).toBeGreaterThan(6);
  });

  it("two frames 2 s apart differ on the ground where the robot walks (motion is visible with the camera following)", async () => {
    // Two pictures 2 s apart within one episode (a reset would put the robot back at the start).
    let s0 = await pageState(page);
    let a = await canvasPixels(page);
    let b = a;
    let s1 = s0;
    for (let attempt = 0; attempt < 4; attempt++) {
      s0 = await pageState(page);
      a = await canvasPixels(page);
      await sleep(2000);
      b = await canvasPixels(page);
      s1 = await pageState(page);
      const e0 = (s0 as unknown as { episode?: number }).episode ?? s0.world?.torso[0];
      const e1 = (s1 as unknown as { episode?: number }).episode ?? s1.world?.torso[0];
      if (e0 === e1 || (s0 as unknown as { episode?: number }).episode === undefined) break;
    }
    const mask = groundMask(a, b);
    let n = 0;
    let changed = 0;
    mask.forEach((m, k) => {
      if (!m) return;
      n++;
      if (Math.abs(a.grey[k] - b.grey[k]) > 10) changed++;
    });
    const moved = s0.world && s1.world ? dist(s0.world.torso, s1.world.torso) : NaN;
    console.log(`[viewer] 2 s apart: torso moved ${moved.toFixed(2)} m; ${changed} of ${n} ground pixels changed`);
    expect(moved).toBeGreaterThan(0.2);
    expect(changed / n).toBeGreaterThan(0.05);
  });

  it("the end-of-episode banner appears with the reason", async () => {
    // read the text in the same turn that sees the banner shown: it stays 2 s, and a loaded machine can
    // take longer than that between two round trips
    const handle = await page.waitForFunction(() => {
      const b = document.querySelector<HTMLElement>("#banner");
      return b && !b.hidden && b.textContent ? b.textContent : null;
    }, null, { timeout: 30_000 });
    const text = (await handle.jsonValue()) as string;
    console.log(`[viewer] banner: ${text}`);
    expect(text).toMatch(/^Episode \d+ ended at \d+\.\d\d s: (time limit|fell|off course|non-finite state) · return -?\d/);
  });

  it("typing in a field does not pause, and Space on a focused button only presses it", async () => {
    await waitFor(page, (x) => x.settings?.paused === false);
    await page.locator("#pushSize").click();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("2.5");
    await page.keyboard.press("Space");
    await sleep(800);
    const s = await pageState(page);
    expect(s.settings?.paused).toBe(false);
    expect(await page.locator("#pushSize").inputValue()).toBe("2.5");
    const pushesBefore = s.pushes.length;
    await page.locator("#push").focus();
    await page.keyboard.press("Space");
    const after = await waitFor(page, (x) => x.pushes.some((p) => Math.abs(p.impulse[1] - 2.5) < 1e-6) || x.pushes.length > pushesBefore + 5);
    expect(after.settings?.paused).toBe(false);
    await sleep(500);
    expect((await pageState(page)).settings?.paused).toBe(false);
    // Elsewhere, Space does pause (and again resumes).
    await page.locator("#canvas3d").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Space");
    await waitFor(page, (x) => x.settings?.paused === true);
    await page.keyboard.press("Space");
    await waitFor(page, (x) => x.settings?.paused === false);
  });

  it("'?' opens the help overlay and Escape closes it", async () => {
    await page.locator("#canvas3d").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("?");
    await page.waitForSelector("#help:not([hidden])", { timeout: 5000 });
    expect(await page.locator("#help").textContent()).toMatch(/Space.*play \/ pause/s);
    await page.keyboard.press("Escape");
    await page.waitForSelector("#help", { state: "hidden", timeout: 5000 });
  });

  it("a page of another origin can neither connect nor drive the simulation", async () => {
    const target = new URL(watch.url);
    const wsUrl = `ws://${target.host}/ws`;
    const attacker: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><script>
        window.result = new Promise((resolve) => {
          const ws = new WebSocket(${JSON.stringify(wsUrl)});
          let opened = false;
          ws.onopen = () => { opened = true; ws.send(JSON.stringify({ type: "disableLeg", leg: 0 })); ws.send(JSON.stringify({ type: "push", impulse: [1000, 0, 0] })); setTimeout(() => resolve("open"), 500); };
          ws.onclose = () => { if (!opened) resolve("refused"); };
        });
      </script>`);
    });
    await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", () => r()));
    const other = await browser.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      const result = await other.evaluate(() => (window as unknown as { result: Promise<string> }).result);
      expect(result).toBe("refused");
      expect(watch.live!.settings().disabledLeg).toBe(null);
    } finally {
      await done(other);
      attacker.close();
    }
  });
});

describe("a flood of control messages", () => {
  let child: ChildProcess;
  let url = "";
  beforeAll(async () => {
    child = spawn(process.execPath, [bin, "watch", "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /"url":"([^"]+)"/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`watch exited ${code}`)));
    });
  });
  afterAll(() => {
    child?.kill("SIGKILL");
  });

  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

  // The gap is measured in a software-GL browser; when another test file runs on the other core it can
  // brush 1 s (1040 ms seen in a full-suite run, 743 ms alone). Each try must still meet the bound.
  it("leaves another client's frame gap under 1 s and the server's memory bounded", { retry: 2 }, async () => {
    // The other client: a plain WebSocket reader timing the gaps between frames.
    const watcher = new WebSocket(url.replace("http", "ws") + "ws");
    let last = 0;
    let maxGap = 0;
    let frames = 0;
    let measuring = false;
    let closed = false;
    let closeCode = 0;
    watcher.on("close", (code) => {
      closed = true;
      closeCode = code;
    });
    watcher.on("message", (_d, binary) => {
      if (!binary) return;
      const now = performance.now();
      if (measuring && last > 0) maxGap = Math.max(maxGap, now - last);
      last = now;
      frames++;
    });
    await new Promise((r) => watcher.once("open", r));
    const flooder = await openViewer(url);
    await sleep(1000);
    const rss0 = rssMb();
    measuring = true;
    // The flood: terrain switches (the most expensive control) as fast as the page can send them, for 4 s.
    // Between flat and stairs: a single rough-heightfield switch alone takes 0.6-1.8 s of the server on
    // this shared 2-core machine, whatever the rate (the rate limit is checked with it in serve.ws.test.ts).
    const sent = await flooder.evaluate(async () => {
      const spk = (window as unknown as { __spikeloco: { send(m: object): void } }).__spikeloco;
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 4000) {
        for (let k = 0; k < 500; k++) spk.send({ type: "terrain", kind: n++ % 2 ? "stairs" : "flat" });
        await new Promise((r) => setTimeout(r, 10));
      }
      return n;
    });
    await sleep(1500);
    measuring = false;
    // A reader that stopped receiving (frozen server, or dropped) counts the time since its last frame.
    maxGap = Math.max(maxGap, performance.now() - last);
    const rss1 = rssMb();
    const s = await pageState(flooder);
    const limited = s.errors.filter((e) => e.startsWith("rate-limited")).length;
    console.log(
      `[viewer] flood: ${sent} terrain switches in 4 s; ${limited} of the last answers were rate-limited errors; other client's largest frame gap ${maxGap.toFixed(0)} ms over ${frames} frames${closed ? " (it was disconnected: " + closeCode + ")" : ""}; server RSS ${rss0.toFixed(0)} -> ${rss1.toFixed(0)} MB`,
    );
    const watcherOpen = !closed;
    watcher.close();
    await done(flooder);
    expect(watcherOpen).toBe(true);
    expect(maxGap).toBeLessThan(1000);
    expect(rss1 - rss0).toBeLessThan(60);
    expect(sent).toBeGreaterThan(500);
  });
});

describe("viewer panels, camera, playback, live controls, replay and export", () => {
  let env: Awaited<ReturnType<typeof makeEnv>>;
  let watch: Watch;
  let page: Page;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    env = await makeEnv("ant");
    watch = await startLiveWatch({ env, controller: await freshController(env, "nm-hebb", 1), seed: 1, port: 0 });
    page = await browser.newPage({ viewport: { width: 1100, height: 680 } });
    page.on("console", (m) => consoleLines.push(m.text()));
    await page.goto(watch.url);
    await waitFor(page, (x) => x.connected && x.framesReceived > 10, 60_000);
  });
  afterAll(async () => {
    await done(page);
    await watch?.close();
    env?.close();
  });

  it("shows spikes, reward terms, speed, joints, gait and a heat map with its colour bar; a clicked neuron's membrane potential", async () => {
    const origin = new URL(watch.url);
    expect(await page.locator("#untrained").isVisible()).toBe(true);
    expect((await pageState(page)).rasterSpikes).toBeGreaterThan(0);
    // Legends carry current values with units.
    expect(await page.locator("#speedLegend").textContent()).toMatch(/forward vx -?\d.*m\/s/);
    expect(await page.locator("#termLegend").textContent()).toMatch(/forward -?\d.*healthy/);
    // Click a row of the raster: the membrane plot shows that neuron, with its threshold.
    await page.locator("#raster").scrollIntoViewIfNeeded();
    const box = (await page.locator("#raster").boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.6, box.y + 4 + 10.5 * ((box.height - 18) / 64));
    await expect.poll(() => page.locator("#membraneInfo").textContent()).toMatch(/^neuron 10 /);
    await page.locator("#membrane").scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator("#membraneLegend").textContent()).toMatch(/v neuron 10 -?\d/);
    // Fixed heat-map scale from the page.
    await page.locator("#heatScale").selectOption("fixed");
    await page.locator("#heatFixed").fill("0.001");
    // the heat map takes the new scale when it next draws (the next frame)
    const shown = () => page.evaluate(() => (window as unknown as { __spikeloco: { debug: { panels: { heat: { shownScale: number } } } } }).__spikeloco.debug.panels.heat.shownScale);
    await expect.poll(shown).toBe(0.001);
    await page.locator("#heatScale").selectOption("auto");
    // Every canvas is sized in device pixels for the screen it is on.
    // (at high quality, where three.js used to log "PCFSoftShadowMap has been removed" on every load)
    const hi = await browser.newPage({ viewport: { width: 1100, height: 680 }, deviceScaleFactor: 2 });
    const hiConsole: string[] = [];
    hi.on("console", (m) => hiConsole.push(m.text()));
    try {
      await hi.goto(`${watch.url}?quality=high`);
      await waitFor(hi, (x) => x.framesReceived > 3, 60_000);
      const sizes = await hi.evaluate(() => [...document.querySelectorAll("#panels canvas")].map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).clientWidth]));
      for (const [w, cw] of sizes) expect(w).toBe(2 * cw);
      expect((await pageState(hi)).world!.shadowKind).toBe("map");
      expect(hiConsole.filter((l) => /PCFSoftShadowMap/.test(l))).toEqual([]);
    } finally {
      await done(hi);
    }
    expect(consoleLines.filter((l) => /PCFSoftShadowMap|error/i.test(l))).toEqual([]);
    for (const u of [watch.url]) expect(new URL(u).host).toBe(origin.host);
  });

  it("a push shows an arrow and changes the streamed torso velocity; contact markers and force arrows are drawn", async () => {
    await page.locator("#pushSize").fill("1.5");
    await page.locator("#push").click();
    const s = await waitFor(page, (x) => x.pushes.length > 0 && x.pushArrowVisible);
    const push = s.pushes[0];
    expect(push.impulse).toEqual([0, 1.5, 0]);
    const dvy = push.after[1] - push.before[1];
    console.log(`[viewer] push 1.5 N·s along +y: torso vy ${push.before[1].toFixed(3)} -> ${push.after[1].toFixed(3)} m/s`);
    expect(dvy).toBeGreaterThan(0.4);
    const w = (await waitFor(page, (x) => (x.world?.contactMarkers ?? 0) > 0)).world!;
    expect(w.contactMarkers).toBeLessThanOrEqual(4);
    expect(w.forceArrows).toBeGreaterThan(0);
    expect(w.texturedTerrain).toBeGreaterThan(0);
    expect(w.trailPoints).toBeGreaterThan(10);
  });

  it("camera presets: track follows the torso; free orbits with the mouse", async () => {
    expect((await pageState(page)).world!.preset).toBe("track");
    await page.locator('#cameraBar button[data-preset="free"]').click();
    await page.locator("#play").click();
    await waitFor(page, (x) => x.settings?.paused === true);
    await sleep(300);
    const before = (await pageState(page)).world!;
    const cbox = (await page.locator("#canvas3d").boundingBox())!;
    await page.mouse.move(cbox.x + cbox.width / 2, cbox.y + cbox.height / 2);
    await page.mouse.down();
    await page.mouse.move(cbox.x + cbox.width / 2 + 160, cbox.y + cbox.height / 2 + 20, { steps: 8 });
    await page.mouse.up();
    await sleep(800);
    const after = (await pageState(page)).world!;
    expect(dist(after.camera, before.camera)).toBeGreaterThan(0.2);
    expect(dist(after.cameraTarget, before.cameraTarget)).toBeLessThan(1e-6);
    // Track again: the camera is placed relative to the robot, sized by its extent.
    await page.locator('#cameraBar button[data-preset="track"]').click();
    await sleep(500);
    const tracked = (await pageState(page)).world!;
    expect(tracked.preset).toBe("track");
    expect(dist(tracked.camera, tracked.torso)).toBeLessThan(12);
    expect(await page.locator("#pausedBadge").textContent()).toMatch(/PAUSED/);
    await page.locator("#play").click();
    await waitFor(page, (x) => x.settings?.paused === false);
  });

  it("live playback: single step at the live edge, scrubbing back and returning to live", async () => {
    await page.locator("#play").click();
    await waitFor(page, (x) => x.settings?.paused === true);
    await sleep(300);
    const n0 = (await pageState(page)).framesReceived;
    await page.locator("#step").click();
    await waitFor(page, (x) => x.framesReceived === n0 + 1);
    await page.locator("#play").click();
    await waitFor(page, (x) => x.settings?.paused === false);
    const s = await pageState(page);
    const back = Math.max(0, s.historyLength - 30);
    await page.locator("#timeline").fill(String(back));
    await waitFor(page, (x) => x.cursor === back);
    await sleep(600);
    const held = await pageState(page);
    expect(held.cursor).toBe(back);
    expect(held.pausedBadge).toMatch(/HISTORY/);
    await page.locator("#live").click();
    await waitFor(page, (x) => x.cursor === x.historyLength - 1 && x.historyLength > held.historyLength);
  });

  it("live controls: a disabled leg is drawn as disabled; a terrain switch shows the heightfield and keeps the history", async () => {
    await page.locator("#leg").selectOption("0");
    const s = await waitFor(page, (x) => x.settings?.disabledLeg === 0 && (x.world?.disabledBodies ?? 0) > 0);
    expect(s.world!.disabledBodies).toBe(2);
    expect(watch.live!.conditions()).toMatchObject({ disabledLegs: [0] });
    await page.locator("#leg").selectOption("");
    await waitFor(page, (x) => x.settings?.disabledLeg === null && x.world?.disabledBodies === 0);
    await page.locator("#legLabels").check();
    expect((await pageState(page)).world!.legLabels).toBe(true);
    const before = (await pageState(page)).historyLength;
    await selectTerrain(page, "rough");
    const r = await waitFor(page, (x) => x.world?.terrainKind === "rough" && x.historyLength > before + 5);
    const hf = watch.live!.scene().terrain.heightfield!;
    expect(r.world!.heightfieldVertices).toBe(hf.nx * hf.ny);
    expect(r.historyLength).toBeGreaterThan(before);
    expect(r.errors).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(`${ARTIFACTS}viewer-rough.png`, await page.screenshot());
    await selectTerrain(page, "flat");
    await waitFor(page, (x) => x.world?.terrainKind === "flat");
  });

  it("measures bandwidth per client and rendered FPS", async () => {
    const s0 = await pageState(page);
    const t0 = Date.now();
    await sleep(3000);
    const s1 = await pageState(page);
    const seconds = (Date.now() - t0) / 1000;
    const bytesPerSecond = (s1.bytesReceived - s0.bytesReceived) / seconds;
    const fps = (s1.renderedFrames - s0.renderedFrames) / seconds;
    console.log(`[viewer] stream ${(bytesPerSecond / 1000).toFixed(1)} KB/s per client; rendered ${fps.toFixed(1)} FPS (load average ${loadavg()[0].toFixed(1)})`);
    expect(bytesPerSecond).toBeGreaterThan(0);
    expect(bytesPerSecond).toBeLessThanOrEqual(50_000);
    expect(fps).toBeGreaterThan(0.2);
  });

  it("replay: names the file and conditions, shows seconds, stops visibly at the end, loops on request; PNG from the button", async () => {
    const recEnv = await makeEnv("ant", { maxSteps: 40 });
    const ctrl = snnController(await freshController(recEnv, "nm-hebb", 2), recEnv);
    const writer = recordEpisode(recEnv, ctrl, { seed: 2, maxSteps: 60, conditions: { obsNoise: { sigma: 0.05 } } });
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = `${ARTIFACTS}episode.spkrec`;
    await writer.save(path);
    recEnv.close();
    const replay = await startRecordingWatch(path, { port: 0 });
    const p2 = await browser.newPage({ viewport: { width: 1000, height: 700 }, acceptDownloads: true });
    try {
      await p2.goto(replay.url);
      const s = await waitFor(p2, (x) => x.mode === "replay" && x.historyLength === 40, 60_000);
      expect(s.file).toBe("episode.spkrec");
      expect(await p2.locator("#source").textContent()).toMatch(/episode\.spkrec · 40 frames/);
      expect(await p2.locator("#conditions").textContent()).toMatch(/obsNoise/);
      expect(await p2.locator("#push").isDisabled()).toBe(true);
    expect(await p2.locator("#terrain").isDisabled()).toBe(true);
      // Plays to the end (the episode's time limit) and stops there with the banner and an END badge.
      const end = await waitFor(p2, (x) => x.playing === false && x.cursor === 39, 60_000);
      expect(end.pausedBadge).toMatch(/END OF RECORDING/);
      expect(end.banner).toMatch(/ended at 2\.00 s: time limit/);
      expect(await p2.locator("#cursor").textContent()).toMatch(/^1\.95 s \/ 2\.0 s/);
      await p2.locator("#timeline").fill("10");
      await waitFor(p2, (x) => x.cursor === 10);
      await p2.locator("#loop").check();
      await p2.locator("#play").click();
      // Looping: the cursor passes the end and comes back to the start.
      await waitFor(p2, (x) => x.cursor >= 35, 60_000);
      await waitFor(p2, (x) => x.cursor < 10, 60_000);
      const download = p2.waitForEvent("download");
      await p2.locator("#shot").click();
      const file = await (await download).path();
      expect(readFileSync(file!).subarray(1, 4).toString("latin1")).toBe("PNG");
    } finally {
      await done(p2);
      await replay.close();
    }
  });
});
