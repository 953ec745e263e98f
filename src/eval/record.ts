/**
 * `eval --record DIR`: replayable recordings (the viewer's .spkrec format from src/serve) of the first
 * paired episode of every condition for every evaluated controller. Episodes use the
 * same seed and conditions as the evaluation's unit 0, so a recording shows an evaluated episode.
 * Frozen-plasticity ablations are recorded with plasticity frozen, as evaluated.
 * The recording loop itself is serve's `recordEpisode` (one copy, used by the viewer side too).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { makeEnv } from "../../envs/index.ts";
import { checkpointController, snnController } from "../serve/live-controller.ts";
import { recordEpisode } from "../serve/watch.ts";
import type { EvalReport } from "./evaluate.ts";

export function recordingFileName(controllerId: string, condition: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "");
  return `${safe(controllerId)}__${safe(condition)}.spkrec`;
}

export async function recordEpisodes(report: EvalReport, dir: string, onFile?: (path: string, frames: number) => void): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const seed = report.episodeSeeds[0]!; // a report holds at least one finished unit
  for (const c of report.controllers) {
    const source = await checkpointController(c.checkpoint);
    for (const cond of report.suite.conditions) {
      const env = await makeEnv(report.env.envId, { ...report.env.envOptions, maxSteps: report.suite.maxSteps });
      try {
        const controller = snnController(source, env, { freezePlasticity: c.frozen });
        const writer = recordEpisode(env, controller, {
          seed,
          conditions: cond.conditions,
          maxSteps: report.suite.maxSteps,
          meta: { controller: c.id, checkpoint: c.checkpoint, condition: cond.name, suite: report.suite.name, env: report.env.envId },
        });
        const path = join(dir, recordingFileName(c.id, cond.name));
        await writer.save(path);
        written.push(path);
        onFile?.(path, writer.frameCount);
      } finally {
        env.close();
      }
    }
  }
  return written;
}
