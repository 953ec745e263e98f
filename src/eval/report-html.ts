/**
 * The evaluation report as one self-contained HTML file: inline CSS and SVG only (no scripts, fonts or
 * CDNs), so it opens offline and prints. Charts: retention bars with 95% intervals per condition and
 * controller, a condition x controller retention heatmap, adaptation curves with interval bands, plus the
 * tables, configs and versions behind them. The full report JSON is embedded for machine reading.
 */
import { SpikelocoError } from "../core/errors.ts";
import type { AdaptationResult, CellResult, Comparison } from "./aggregate.ts";
import type { EvalReport } from "./evaluate.ts";
import type { Interval } from "./stats.ts";

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a < 0.5 * 10 ** -digits) x = 0; // no "-0.00"
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  return x.toFixed(digits);
}

export function fmtInterval(iv: Interval, digits = 2): string {
  if (!Number.isFinite(iv.estimate)) return "–";
  if (!Number.isFinite(iv.lo)) return fmt(iv.estimate, digits);
  return `${fmt(iv.estimate, digits)} [${fmt(iv.lo, digits)}, ${fmt(iv.hi, digits)}]`;
}

function colorOf(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** Diverging colour for a retention value: red (0) -> white (1) -> green (>= 1.3). */
export function retentionColor(r: number): string {
  if (!Number.isFinite(r)) return "#dddddd";
  const lerp = (a: number, b: number, t: number) => Math.round(a + (b - a) * t);
  if (r <= 1) {
    const t = Math.max(0, r);
    return `rgb(${lerp(215, 247, t)},${lerp(48, 247, t)},${lerp(39, 247, t)})`;
  }
  const t = Math.min(1, (r - 1) / 0.3);
  return `rgb(${lerp(247, 26, t)},${lerp(247, 152, t)},${lerp(247, 80, t)})`;
}

function cellsByCondition(report: EvalReport): Map<string, CellResult[]> {
  const m = new Map<string, CellResult[]>();
  for (const c of report.suite.conditions) m.set(c.name, []);
  for (const cell of report.results.cells) m.get(cell.condition)?.push(cell);
  for (const list of m.values()) list.sort((a, b) => controllerIndex(report, a.controller) - controllerIndex(report, b.controller));
  return m;
}

function controllerIndex(report: EvalReport, id: string): number {
  return report.controllers.findIndex((c) => c.id === id);
}

function legend(report: EvalReport): string {
  return `<div class="legend">${report.controllers
    .map((c, i) => `<span><i style="background:${colorOf(i)}"></i>${escapeHtml(c.label)}</span>`)
    .join("")}</div>`;
}

/** Horizontal grouped bars: one row per non-nominal condition, one bar per controller, CI whiskers. */
export function retentionBarsSvg(report: EvalReport): string {
  const byCond = cellsByCondition(report);
  const conds = report.suite.conditions.filter((c) => c.name !== report.suite.nominal);
  const C = report.controllers.length;
  const barH = 9;
  const rowH = C * barH + 10;
  const left = 170;
  const plotW = 520;
  const top = 24;
  const height = top + conds.length * rowH + 30;
  let maxV = 1.2;
  for (const cell of report.results.cells) {
    const v = Number.isFinite(cell.retention.hi) ? cell.retention.hi : cell.retention.estimate;
    if (Number.isFinite(v)) maxV = Math.max(maxV, Math.min(v, 3));
  }
  let minV = 0;
  for (const cell of report.results.cells) {
    const v = Number.isFinite(cell.retention.lo) ? cell.retention.lo : cell.retention.estimate;
    if (Number.isFinite(v)) minV = Math.min(minV, Math.max(v, -2));
  }
  const x = (v: number) => left + ((Math.min(Math.max(v, minV), maxV) - minV) / (maxV - minV)) * plotW;
  const parts: string[] = [];
  parts.push(`<svg class="chart" data-chart="retention" xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 40}" height="${height}" role="img" aria-label="retention bars">`);
  for (let t = Math.ceil(minV * 5) / 5; t <= maxV + 1e-9; t += 0.2) {
    const tx = x(t);
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 26}" stroke="${Math.abs(t - 1) < 1e-9 ? "#333" : "#e5e5e5"}" stroke-width="${Math.abs(t - 1) < 1e-9 ? 1.5 : 1}"/>`);
    parts.push(`<text x="${tx}" y="${height - 12}" text-anchor="middle" class="tick">${t.toFixed(1)}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="14" text-anchor="middle" class="axis">retention = mean return under condition / nominal (95% CI)</text>`);
  conds.forEach((cond, r) => {
    const y0 = top + r * rowH;
    parts.push(`<text x="${left - 6}" y="${y0 + rowH / 2}" text-anchor="end" dominant-baseline="middle" class="label">${escapeHtml(cond.name)}</text>`);
    (byCond.get(cond.name) ?? []).forEach((cell) => {
      const i = controllerIndex(report, cell.controller);
      const y = y0 + 4 + i * barH;
      const est = cell.retention.estimate;
      if (!Number.isFinite(est)) {
        parts.push(`<text x="${x(0) + 4}" y="${y + barH - 1}" class="tick">n/a</text>`);
        return;
      }
      const x0 = x(0);
      const x1 = x(est);
      parts.push(`<rect x="${Math.min(x0, x1)}" y="${y}" width="${Math.max(Math.abs(x1 - x0), 1)}" height="${barH - 2}" fill="${colorOf(i)}"><title>${escapeHtml(`${cell.controller} · ${cond.name}: ${fmtInterval(cell.retention)}`)}</title></rect>`);
      if (Number.isFinite(cell.retention.lo)) {
        const ym = y + (barH - 2) / 2;
        parts.push(`<line x1="${x(cell.retention.lo)}" y1="${ym}" x2="${x(cell.retention.hi)}" y2="${ym}" stroke="#111" stroke-width="1"/>`);
      }
    });
  });
  parts.push("</svg>");
  return parts.join("");
}

/** Condition x controller heatmap of retention, value printed in each cell. */
export function heatmapSvg(report: EvalReport): string {
  const byCond = cellsByCondition(report);
  const conds = report.suite.conditions;
  const C = report.controllers.length;
  const left = 170;
  const cw = 130;
  const ch = 20;
  const top = 60;
  const width = left + C * cw + 10;
  const height = top + conds.length * ch + 10;
  const parts: string[] = [`<svg class="chart" data-chart="heatmap" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="retention heatmap">`];
  // Column headers on up to two level lines ("run:" then "agent#frozen"), each cut to the column width.
  const fit = (s: string) => (s.length > 20 ? s.slice(0, 19) + "…" : s);
  report.controllers.forEach((c, i) => {
    const x = left + i * cw + cw / 2;
    const colon = c.id.lastIndexOf(":");
    const lines = colon > 0 ? [c.id.slice(0, colon + 1), c.id.slice(colon + 1)] : [c.id];
    const spans = lines.map((l, k) => `<tspan x="${x}" dy="${k === 0 ? 0 : 13}">${escapeHtml(fit(l))}</tspan>`).join("");
    parts.push(`<text x="${x}" y="${top - 8 - 13 * (lines.length - 1)}" text-anchor="middle" class="label"><title>${escapeHtml(c.id)}</title>${spans}</text>`);
  });
  conds.forEach((cond, r) => {
    const y = top + r * ch;
    parts.push(`<text x="${left - 6}" y="${y + ch / 2}" text-anchor="end" dominant-baseline="middle" class="label">${escapeHtml(cond.name)}</text>`);
    for (const cell of byCond.get(cond.name) ?? []) {
      const i = controllerIndex(report, cell.controller);
      const v = cell.retention.estimate;
      parts.push(`<rect x="${left + i * cw}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="${retentionColor(v)}"><title>${escapeHtml(`${cell.controller} · ${cond.name}: retention ${fmtInterval(cell.retention)}, return ${fmtInterval(cell.return)}, falls ${fmt(cell.fallRate * 100, 0)}%`)}</title></rect>`);
      parts.push(`<text x="${left + i * cw + cw / 2 - 1}" y="${y + ch / 2}" text-anchor="middle" dominant-baseline="middle" class="cell">${fmt(v)}</text>`);
    }
  });
  parts.push("</svg>");
  return parts.join("");
}

/** One small chart per condition: window-mean forward speed per controller, 95% band, onset line. */
export function adaptationCurvesSvg(report: EvalReport, condition: string, metric: "speed" | "reward" = "speed"): string {
  const series = report.results.adaptation.filter((a) => a.condition === condition);
  const w = 340;
  const h = 200;
  const left = 44;
  const right = 10;
  const top = 22;
  const bottom = 28;
  const maxSteps = report.suite.maxSteps;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const win of s.windows) {
      const iv = win[metric];
      for (const v of [iv.estimate, iv.lo, iv.hi]) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
  }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
  const pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const X = (step: number) => left + (step / maxSteps) * (w - left - right);
  const Y = (v: number) => top + (1 - (v - lo) / (hi - lo)) * (h - top - bottom);
  const parts: string[] = [`<svg class="chart" data-chart="adaptation" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(`adaptation ${condition}`)}">`];
  parts.push(`<text x="${left}" y="14" class="label">${escapeHtml(condition)}</text>`);
  parts.push(`<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="#999"/><line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="#999"/>`);
  for (const v of [lo + pad, (lo + hi) / 2, hi - pad]) {
    parts.push(`<text x="${left - 4}" y="${Y(v)}" text-anchor="end" dominant-baseline="middle" class="tick">${fmt(v)}</text>`);
  }
  for (const s of [0, maxSteps / 2, maxSteps]) parts.push(`<text x="${X(s)}" y="${h - bottom + 14}" text-anchor="middle" class="tick">${Math.round(s)}</text>`);
  if (Number.isFinite(Y(0)) && lo < 0 && hi > 0) parts.push(`<line x1="${left}" y1="${Y(0)}" x2="${w - right}" y2="${Y(0)}" stroke="#ccc" stroke-dasharray="2 2"/>`);
  const onset = series[0]?.onsetStep;
  if (onset) parts.push(`<line x1="${X(onset)}" y1="${top}" x2="${X(onset)}" y2="${h - bottom}" stroke="#444" stroke-dasharray="4 3"/><text x="${X(onset) + 3}" y="${top + 9}" class="tick">onset</text>`);
  for (const s of series) {
    const i = controllerIndex(report, s.controller);
    const mid = (win: AdaptationResult["windows"][number]) => win.start + s.window / 2;
    const band = s.windows.filter((win) => Number.isFinite(win[metric].lo));
    if (band.length > 1) {
      const upper = band.map((win) => `${X(mid(win)).toFixed(1)},${Y(win[metric].hi).toFixed(1)}`);
      const lower = band.slice().reverse().map((win) => `${X(mid(win)).toFixed(1)},${Y(win[metric].lo).toFixed(1)}`);
      parts.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${colorOf(i)}" fill-opacity="0.18" stroke="none"/>`);
    }
    const line = s.windows.map((win) => `${X(mid(win)).toFixed(1)},${Y(win[metric].estimate).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${line}" fill="none" stroke="${colorOf(i)}" stroke-width="2"/>`);
  }
  parts.push(`<text x="${(left + w - right) / 2}" y="${h - 2}" text-anchor="middle" class="tick">step (window ${series[0]?.window ?? ""}) · ${metric === "speed" ? "forward speed (m/s)" : "reward / step"}</text>`);
  parts.push("</svg>");
  return parts.join("");
}

function table(headers: string[], rows: string[][], cls = ""): string {
  return `<table class="${cls}"><thead><tr>${headers.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function significant(iv: Interval): string {
  if (!Number.isFinite(iv.lo)) return "";
  return iv.lo > 0 ? "pos" : iv.hi < 0 ? "neg" : "";
}

function comparisonsSection(report: EvalReport): string {
  const pairs = new Map<string, Comparison[]>();
  for (const c of report.results.comparisons) {
    const key = `${c.a}\u0000${c.b}`;
    if (!pairs.has(key)) pairs.set(key, []);
    pairs.get(key)!.push(c);
  }
  const out: string[] = [];
  for (const list of pairs.values()) {
    const { a, b } = list[0]!; // each list got its first entry when created
    out.push(`<h3>${escapeHtml(a)} − ${escapeHtml(b)}</h3>`);
    out.push(table(
      ["condition", "return difference [95% CI]", "retention difference [95% CI]"],
      list.map((c) => [
        escapeHtml(c.condition),
        `<span class="${significant(c.returnDifference)}">${fmtInterval(c.returnDifference)}</span>`,
        `<span class="${significant(c.retentionDifference)}">${fmtInterval(c.retentionDifference)}</span>`,
      ]),
      "num",
    ));
  }
  return out.join("");
}

function adaptationSection(report: EvalReport): string {
  if (!report.suite.adaptation || report.results.adaptation.length === 0) return "";
  const a = report.suite.adaptation;
  const conds = report.suite.conditions.map((c) => c.name);
  const charts = conds.map((name) => `<figure>${adaptationCurvesSvg(report, name, "speed")}</figure>`).join("");
  const rewardCharts = conds.map((name) => `<figure>${adaptationCurvesSvg(report, name, "reward")}</figure>`).join("");
  const rows = report.results.adaptation.map((r) => [
    escapeHtml(r.controller),
    escapeHtml(r.condition),
    String(r.onsetStep),
    fmtInterval(r.preOnsetSpeed),
    fmtInterval(r.minRelativeSpeed),
    r.defined === 0 ? "n/a: no forward motion before onset" : `${fmt(r.recoveredRate * 100, 0)}% of ${r.defined}`,
    r.defined === 0 ? "–" : r.recoverySteps ? fmtInterval(r.recoverySteps, 0) : "not recovered",
    fmt(r.rewardAfterOverBefore),
  ]);
  return `<section><h2>Adaptation</h2>
<p>Window means of forward speed (and reward) in windows of ${a.window} steps, mean over paired episodes with 95% bootstrap bands.
Recovery time: steps after onset until the ${a.window}-step moving average of forward speed first regains ${fmt(a.recoveryFraction * 100, 0)}% of the mean speed over the ${a.preOnsetWindows} windows before onset (episodes that never do are counted as not recovered; falls count as zero speed).</p>
${legend(report)}<div class="grid">${charts}</div>
<details><summary>Reward per window</summary><div class="grid">${rewardCharts}</div></details>
${table(["controller", "condition", "onset", "pre-onset speed", "min speed / pre", "recovered", "recovery steps", "reward after/before"], rows, "num")}</section>`;
}

function jsonBlock(value: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

export function renderHtmlReport(report: EvalReport): string {
  const nominal = report.suite.nominal;
  const byCond = cellsByCondition(report);
  const summaryRows = report.results.summary.map((s, i) => {
    const c = report.controllers[controllerIndex(report, s.controller)];
    if (!c) throw new SpikelocoError(`names controller '${s.controller}', which report.controllers does not hold`, `results.summary[${i}].controller`);
    return [
      `<i class="sw" style="background:${colorOf(i)}"></i>${escapeHtml(c.label)}`,
      c.plastic ? (c.frozen ? "plastic, frozen" : "plastic") : "static",
      fmtInterval(s.nominalReturn),
      fmt(s.meanRetention),
      fmt(s.meanDistanceRetention),
      `${fmt(s.fallRate * 100, 0)}%`,
      `${fmt(s.offCourseRate * 100, 1)}%`,
    ];
  });
  const detailRows: string[][] = [];
  for (const cond of report.suite.conditions) {
    for (const cell of byCond.get(cond.name) ?? []) {
      detailRows.push([
        escapeHtml(cond.name),
        escapeHtml(cell.controller),
        fmtInterval(cell.return),
        fmtInterval(cell.distance),
        `${fmt(cell.fallRate * 100, 0)}%`,
        `${fmt(cell.offCourseRate * 100, 0)}%`,
        cond.name === nominal ? "1 (nominal)" : fmtInterval(cell.retention),
        cond.name === nominal ? "" : fmtInterval(cell.distanceRetention),
      ]);
    }
  }
  const controllersRows = report.controllers.map((c) => [
    escapeHtml(c.id), escapeHtml(c.checkpoint), escapeHtml(c.agent), String(c.generation), c.frozen ? "yes" : "no",
    `<code>${escapeHtml(JSON.stringify(c.trainedOn ?? {}))}</code>`,
  ]);
  const versions = new Map<string, string>(Object.entries(report.versions));
  // Training-time versions are listed only where they differ from the evaluating build.
  report.controllers.forEach((c) => Object.entries(c.versions).forEach(([k, v]) => {
    if (report.versions[k] !== v) versions.set(`${k} (${c.id} was trained with)`, v);
  }));
  const t = report.timing;
  const json = JSON.stringify(report).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>spikeloco eval: ${escapeHtml(report.suite.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.meta{color:#555}table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f5f5f5}table.num td{font-variant-numeric:tabular-nums}.pos{color:#1a7f37;font-weight:600}.neg{color:#c62828;font-weight:600}
svg.chart{background:#fff;max-width:100%;height:auto}svg .label{font-size:11px;fill:#222}svg .tick{font-size:10px;fill:#555}svg .axis{font-size:11px;fill:#333}svg .cell{font-size:10px;fill:#111}
.legend span{display:inline-block;margin-right:14px}.legend i,.sw{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px}
.grid{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0;border:1px solid #eee}pre{background:#f7f7f7;padding:8px;overflow:auto;max-height:320px;font-size:12px}
code{font-size:12px}.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:4px 8px;margin:4px 0}
</style></head><body>
<h1>spikeloco evaluation: ${escapeHtml(report.suite.name)}</h1>
<p class="meta">${escapeHtml(report.suite.description ?? "")}</p>
<p class="meta">env <b>${escapeHtml(report.env.version)}</b> · ${report.suite.conditions.length} conditions · ${report.controllers.length} controllers ·
${report.units} paired episodes per cell (seeds ${escapeHtml(report.seeds.join(", "))} × ${report.episodesPerSeed}) · ${report.suite.maxSteps} steps per episode ·
${t.episodes} episodes in ${fmt(t.seconds, 1)} s on ${t.workers} worker${t.workers === 1 ? "" : "s"} · ${escapeHtml(report.createdAt)}</p>
<p class="meta">Paired design: every controller and condition ran the same episode seeds, so initial states and sampled condition values are identical across controllers.
Intervals are 95% expanded-percentile bootstrap intervals over those paired episodes.</p>
${(report.warnings ?? []).map((w) => `<p class="warn">warning: ${escapeHtml(w)}</p>`).join("\n")}
<h2>Summary</h2>
${table(["controller", "kind", `nominal return [95% CI]`, "mean retention (return)", "mean retention (distance)", "fall rate", "left course"], summaryRows, "num")}
<h2>Retention per condition</h2>
${legend(report)}
${retentionBarsSvg(report)}
<h2>Condition × controller</h2>
<p class="meta">Retention (return under condition / nominal); red below 1, green above.</p>
${heatmapSvg(report)}
${adaptationSection(report)}
<h2>Paired differences between controllers</h2>
<p class="meta">Green / red: the 95% interval excludes zero.</p>
${comparisonsSection(report)}
<h2>All numbers</h2>
${table(["condition", "controller", "return [95% CI]", "forward distance (m)", "falls", "left course", "retention", "distance retention"], detailRows, "num")}
<h2>Controllers, configs and versions</h2>
${table(["id", "checkpoint", "agent", "generation", "plasticity frozen", "trained on conditions"], controllersRows)}
${report.controllers.map((c) => `<details><summary>config of ${escapeHtml(c.id)}</summary>${jsonBlock(c.config)}</details>`).join("")}
<h3>Versions</h3>
${table(["component", "version"], [...versions].map(([k, v]) => [escapeHtml(k), escapeHtml(v)]))}
<h3>Env</h3>${jsonBlock(report.env)}
<details><summary>Suite definition (${report.suite.conditions.length} conditions)</summary>${jsonBlock(report.suite)}</details>
<script type="application/json" id="spikeloco-report">${json}</script>
</body></html>
`;
}
