/**
 * The thread pool's task module for ES members (LocalPool): a task is one member, or a batch of members that
 * share their episodes (a generation's members: common random numbers). A batch goes to the evaluator's
 * evaluateBatch when it has one (locomotion: the members' robots in lockstep, bitwise the member-by-member
 * results), else its members are evaluated one after another.
 */
import { pathToFileURL } from "node:url";
import { viewShared, type FitnessEvaluator, type FitnessEvaluatorFactory, type MemberResult, type MemberTask, type SharedParams, type WorkerData } from "./fitness.ts";
import type { TaskHandler } from "./threads.ts";

export interface MemberBatch {
  batch: MemberTask[];
}

export type MemberWork = MemberTask | MemberBatch;

type BatchCapable = FitnessEvaluator & { evaluateBatch?(tasks: MemberTask[], shared: SharedParams): Promise<MemberResult[]> | MemberResult[] };

export async function createTaskHandler(raw: unknown): Promise<TaskHandler<MemberWork, MemberResult | MemberResult[]>> {
  const data = raw as WorkerData;
  const mod = (await import(pathToFileURL(data.evaluatorModule).href)) as { createEvaluator?: FitnessEvaluatorFactory };
  if (typeof mod.createEvaluator !== "function") throw new Error(`${data.evaluatorModule} does not export createEvaluator`);
  const evaluator = (await mod.createEvaluator(data.config)) as BatchCapable;
  const shared = viewShared(data.shared);
  return {
    async run(work) {
      if (!("batch" in work)) return evaluator.evaluate(work, shared);
      if (evaluator.evaluateBatch) return evaluator.evaluateBatch(work.batch, shared);
      const out: MemberResult[] = [];
      for (const t of work.batch) out.push(await evaluator.evaluate(t, shared));
      return out;
    },
    close: () => evaluator.close?.(),
  };
}
