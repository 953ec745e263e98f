/**
 * Regenerate the viewer screenshots in docs/viewer/ (used by the README):
 *   npx tsx viewer/screenshots.ts
 * A live Ant (fresh network, pushed forward twice a second so it travels) and a hexapod with a disabled leg,
 * in headless Chromium at 1600x900: every panel, every camera preset, the help overlay, rough terrain.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import chromium from "@sparticuz/chromium";
import { chromium as pw, type Page } from "playwright-core";
import { makeEnv } from "../envs/index.ts";
import { freshController } from "../src/serve/live-controller.ts";
import { startLiveWatch } from "../src/serve/watch.ts";

const out = join(import.meta.dirname, "..", "docs", "viewer");
mkdirSync(out, { recursive: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shot = async (page: Page, name: string) => {
  await page.screenshot({ path: join(out, `${name}.png`), timeout: 180_000 });
  process.stderr.write(`wrote docs/viewer/${name}.png\n`);
};

const browser = await pw.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
const env = await makeEnv("ant", { maxSteps: 400 });
const watch = await startLiveWatch({
  env,
  controller: await freshController(env, "nm-hebb", 1),
  seed: 1,
  port: 0,
  conditions: { pushes: { interval: 10, impulse: 1.5, direction: [1, 0, 0] } },
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(watch.url);
  await page.waitForFunction(() => (window as unknown as { __spikeloco: { state: { historyLength: number } } }).__spikeloco.state.historyLength > 120, undefined, { timeout: 120_000 });
  await shot(page, "camera-track");
  for (const preset of ["side", "top", "free"]) {
    await page.locator(`#cameraBar button[data-preset="${preset}"]`).click();
    await sleep(2500);
    if (preset === "free") {
      const box = (await page.locator("#canvas3d").boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 - 220, box.y + box.height / 2 - 40, { steps: 6 });
      await page.mouse.up();
      await sleep(1500);
    }
    await shot(page, `camera-${preset}`);
  }
  await page.locator('#cameraBar button[data-preset="track"]').click();
  // Select a neuron so the membrane panel has a trace, then photograph each panel.
  await page.locator("#raster").scrollIntoViewIfNeeded();
  const r = (await page.locator("#raster").boundingBox())!;
  await page.mouse.click(r.x + r.width * 0.7, r.y + 4 + 12.5 * ((r.height - 18) / 64));
  await sleep(1500);
  for (const id of ["speedPlot", "terms", "raster", "membrane", "modulator", "heat", "actions", "angles", "torques", "gait"]) {
    const panel = page.locator(".panel", { has: page.locator(`#${id}`) });
    await panel.scrollIntoViewIfNeeded();
    await sleep(600);
    await panel.screenshot({ path: join(out, `panel-${id}.png`), timeout: 180_000 });
    process.stderr.write(`wrote docs/viewer/panel-${id}.png\n`);
  }
  await page.keyboard.press("?");
  await sleep(500);
  await shot(page, "help");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#banner:not([hidden])", { timeout: 60_000 });
  await shot(page, "episode-end-banner");
  await page.locator("#terrain").selectOption("rough");
  await sleep(6000);
  await shot(page, "terrain-rough");
  await page.locator("#terrain").selectOption("stairs");
  await sleep(6000);
  await shot(page, "terrain-stairs");
} finally {
  await watch.close();
  env.close();
}

const hex = await makeEnv("hexapod");
const hexWatch = await startLiveWatch({ env: hex, controller: await freshController(hex, "nm-hebb", 2), seed: 2, port: 0, conditions: { disabledLegs: [1] } });
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(hexWatch.url);
  await page.waitForFunction(() => (window as unknown as { __spikeloco: { state: { historyLength: number } } }).__spikeloco.state.historyLength > 60, undefined, { timeout: 120_000 });
  await page.locator("#leg").selectOption("1");
  await page.locator("#legLabels").check();
  await sleep(3000);
  await shot(page, "hexapod-disabled-leg");
} finally {
  await hexWatch.close();
  hex.close();
  await browser.close();
}
