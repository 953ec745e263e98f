/**
 * `spikeloco start` (what `npm start` runs): train the default plastic SNN (nm-hebb) on the Ant with ES,
 * with the browser viewer live at a printed 127.0.0.1 URL showing the newest controller every
 * generation. Running it again resumes the same run directory. After training the viewer keeps
 * showing the final controller until Ctrl-C.
 */
import type { Command } from "commander";
import { action, floatOption, intOption, log } from "../output.ts";

interface StartFlags {
  minutes: number;
  port: number;
  host: string;
  seed: number;
  out?: string;
  workers?: number;
  watch: boolean;
  exit?: boolean;
}

export function register(program: Command): void {
  program
    .command("start")
    .description("the main job: train a plastic SNN on the Ant (ES) with the live viewer at a printed URL")
    .option("--minutes <m>", "training wall-time budget", floatOption("--minutes", 0.05), 15)
    .option("--port <n>", "viewer port (the next free one if taken)", intOption("--port", 0, 65535), 8080)
    .option("--host <addr>", "viewer interface", "127.0.0.1")
    .option("--seed <n>", "random seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--out <dir>", "run directory (resumed when it already holds a checkpoint)")
    .option("--workers <n>", "rollout worker threads (default: all cores)", intOption("--workers", 0, 256))
    .option("--no-watch", "train without the viewer")
    .option("--exit", "exit when training ends instead of keeping the viewer up")
    .action(
      action(async (flags: StartFlags) => {
        const { checkpointExists } = await import("../../run/checkpoint.ts");
        const { runLocomotionTraining, formatLocomotionSummary, defaultOutDir } = await import("../../run/train-cli.ts");
        const agent = "nm-hebb";
        const out = flags.out ?? defaultOutDir("ant", agent, flags.seed);
        const resume = checkpointExists(out);
        let viewer: { url: string; close(): Promise<void> } | null = null;
        if (flags.watch) {
          const { attachTrainingViewer } = await import("../../serve/watch.ts");
          viewer = await attachTrainingViewer({ envId: "ant", runDir: out, agent, host: flags.host, port: flags.port, log });
          process.stdout.write(`viewer: ${viewer.url}  (open it in a browser: the Ant and its spiking controller, live; updated every generation)\n`);
        }
        log(`${resume ? "resuming" : "training"} ${agent} on the Ant for ${flags.minutes} min; checkpoint and metrics in ${out}`);
        try {
          const summary = await runLocomotionTraining(
            resume
              ? { agent, seed: flags.seed, resume: out, minutes: flags.minutes, workers: flags.workers }
              : { env: "ant", agent, seed: flags.seed, out, minutes: flags.minutes, workers: flags.workers },
            false,
          );
          process.stdout.write(formatLocomotionSummary(summary) + "\n");
          if (viewer && !flags.exit && summary.stopped_by !== "signal") {
            log(`training finished; the viewer stays live at ${viewer.url} with the final controller (Ctrl-C to exit)`);
            await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
          }
        } finally {
          await viewer?.close();
        }
      }),
    );
}
