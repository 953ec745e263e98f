/** Compact terminal rendering of an evaluation report (plain text, fixed-width columns). */
import type { EvalReport } from "./evaluate.ts";

function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return "-";
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

function pad(s: string, n: number, right = false): string {
  if (s.length > n) s = s.slice(0, n - 1) + "…";
  return right ? s.padStart(n) : s.padEnd(n);
}

export function renderTable(report: EvalReport): string {
  const ids = report.controllers.map((c) => c.id);
  const colW = Math.max(18, ...ids.map((id) => Math.min(id.length, 28) + 1));
  const nameW = Math.max(12, ...report.suite.conditions.map((c) => c.name.length)) + 1;
  const lines: string[] = [];
  lines.push(`suite ${report.suite.name} · env ${report.env.version} · ${report.units} paired episodes/cell · ${report.timing.episodes} episodes in ${report.timing.seconds.toFixed(1)} s (${report.timing.workers} workers)`);
  for (const w of report.warnings ?? []) lines.push(`warning: ${w}`);
  lines.push("cells: mean return (retention vs nominal); * = retention differs from the first controller (95% CI excludes 0)");
  lines.push(pad("condition", nameW) + ids.map((id) => pad(id, colW, true)).join(""));
  for (const cond of report.suite.conditions) {
    const row = ids.map((id, i) => {
      const cell = report.results.cells.find((c) => c.controller === id && c.condition === cond.name);
      if (!cell) return pad("", colW, true);
      let mark = "";
      if (i > 0 && cond.name !== report.suite.nominal) {
        const cmp = report.results.comparisons.find((c) => c.a === ids[0] && c.b === id && c.condition === cond.name);
        if (cmp && (cmp.retentionDifference.lo > 0 || cmp.retentionDifference.hi < 0)) mark = "*";
      }
      const ret = cond.name === report.suite.nominal ? "" : ` (${fmt(cell.retention.estimate)})`;
      return pad(`${fmt(cell.return.estimate, 1)}${ret}${mark}`, colW, true);
    });
    lines.push(pad(cond.name, nameW) + row.join(""));
  }
  lines.push(pad("mean retention", nameW) + report.results.summary.map((s) => pad(fmt(s.meanRetention), colW, true)).join(""));
  lines.push(pad("fall rate", nameW) + report.results.summary.map((s) => pad(`${fmt(s.fallRate * 100, 0)}%`, colW, true)).join(""));
  const offCourse = report.results.summary.map((s) => s.offCourseRate);
  if (offCourse.some((r) => r > 0)) lines.push(pad("left course", nameW) + offCourse.map((r) => pad(`${fmt(r * 100, 1)}%`, colW, true)).join(""));
  if (report.results.adaptation.length) {
    lines.push("");
    lines.push(`recovery (steps after onset to regain ${fmt((report.suite.adaptation?.recoveryFraction ?? 0) * 100, 0)}% of pre-onset speed; recovered share)`);
    lines.push(pad("condition", nameW) + ids.map((id) => pad(id, colW, true)).join(""));
    for (const cond of report.suite.conditions) {
      if (cond.name === report.suite.nominal) continue;
      const row = ids.map((id) => {
        const a = report.results.adaptation.find((x) => x.controller === id && x.condition === cond.name);
        if (!a) return pad("", colW, true);
        if (a.defined === 0) return pad("n/a (no fwd motion)", colW, true);
        const steps = a.recoverySteps ? fmt(a.recoverySteps.estimate, 0) : "never";
        return pad(`${steps} (${fmt(a.recoveredRate * 100, 0)}%)`, colW, true);
      });
      lines.push(pad(cond.name, nameW) + row.join(""));
    }
  }
  return lines.join("\n");
}
