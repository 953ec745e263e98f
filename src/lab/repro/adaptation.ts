/**
 * `spikeloco repro adaptation`: the adaptation experiment (src/eval/experiments/adaptation.ts).
 * Without --train it evaluates the shipped arm checkpoints (zoo/ant-adapt-A, -B, -C); with --train it
 * trains (or continues) every arm x seed run under --out (default runs/adaptation), evaluates those, and
 * with --ship copies the first seed's runs into the zoo.
 */
import { join } from "node:path";
import { SpikelocoError } from "../../core/errors.ts";
import { defined } from "../../core/defined.ts";
import { checkpointExists } from "../../policy/checkpoint.ts";
import { zooCheckpoint } from "../../policy/zoo.ts";
import {
  evaluateAdaptation, formatAdaptationReport, loadAdaptationDefinition, pretrainAgents, pretrainDir, runDir, trainArms, TRAINED_ARMS,
  type AdaptationReport, type AdaptationSplit, type TrainedArm,
} from "../../eval/experiments/adaptation.ts";
import type { ReproExperiment } from "./experiment.ts";

export const ZOO_ARM_NAMES: Record<TrainedArm, string> = { A: "ant-adapt-A", B: "ant-adapt-B", C: "ant-adapt-C" };

/** The zoo name of an env's nominal walker for an agent ("ant-static", "ant-nm-hebb"). */
export const zooWalkerName = (env: string, agent: string): string => `${env}-${agent}`;

export const experiment: ReproExperiment = {
  name: "adaptation",
  summary: "plastic vs static controllers trained on a damage mixture, evaluated on held-out mid-episode damage (arms A-E, paired CIs)",
  async run(o) {
    const def = loadAdaptationDefinition();
    const checkpoints = {} as Record<TrainedArm, string[]>;
    let training: unknown = null;
    if (o.train) {
      const root = o.out ?? join("runs", "adaptation");
      const seeds = o.trainSeeds ?? [0];
      if (seeds.length === 0) throw new SpikelocoError("give at least one training seed", "--train-seeds");
      const runs = await trainArms(def, defined({ root, seeds, minutes: o.minutes, workers: o.workers, signal: o.signal, log: o.log }));
      training = runs;
      for (const arm of TRAINED_ARMS) checkpoints[arm] = seeds.map((s) => runDir(root, arm, s));
      const unfinished = runs.filter((r) => r.generation < r.target);
      if (unfinished.length) {
        o.log(`adaptation: ${unfinished.length} run(s) stopped before the budget (${unfinished.map((r) => `${r.arm}-s${r.seed} at ${r.generation}/${r.target}`).join(", ")}); rerun to continue. Evaluating the checkpoints as they are.`);
      }
    } else {
      for (const arm of TRAINED_ARMS) checkpoints[arm] = [zooCheckpoint(ZOO_ARM_NAMES[arm], "zoo")];
    }
    for (const arm of TRAINED_ARMS) for (const dir of checkpoints[arm]) {
      if (!checkpointExists(dir)) throw new SpikelocoError(`arm ${arm} has no checkpoint yet (train it with --train)`, dir);
    }
    const split: AdaptationSplit = o.validation ? "validation" : "held-out";
    const report: AdaptationReport = await evaluateAdaptation(def, defined({
      checkpoints,
      split,
      episodes: o.episodes,
      workers: o.workers,
      onProgress: (done: number, total: number) => { if (done % 50 === 0 || done === total) o.log(`adaptation: ${done}/${total} episodes`); },
    }));
    if (o.ship) {
      if (!o.train) throw new SpikelocoError("--ship copies trained runs into the zoo; use it with --train", "--ship");
      const { shipToZoo } = await import("../../eval/experiments/zoo.ts");
      const root = o.out ?? join("runs", "adaptation");
      const ships: Array<[string, string, string]> = [
        ...pretrainAgents(def).map((agent): [string, string, string] => [pretrainDir(root, agent), zooWalkerName(def.env, agent), `nominal ${agent} walker (flat ground; the adaptation arms' starting point)`]),
        ...TRAINED_ARMS.map((arm): [string, string, string] => [checkpoints[arm][0]!, ZOO_ARM_NAMES[arm], `adaptation arm ${arm}: ${def.arms[arm].label}`]),
      ];
      for (const [dir, name, description] of ships) {
        const meta = await shipToZoo(dir, name, description, "shipped");
        o.log(`adaptation: shipped ${meta.name} (generation ${meta.generation}, nominal speed ${meta.eval.speed.toFixed(3)} m/s)`);
      }
    }
    return { ...report, training } as unknown as Record<string, unknown>;
  },
  format: (r) => formatAdaptationReport(r as unknown as AdaptationReport),
};
