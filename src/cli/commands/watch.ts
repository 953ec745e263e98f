/**
 * `spikeloco watch`: serve the browser viewer and stream a live simulation (a checkpoint's controller,
 * or a fresh network of the default preset) or replay a recording. Prints the URL; Ctrl-C stops.
 */
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { action, intOption, log, printResult } from "../output.ts";

interface WatchFlags {
  checkpoint?: string;
  recording?: string;
  env?: string;
  agent: string;
  conditions?: string;
  port: number;
  host: string;
  seed: number;
  record?: string;
  steps?: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("watch")
    .description("serve the live viewer: a checkpoint's controller (or a fresh network) in the simulator, or a recording")
    .option("--checkpoint <dir>", "controller to run (a training run directory); default: a fresh, untrained network")
    .option("--pretrained <name>", "a shipped controller from zoo/ (e.g. ant-adapt-C) instead of --checkpoint")
    .option("--recording <file>", "replay a recording (.spkrec) instead of simulating")
    .option("--env <id>", "robot environment: ant | hexapod (default: the checkpoint's, else ant)")
    .option("--agent <name>", "preset of the fresh network when there is no checkpoint", "nm-hebb")
    .option("--conditions <file>", "conditions JSON applied to the live simulation (noise, pushes, terrain, damage...)")
    .option("--port <n>", "HTTP/WebSocket port (0 = any free port)", intOption("--port", 0, 65535), 8080)
    .option("--host <addr>", "interface to bind; anything but 127.0.0.1 exposes the viewer to your network", "127.0.0.1")
    .option("--seed <n>", "episode seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--record <file>", "also write the streamed frames to a recording file (on exit or after --steps)")
    .option("--steps <n>", "stop after n control steps (with --record: a fixed-length recording)", intOption("--steps", 1, 10_000_000))
    .option("--json", "print one JSON object (url, mode, controller) on stdout once serving")
    .action(
      action(async (flags: WatchFlags & { pretrained?: string }) => {
        if (flags.pretrained) {
          if (flags.checkpoint) throw new SpikelocoError("give either --checkpoint or --pretrained, not both", "--pretrained");
          flags.checkpoint = (await import("../../policy/zoo.ts")).zooCheckpoint(flags.pretrained);
        }
        if (flags.checkpoint && flags.recording) throw new SpikelocoError("give either --checkpoint or --recording, not both", "--recording");
        if (flags.recording && flags.record) throw new SpikelocoError("--record writes a live simulation; it cannot re-record a --recording", "--record");
        const { startLiveWatch, startRecordingWatch } = await import("../../serve/watch.ts");
        const listen = { host: flags.host, port: flags.port, log };
        if (flags.recording) {
          const w = await startRecordingWatch(flags.recording, listen);
          printResult({ url: w.url, mode: "replay", recording: flags.recording, frames: w.frames }, !!flags.json, (r) => `viewer: ${r.url}  (replaying ${r.recording}, ${r.frames} frames; Ctrl-C to stop)`);
          await untilSignal();
          await w.close();
          return;
        }
        const { makeEnv } = await import("../../../envs/index.ts");
        const { checkpointController, freshController } = await import("../../serve/controller.ts");
        const { readConditionsFile } = await import("../../train/config.ts");
        const fromCheckpoint = flags.checkpoint ? await checkpointController(flags.checkpoint) : null;
        const envId = flags.env ?? fromCheckpoint?.envId ?? "ant";
        // The checkpoint's env options (a clock, say) shape the observation its controller reads.
        const env = await makeEnv(envId, fromCheckpoint && envId === fromCheckpoint.envId ? fromCheckpoint.envOptions : {});
        const controller = fromCheckpoint ?? (await freshController(env, flags.agent, flags.seed));
        const conditions = flags.conditions ? readConditionsFile(flags.conditions) : undefined;
        const { RecordingWriter } = await import("../../serve/recording.ts");
        const w = await startLiveWatch({ ...listen, env, controller, conditions, seed: flags.seed });
        const live = w.live!;
        const writer = flags.record ? new RecordingWriter(live.scene(), live.conditions(), { seed: flags.seed, controller: controller.label, env: envId }) : null;
        let steps = 0;
        let stopAtSteps: () => void = () => {};
        const stepsDone = new Promise<void>((resolve) => (stopAtSteps = resolve));
        live.onFrame((bytes) => {
          writer?.addEncoded(bytes);
          if (flags.steps !== undefined && ++steps >= flags.steps) stopAtSteps();
        });
        printResult(
          { url: w.url, mode: "live", env: envId, controller: controller.label, untrained: controller.untrained },
          !!flags.json,
          (r) => `viewer: ${r.url}  (${r.env}, ${r.controller}; Ctrl-C to stop)`,
        );
        if (controller.untrained) log("no --checkpoint: showing a freshly initialised network (the viewer says so too)");
        await Promise.race([untilSignal(), stepsDone]);
        await w.close();
        env.close();
        if (writer && flags.record) {
          await writer.save(flags.record);
          log(`recording: ${writer.frameCount} frames written to ${flags.record}`);
        }
      }),
    );
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}
