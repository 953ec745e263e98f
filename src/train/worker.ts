/** Piscina worker: loads the evaluator module named in workerData once, then evaluates one member per task. */
import { pathToFileURL } from "node:url";
import { workerData } from "node:worker_threads";
import type { Evaluator, EvaluatorFactory, MemberResult, MemberTask, WorkerData } from "./fitness.ts";
import { viewShared } from "./fitness.ts";

const data = workerData as WorkerData;
const shared = viewShared(data.shared);
let evaluator: Promise<Evaluator> | null = null;

function load(): Promise<Evaluator> {
  evaluator ??= (async () => {
    const mod = (await import(pathToFileURL(data.evaluatorModule).href)) as { createEvaluator?: EvaluatorFactory };
    if (typeof mod.createEvaluator !== "function") throw new Error(`${data.evaluatorModule} does not export createEvaluator`);
    return mod.createEvaluator(data.config);
  })();
  return evaluator;
}

export default async function run(task: MemberTask): Promise<MemberResult> {
  return (await load()).evaluate(task, shared);
}
