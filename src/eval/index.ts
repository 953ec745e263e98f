/** Public API of the evaluation layer: suites as data, paired evaluation, the terminal table and the HTML report. */
export { evaluate } from "./evaluate.ts";
export type { EvaluateOptions, EvalReport } from "./evaluate.ts";
export { loadSuite, parseSuite, resolveSuite } from "./suite.ts";
export type { Suite, SuiteCondition, ResolvedSuite } from "./suite.ts";
export { renderTable } from "./table.ts";
export { renderHtmlReport } from "./report-html.ts";
/** What `evaluate` throws when interrupted before any paired unit finished. */
export { InterruptedError } from "../train/threads.ts";
