/**
 * `spikeloco watch`: serve the browser viewer and stream a live simulation (a checkpoint's controller,
 * or a fresh network of the default preset) or replay a recording; or render a recording to a video or
 * picture headless (--export). Prints the URL; Ctrl-C stops.
 */
import { randomBytes } from "node:crypto";
import { extname } from "node:path";
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { action, intOption, log, printResult } from "../output.ts";

interface WatchFlags {
  checkpoint?: string;
  recording?: string;
  env?: string;
  agent: string;
  conditions?: string;
  port?: number;
  host: string;
  token?: string | true;
  insecure?: boolean;
  allowOrigin: string[];
  seed: number;
  record?: string;
  steps?: number;
  export?: string;
  exportSize: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => {
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    throw new SpikelocoError(`'${value}' is not an origin like http://host:port`, "--allow-origin");
  }
  if (origin === "null") throw new SpikelocoError(`'${value}' is not an http(s) origin`, "--allow-origin");
  return [...previous, origin];
};

function parseSize(value: string): { width: number; height: number } {
  const m = /^(\d{2,5})x(\d{2,5})$/.exec(value);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!m || width < 320 || height < 240 || width > 3840 || height > 2160) throw new SpikelocoError(`expected WIDTHxHEIGHT between 320x240 and 3840x2160, got '${value}'`, "--export-size");
  return { width, height };
}

export const summary = "serve the live viewer: a checkpoint's controller (or a fresh network) in the simulator, or a recording; --export renders a recording to .webm/.png";

export async function register(cmd: Command): Promise<void> {
  // the registries are imported here, not at the top: the CLI imports this module on every start
  const [{ DEFAULT_AGENT, listAgents }, { DEFAULT_ENV, envIds }] = await Promise.all([import("../../../agents/index.ts"), import("../../../envs/index.ts")]);
  cmd
    .option("--checkpoint <dir>", "controller to run (a training run directory); default: a fresh, untrained network")
    .option("--pretrained <name>", "a shipped controller from zoo/ (e.g. ant-adapt-C) instead of --checkpoint")
    .option("--recording <file>", "replay a recording (.spkrec) instead of simulating")
    .option("--env <id>", `robot environment: ${envIds().join(" | ")} (default: the checkpoint's, else ${DEFAULT_ENV})`)
    .option("--agent <name>", `preset of the fresh network when there is no checkpoint (${listAgents().map((a) => a.name).join(", ")})`, DEFAULT_AGENT)
    .option("--conditions <file>", "conditions JSON applied to the live simulation (noise, pushes, terrain, damage...)")
    .option("--port <n>", "HTTP/WebSocket port, exactly (0 = any free port); default 8080 or the next free one", intOption("--port", 0, 65535))
    .option("--host <addr>", "interface to bind; anything but loopback needs --token (or --insecure)", "127.0.0.1")
    .option("--token [secret]", "require this secret on the stream and API (a random one when no value); the printed URL carries it")
    .option("--insecure", "allow a non-loopback --host without --token (anyone on the network can drive the robot)")
    .option("--allow-origin <origin>", "also accept connections from pages of this origin (repeatable; default: the viewer's own only)", collect, [])
    .option("--seed <n>", "episode seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--record <file>", "also write the streamed frames to a recording file (on exit or after --steps)")
    .option("--steps <n>", "stop after n control steps (with --record: a fixed-length recording)", intOption("--steps", 1, 10_000_000))
    .option("--export <file>", "with --recording: render it headless to a video (.webm, one frame per control step) or its last frame as a picture (.png), then exit")
    .option("--export-size <WxH>", "size of the exported video or picture", "1280x720")
    .option("--json", "print one JSON object (url, mode, controller) on stdout once serving (or the export's result)")
    .action(
      action(async (flags: WatchFlags & { pretrained?: string }) => {
        if (flags.pretrained) {
          if (flags.checkpoint) throw new SpikelocoError("give either --checkpoint or --pretrained, not both", "--pretrained");
          flags.checkpoint = (await import("../../policy/zoo.ts")).zooCheckpoint(flags.pretrained);
        }
        if (flags.checkpoint && flags.recording) throw new SpikelocoError("give either --checkpoint or --recording, not both", "--recording");
        if (flags.recording && flags.record) throw new SpikelocoError("--record writes a live simulation; it cannot re-record a --recording", "--record");
        if (flags.export && !flags.recording) throw new SpikelocoError("--export renders a recording: give --recording FILE (make one with --record or eval --record)", "--export");
        const exportKind = flags.export ? extname(flags.export).toLowerCase() : null;
        if (exportKind !== null && exportKind !== ".webm" && exportKind !== ".png") throw new SpikelocoError(`expected a .webm or .png file, got '${flags.export}'`, "--export");
        const exportSize = parseSize(flags.exportSize);
        if (typeof flags.token === "string" && !/^[\x21-\x7e]{8,256}$/.test(flags.token)) {
          throw new SpikelocoError("a token is 8 to 256 printable characters without spaces", "--token");
        }
        const token = flags.token === true ? randomBytes(18).toString("base64url") : (flags.token ?? null);
        const { checkExposure, startLiveWatch, startRecordingWatch } = await import("../../serve/watch.ts");
        const listen = {
          host: flags.host,
          // An explicit --port is taken exactly (a busy one is an error); without it the next free port after 8080 is used.
          port: flags.port,
          portFallback: flags.port === undefined,
          token,
          insecure: !!flags.insecure,
          allowedOrigins: flags.allowOrigin,
          log,
        };
        checkExposure(listen);
        if (flags.recording && flags.export) {
          const { exportRecording } = await import("../../serve/export.ts");
          const result = await exportRecording({ recording: flags.recording, out: flags.export, ...exportSize, log });
          printResult(result, !!flags.json, (r) => `exported ${r.out}: ${r.kind === "webm" ? `${r.seconds.toFixed(1)} s of video` : "picture"} at ${r.width}x${r.height} (${(r.bytes / 1024).toFixed(0)} KB)`);
          return;
        }
        if (flags.recording) {
          const w = await startRecordingWatch(flags.recording, { ...listen, port: flags.port === undefined ? undefined : flags.port });
          printResult({ url: w.url, mode: "replay", recording: flags.recording, frames: w.frames }, !!flags.json, (r) => `viewer: ${r.url}  (replaying ${r.recording}, ${r.frames} frames; Ctrl-C to stop)`);
          await untilSignal();
          await w.close();
          return;
        }
        const { makeEnv } = await import("../../../envs/index.ts");
        const { checkpointController, freshController } = await import("../../serve/live-controller.ts");
        const { readConditionsFile } = await import("../../train/config.ts");
        const fromCheckpoint = flags.checkpoint ? await checkpointController(flags.checkpoint) : null;
        const envId = flags.env ?? fromCheckpoint?.envId ?? DEFAULT_ENV;
        const conditions = flags.conditions ? readConditionsFile(flags.conditions) : undefined;
        // The checkpoint's env options (a clock, say) shape the observation its controller reads.
        const env = await makeEnv(envId, fromCheckpoint && envId === fromCheckpoint.envId ? fromCheckpoint.envOptions : {});
        try {
          const controller = fromCheckpoint ?? (await freshController(env, flags.agent, flags.seed));
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
          if (writer && flags.record) {
            await writer.save(flags.record);
            log(`recording: ${writer.frameCount} frames written to ${flags.record}`);
          }
        } finally {
          env.close();
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
