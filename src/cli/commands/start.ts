/**
 * `spikeloco start` (what `npm start` runs): the most complete main job available. Until training is
 * wired in here, it walks the Ant with the scripted sinusoidal gait on flat and rough ground and streams
 * progress as text (or one JSON summary with --json).
 */
import type { Command } from "commander";
import { action, floatOption, intOption, log, printResult } from "../output.ts";

interface Opts {
  env: string;
  steps: number;
  seed: number;
  frequency: number;
  json?: boolean;
}

interface Walk {
  terrain: string;
  steps: number;
  distance_m: number;
  return: number;
  fell: boolean;
  sim_seconds_per_wall_second: number;
}

export function register(program: Command): void {
  program
    .command("start")
    .description("main job (interim): walk the Ant with a scripted sinusoidal gait on flat and rough ground, streaming progress")
    .option("--env <id>", "ant | hexapod", "ant")
    .option("--steps <n>", "control steps per episode", intOption("--steps", 1, 1_000_000), 1000)
    .option("--seed <n>", "episode seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--frequency <hz>", "gait frequency (Hz)", floatOption("--frequency", 0.05, 10), 1)
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (o: Opts) => {
        const { makeEnv } = await import("../../env/registry.ts");
        const { sinusoidalGait } = await import("../../env/gait.ts");
        const walks: Walk[] = [];
        for (const terrain of [{ kind: "flat" as const }, { kind: "rough" as const, amplitude: 0.1 }]) {
          const env = await makeEnv(o.env, { maxSteps: o.steps, conditions: { terrain } });
          const gait = sinusoidalGait(env.robot, { frequency: o.frequency });
          const a = new Float32Array(env.actionSpace.shape[0]);
          env.reset({ seed: o.seed });
          let r: ReturnType<typeof env.step> | undefined;
          let ret = 0;
          const t0 = performance.now();
          const every = Math.max(1, Math.round(o.steps / 10));
          for (let t = 0; t < o.steps; t++) {
            r = env.step(gait.action(t * env.controlDt, a));
            ret += r.reward;
            if ((t + 1) % every === 0 || r.terminated)
              log(`${o.env} ${terrain.kind}: step ${r.info.step}/${o.steps}  x ${r.info.x.toFixed(2)} m  v ${r.info.forwardVelocity.toFixed(2)} m/s  height ${r.info.torsoHeight.toFixed(2)} m  return ${ret.toFixed(1)}`);
            if (r.terminated || r.truncated) break;
          }
          const wall = (performance.now() - t0) / 1000;
          walks.push({
            terrain: terrain.kind,
            steps: r!.info.step,
            distance_m: r!.info.x,
            return: ret,
            fell: r!.terminated,
            sim_seconds_per_wall_second: (r!.info.step * env.controlDt) / wall,
          });
          env.close();
        }
        printResult({ env: o.env, gait: "sinusoidal", frequency_hz: o.frequency, walks }, Boolean(o.json), (res) =>
          res.walks
            .map((w) => `${res.env} on ${w.terrain}: ${w.distance_m.toFixed(2)} m in ${w.steps} steps, return ${w.return.toFixed(1)}${w.fell ? " (fell)" : ""}, ${w.sim_seconds_per_wall_second.toFixed(0)} sim s / wall s`)
            .join("\n"),
        );
      }),
    );
}
