/**
 * `eval --record DIR`: replayable recordings (the viewer's .spkrec format from src/serve) of the first
 * paired episode of every condition for every evaluated controller. Episodes use the
 * same seed and conditions as the evaluation's unit 0, so a recording shows an evaluated episode.
 * Frozen-plasticity ablations are recorded with plasticity frozen, as evaluated.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { makeEnv } from "../env/registry.ts";
import { checkpointController, snnController } from "../serve/live-controller.ts";
import { LiveSimulation } from "../serve/live.ts";
import { FRAME_FLAG_DONE } from "../serve/wire/protocol.ts";
import { RecordingWriter } from "../serve/recording.ts";
import type { EvalReport } from "./evaluate.ts";

export function recordingFileName(controllerId: string, condition: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "");
  return `${safe(controllerId)}__${safe(condition)}.spkrec`;
}

export async function recordEpisodes(report: EvalReport, dir: string, onFile?: (path: string, frames: number) => void): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const seed = report.episodeSeeds[0];
  for (const c of report.controllers) {
    const source = await checkpointController(c.checkpoint);
    for (const cond of report.suite.conditions) {
      const env = await makeEnv(report.env.envId, { ...report.env.envOptions, maxSteps: report.suite.maxSteps });
      try {
        const controller = snnController(source, env, { freezePlasticity: c.frozen });
        const live = new LiveSimulation(env, controller, { seed, conditions: cond.conditions });
        const writer = new RecordingWriter(live.scene(), live.conditions(), {
          controller: c.id, checkpoint: c.checkpoint, condition: cond.name, seed, suite: report.suite.name, env: report.env.envId,
        });
        for (let t = 0; t < report.suite.maxSteps; t++) {
          const frame = live.stepOnce();
          writer.add(frame);
          if (frame.flags & FRAME_FLAG_DONE) break;
        }
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
