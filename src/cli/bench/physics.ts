/** `spikeloco bench physics`: physics step and solver iterations as throughput against fidelity, side by side. */
import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { DEFAULT_ENV, envIds } from "../../../envs/index.ts";
import { action, intOption, log, printResult } from "../output.ts";

interface Opts {
  env: string;
  settings: Array<{ physicsDt: number; solverIterations: number }>;
  seeds: number;
  steps: number;
  rounds: number;
  json?: boolean;
}

const DEFAULT_SETTINGS = "0.01x4,0.01x2,0.0125x4,0.025x4,0.025x6,0.025x8,0.05x8,0.05x16";

function parseSettings(value: string): Opts["settings"] {
  return value.split(",").map((item) => {
    const m = /^([0-9.]+)x([0-9]+)$/.exec(item.trim());
    const dt = m ? Number(m[1]) : NaN;
    const it = m ? Number(m[2]) : NaN;
    if (!m || !(dt > 0) || !Number.isInteger(it) || it < 1 || it > 16) {
      throw new InvalidArgumentError(`--settings: '${item}' is not PHYSICS_DT x SOLVER_ITERATIONS (e.g. 0.025x8, iterations 1..16)`);
    }
    return { physicsDt: dt, solverIterations: it };
  });
}

export function register(bench: Command): void {
  bench
    .command("physics")
    .description("physics step x solver iterations: CPU per control step against standing height, scripted-gait speed and return, and slip vs Coulomb")
    .option("--env <id>", envIds().join(" | "), DEFAULT_ENV)
    .addOption(new Option("--settings <list>", "comma-separated PHYSICS_DTxITERATIONS; the first is the reference").argParser(parseSettings).default(parseSettings(DEFAULT_SETTINGS), DEFAULT_SETTINGS))
    .option("--seeds <n>", "scripted-gait episodes per setting", intOption("--seeds", 1, 100), 8)
    .option("--steps <n>", "control steps per episode", intOption("--steps", 50, 100_000), 1000)
    .option("--rounds <n>", "interleaved timing rounds (median reported)", intOption("--rounds", 1, 50), 3)
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (o: Opts) => {
        const { envDefinition } = await import("../../../envs/index.ts");
        envDefinition(o.env);
        const { benchPhysics } = await import("../../bench/physics.ts");
        log(`bench physics: ${o.env}, ${o.settings.length} settings, ${o.seeds} gait seeds x ${o.steps} steps (CPU time; compare ratios)`);
        const r = await benchPhysics({ env: o.env, settings: o.settings, seeds: o.seeds, steps: o.steps, rounds: o.rounds, onProgress: (m) => log(`  ${m}`) });
        printResult(r, Boolean(o.json), () =>
          [
            "physicsDt  iters  substeps  us/step  speedup  stand z (min)    creep  gait m/s  gait return  slip/Coulomb",
            ...r.rows.map((x) =>
              `${String(x.physicsDt).padEnd(9)}  ${String(x.solverIterations).padStart(5)}  ${String(x.substeps).padStart(8)}  ${x.us_per_control_step.toFixed(0).padStart(7)}  ${x.speedup.toFixed(2).padStart(7)}  ${x.stand_height_mean.toFixed(3)} (${x.stand_height_min.toFixed(3)})  ${x.stand_creep.toFixed(3).padStart(6)}  ${x.gait_speed.toFixed(3).padStart(8)}  ${x.gait_return.toFixed(0).padStart(11)}  ${x.slip_over_coulomb.toFixed(2).padStart(12)}${x.unstable ? "  UNSTABLE" : ""}`,
            ),
          ].join("\n"),
        );
      }),
    );
}
