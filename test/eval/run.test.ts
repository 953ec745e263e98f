/**
 * End-to-end evaluation on real checkpoints, real envs and real rollouts (small sizes): determinism,
 * the paired design, the frozen-plasticity ablation, the HTML report in headless Chromium, and the CLI.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import chromium from "@sparticuz/chromium";
import { chromium as pw } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAgent } from "../../agents/index.ts";
import { listEnvs, makeEnv } from "../../envs/index.ts";
import { evaluate, planJobs, runJobs, type EvalReport } from "../../src/eval/evaluate.ts";
import { renderHtmlReport } from "../../src/eval/report-html.ts";
import { renderTable } from "../../src/eval/table.ts";
import { recordEpisodes } from "../../src/eval/record.ts";
import { parseSuite, resolveSuite } from "../../src/eval/suite.ts";
import { loadRecording } from "../../src/serve/recording.ts";
import { loadCheckpoint, saveCheckpoint } from "../../src/policy/checkpoint.ts";
import { createPolicy } from "../../src/policy/policy.ts";
import { runEpisode } from "../../src/policy/rollout.ts";
import { parseNetworkSpec } from "../../src/snn/spec.ts";
import { initParams } from "../../src/snn/layout.ts";

const bin = new URL("../../bin/spikeloco.mjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "spikeloco-eval-"));
const ant = listEnvs().find((e) => e.id === "ant")!;

function makeCheckpoint(agent: string, seed: number): string {
  const spec = loadAgent(agent, { obsDim: ant.observationSize, actDim: ant.actionSize });
  const out = join(dir, `${agent}-${seed}`);
  saveCheckpoint(out, {
    spec,
    params: initParams(spec, seed),
    config: { env: "ant", agent, conditions: {} },
    normalizer: null,
    seed,
    training: { generation: 0 },
  });
  return out;
}

/** A tiny adaptation suite: damage and a friction range switched on at step 30 of 60. */
const tinySuite = parseSuite({
  name: "tiny",
  maxSteps: 60,
  nominal: "nominal",
  adaptation: { onsetStep: 30, window: 10, recoveryFraction: 0.8, preOnsetWindows: 2 },
  conditions: [
    { name: "nominal", conditions: {} },
    { name: "leg 2 disabled", conditions: { disabledLegs: [2], onsetStep: 30 } },
    { name: "friction range", conditions: { friction: [0.2, 0.5], onsetStep: 30 } },
    { name: "obs noise", conditions: { obsNoise: { sigma: 0.2 } } },
  ],
});

/** Everything but wall-clock fields. */
function numbers(r: EvalReport) {
  return { results: r.results, seeds: r.episodeSeeds, controllers: r.controllers.map((c) => c.id) };
}

let plastic: string;
let fixed: string;
let first: EvalReport;

beforeAll(async () => {
  plastic = makeCheckpoint("nm-hebb", 1);
  fixed = makeCheckpoint("static", 2);
  first = await evaluate({ checkpoints: [plastic, fixed], suite: tinySuite, seeds: [0, 1, 2], episodesPerSeed: 1, ablation: true, workers: 0, resamples: 300 });
});

describe("evaluation runs", () => {
  it("adds a plasticity-frozen ablation for the plastic controller only, and it changes behaviour", () => {
    expect(first.controllers.map((c) => [c.agent, c.plastic, c.frozen])).toEqual([
      ["nm-hebb", true, false],
      ["nm-hebb", true, true],
      ["static", false, false],
    ]);
    const nominal = (id: string) => first.results.cells.find((c) => c.controller === id && c.condition === "nominal")!.return.estimate;
    expect(nominal(first.controllers[0].id)).not.toBe(nominal(first.controllers[1].id));
    expect(first.results.cells).toHaveLength(3 * 4);
    expect(first.results.comparisons).toHaveLength(3 * 4);
    expect(first.results.adaptation).toHaveLength(3 * 4);
    for (const a of first.results.adaptation) expect(a.windows).toHaveLength(6);
  });

  it("gives identical numbers when the same controllers are evaluated again (here on 2 worker threads)", async () => {
    const ticks: Array<[number, number]> = [];
    const pooled = await evaluate({
      checkpoints: [plastic, fixed], suite: tinySuite, seeds: [0, 1, 2], episodesPerSeed: 1, ablation: true, workers: 2, resamples: 300,
      onProgress: (done, total) => ticks.push([done, total]),
    });
    expect(numbers(pooled)).toEqual(numbers(first));
    // The pool reports progress once per episode, up to the full plan (3 controllers x 4 conditions x 3 units).
    expect(pooled.timing).toMatchObject({ workers: 2, episodes: 36 });
    expect(ticks).toEqual(Array.from({ length: 36 }, (_, i) => [i + 1, 36]));
  });

  it("--ablations adds the onset copies: identical to the plastic controller's windows before onset, different after", async () => {
    const r = await evaluate({
      checkpoints: [plastic, fixed], suite: tinySuite, seeds: [0], episodesPerSeed: 1, ablation: true, workers: 0, resamples: 100,
      ablations: ["zero-at-onset", "freeze-at-onset"], only: ["leg 2 disabled"],
    });
    const base = r.controllers[0]!.id;
    expect(r.controllers.map((c) => c.id)).toEqual([base, `${base}#zero-at-onset`, `${base}#freeze-at-onset`, r.controllers[3]!.id]);
    expect(r.controllers[3]!.agent).toBe("static"); // no copies of a static controller
    const windows = (id: string) => r.results.adaptation.find((a) => a.controller === id && a.condition === "leg 2 disabled")!.windows.map((w) => w.reward.estimate);
    const [asTrained, zero, freeze] = [base, `${base}#zero-at-onset`, `${base}#freeze-at-onset`].map(windows);
    const onsetWindow = tinySuite.adaptation!.onsetStep / tinySuite.adaptation!.window;
    expect(zero!.slice(0, onsetWindow)).toEqual(asTrained!.slice(0, onsetWindow));
    expect(freeze!.slice(0, onsetWindow)).toEqual(asTrained!.slice(0, onsetWindow));
    expect(zero!.slice(onsetWindow)).not.toEqual(asTrained!.slice(onsetWindow));
    await expect(evaluate({ checkpoints: [plastic], suite: { ...tinySuite, adaptation: undefined }, seeds: [0], episodesPerSeed: 1, ablation: true, workers: 0, ablations: ["freeze-at-onset"] }))
      .rejects.toThrow(/'freeze-at-onset' acts at the suite's onset step, and suite 'tiny' has none/);
  });

  it("the ablation arm is the same checkpoint run with its plastic traces held at zero", async () => {
    const ckpt = await loadCheckpoint(plastic);
    const spec = parseNetworkSpec(ckpt.spec);
    const seed = first.episodeSeeds[0];
    const env = await makeEnv("ant", { maxSteps: 60 });
    try {
      const byHand = (frozen: boolean) => {
        const policy = createPolicy(spec, ckpt.params, null, env.actionSpace);
        policy.net.freezePlasticity(frozen);
        let plasticChange = 0;
        const ep = runEpisode(env, policy, { seed, conditions: {}, maxSteps: 60, onStep: () => { plasticChange = Math.max(plasticChange, policy.net.plasticDelta(0)); } });
        return { ret: ep.return, plasticChange };
      };
      const live = byHand(false);
      const frozen = byHand(true);
      expect(live.plasticChange).toBeGreaterThan(0);
      expect(frozen.plasticChange).toBe(0);
      const job = (isFrozen: boolean) => ({
        controller: isFrozen ? 1 : 0, condition: 0, unit: 0, seed, checkpoint: plastic, generation: 0, frozen: isFrozen,
        envId: "ant", envOptions: {}, conditions: {}, maxSteps: 60, trace: false,
      });
      const [liveRec, frozenRec] = await runJobs([job(false), job(true)], 0);
      expect(liveRec.return).toBe(live.ret);
      expect(frozenRec.return).toBe(frozen.ret);
      expect(frozenRec.return).not.toBe(liveRec.return);
    } finally {
      env.close();
    }
  });

  it("prints a compact terminal table: one row per condition, a column per controller, recovery rows", () => {
    const text = renderTable(first);
    const lines = text.split("\n");
    const header = lines.find((l) => l.startsWith("condition"))!;
    for (const c of first.controllers) expect(header).toContain(c.id);
    for (const cond of tinySuite.entries) expect(lines.some((l) => l.startsWith(cond.name))).toBe(true);
    const noise = lines.find((l) => l.startsWith("obs noise"))!;
    const cell = first.results.cells.find((c) => c.controller === first.controllers[2].id && c.condition === "obs noise")!;
    expect(noise).toContain(`${cell.return.estimate.toFixed(1)} (${cell.retention.estimate.toFixed(2)})`);
    expect(text).toMatch(/^mean retention/m);
    expect(text).toMatch(/^fall rate/m);
    expect(text).toContain("recovery (steps after onset to regain 80% of pre-onset speed");
  });

  it("pairs every controller on identical seeds and identical sampled conditions", async () => {
    const suite = resolveSuite(tinySuite, 4);
    const env = { envId: "ant", envOptions: {} };
    const jobs = planJobs(suite, [{ checkpoint: plastic, generation: 0, frozen: false }, { checkpoint: fixed, generation: 0, frozen: false }], env, [0, 1], 2);
    expect(jobs).toHaveLength(2 * 4 * 4);
    const seedOf = new Map<string, number>();
    for (const j of jobs) {
      const key = `${j.unit}`;
      if (!seedOf.has(key)) seedOf.set(key, j.seed);
      expect(j.seed).toBe(seedOf.get(key)); // same seed for every controller and condition of a unit
    }
    expect(new Set(seedOf.values()).size).toBe(4); // distinct units have distinct seeds
    const records = await runJobs(jobs.filter((j) => j.condition === 2), 0); // the friction range
    const sampled = new Map<number, string[]>();
    for (const r of records) sampled.set(r.unit, [...(sampled.get(r.unit) ?? []), r.sampled!]);
    for (const list of sampled.values()) {
      expect(list).toHaveLength(2);
      expect(list[0]).toBe(list[1]);
      const friction = JSON.parse(list[0]).friction as number;
      expect(friction).toBeGreaterThanOrEqual(0.2);
      expect(friction).toBeLessThanOrEqual(0.5);
    }
    expect(new Set([...sampled.values()].map((l) => l[0])).size).toBe(4);
  });

  it("--record writes one decodable viewer recording per controller and condition", async () => {
    const out = join(dir, "recordings");
    const files = await recordEpisodes(first, out);
    expect(files).toHaveLength(3 * 4);
    const frozen = (await loadRecording(files[4])).recording;
    expect(frozen.header.meta).toMatchObject({ controller: first.controllers[1].id, condition: "nominal" });
    const { recording } = await loadRecording(files[1]);
    expect(recording.header.meta).toMatchObject({ controller: first.controllers[0].id, condition: "leg 2 disabled", seed: first.episodeSeeds[0] });
    expect(recording.header.conditions).toEqual({ disabledLegs: [2], onsetStep: 30 });
    expect(recording.frames).toHaveLength(60);
  });

  it("rejects checkpoints trained in different envs", async () => {
    const spec = loadAgent("static", { obsDim: 1, actDim: 1 });
    const hexDir = join(dir, "hex");
    saveCheckpoint(hexDir, { spec, params: initParams(spec, 0), config: { env: "hexapod", agent: "static" }, normalizer: null, seed: 0, training: { generation: 0 } });
    await expect(evaluate({ checkpoints: [plastic, hexDir], suite: tinySuite, seeds: [0], episodesPerSeed: 1, ablation: false, workers: 0 }))
      .rejects.toThrow(/was trained in env 'hexapod'.*a paired comparison needs one env/);
  });
});

describe("HTML report", () => {
  let browser: Awaited<ReturnType<typeof pw.launch>>;
  beforeAll(async () => {
    browser = await pw.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opens offline in headless Chromium and its charts render drawn content", async () => {
    const html = renderHtmlReport(first);
    expect(html).not.toMatch(/<script(?! type="application\/json")/); // no executable scripts
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing fetched from the network
    const file = join(dir, "report.html");
    writeFileSync(file, html);
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
    await page.goto(`file://${file}`);
    expect(requests).toEqual([]);
    const charts = await page.$$eval("svg.chart", (els) => els.map((e) => e.getAttribute("data-chart")));
    expect(charts.filter((c) => c === "retention")).toHaveLength(1);
    expect(charts.filter((c) => c === "heatmap")).toHaveLength(1);
    expect(charts.filter((c) => c === "adaptation").length).toBeGreaterThanOrEqual(4);
    expect(await page.$$eval("svg[data-chart=heatmap] rect", (els) => els.length)).toBe(3 * 4);
    // Every heatmap cell is coloured by a finite retention (not the grey used for "undefined").
    expect(await page.$$eval("svg[data-chart=heatmap] rect", (els) => els.filter((e) => /^rgb\(/.test(e.getAttribute("fill") ?? "")).length)).toBe(3 * 4);
    expect(await page.$$eval("svg[data-chart=adaptation] polygon", (els) => els.length)).toBeGreaterThan(0);
    const embedded = await page.$eval("#spikeloco-report", (el) => JSON.parse(el.textContent ?? "{}"));
    expect(embedded.results.summary).toHaveLength(3);
    // Configs and versions used, and the recovery definition with its stated fraction.
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain("Controllers, configs and versions");
    const rows = await page.$$eval("table tr", (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent ?? "")));
    for (const [k, v] of Object.entries(first.versions)) expect(rows).toContainEqual([k, v]);
    expect(await page.$$eval("details summary", (els) => els.map((e) => e.textContent))).toEqual(
      expect.arrayContaining(first.controllers.map((c) => `config of ${c.id}`)),
    );
    expect(await page.$$eval("details pre", (els) => els.map((e) => e.textContent ?? ""))).toEqual(
      expect.arrayContaining([expect.stringContaining('"agent": "nm-hebb"'), expect.stringContaining('"agent": "static"')]),
    );
    expect(text).toContain("first regains 80% of the mean speed over the 2 windows before onset");

    // Screenshot each chart kind and count pixels that are neither background nor near-white.
    for (const kind of ["retention", "heatmap", "adaptation"]) {
      const png = await page.locator(`svg[data-chart=${kind}]`).first().screenshot();
      const stats = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext("2d")!;
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, img.width, img.height).data;
        let painted = 0;
        let colored = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
          if (r < 252 || g < 252 || b < 252) painted++;
          if (Math.max(r, g, b) - Math.min(r, g, b) > 60) colored++;
        }
        return { painted: painted / (data.length / 4), colored: colored / (data.length / 4), w: img.width, h: img.height };
      }, png.toString("base64"));
      expect(stats.w).toBeGreaterThan(100);
      if (kind === "heatmap") {
        expect(stats.painted).toBeGreaterThan(0.2); // cells fill most of the chart
      } else {
        expect(stats.painted).toBeGreaterThan(0.02);
        expect(stats.colored).toBeGreaterThan(0.005); // controller-coloured bars / curves were drawn
      }
    }
    await context.close();
  });
});

describe("eval CLI", () => {
  it("rejects a malformed suite file with a one-line reason naming the field", () => {
    const bad = join(dir, "bad-suite.json");
    writeFileSync(bad, JSON.stringify({ name: "x", maxSteps: 100, nominal: "a", conditions: [{ name: "a", conditions: { pushes: { interval: 0, impulse: 1 } } }] }));
    const r = spawnSync(process.execPath, [bin, "eval", "--checkpoint", plastic, "--suite", bad, "--json"], { encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}: suite.conditions[0].conditions.pushes.interval:`);
  });

  it("refuses a --report path whose folder cannot be created, before evaluating", () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "");
    const r = spawnSync(process.execPath, [bin, "eval", "--checkpoint", fixed, "--suite", "robustness", "--only", "friction x0.3", "--seeds", "2", "--max-steps", "20", "--workers", "0", "--report", join(blocker, "r.html")], { encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`cannot create the folder for ${join(blocker, "r.html")}`);
    expect(r.stderr).not.toMatch(/eval robustness \d+\/\d+ episodes/);
  });

  it("prints exactly one JSON object with --json and writes the HTML + JSON report", () => {
    const html = join(dir, "reports", "nested", "cli.html"); // folders that do not exist yet
    const r = spawnSync(process.execPath, [bin, "eval", "--checkpoint", fixed, "--suite", "robustness", "--only", "friction x0.3", "--seeds", "2", "--max-steps", "20", "--workers", "0", "--resamples", "200", "--report", html, "--json"], { encoding: "utf8", timeout: 120_000 });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.format).toBe("spikeloco-eval-report");
    expect(out.suite.conditions.map((c: { name: string }) => c.name)).toEqual(["nominal", "friction x0.3"]);
    expect(out.files).toEqual({ report: html, json: html.replace(/\.html$/, ".json") });
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    // The same numbers in the JSON file, an HTML report next to it, progress on stderr (not a TTY here).
    expect(JSON.parse(readFileSync(out.files.json, "utf8")).results).toEqual(out.results);
    expect(existsSync(html) && readFileSync(html, "utf8")).toContain('data-chart="heatmap"');
    expect(r.stderr).toMatch(/eval robustness 4\/4 episodes/);
  });
});
