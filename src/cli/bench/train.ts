/** `spikeloco bench train`: end-to-end ES training throughput (sim-seconds per wall second), 1 worker vs all cores. */
import type { Command } from "commander";
import { DEFAULT_AGENT, listAgents } from "../../../agents/index.ts";
import { DEFAULT_ENV, envIds } from "../../../envs/index.ts";
import { SpikelocoError } from "../../core/errors.ts";
import type { BenchTrainOptions } from "../../bench/train.ts";
import { action, checkWorkers, choiceOption, intOption, log, printResult } from "../output.ts";

const agentNames = () => listAgents().map((a) => a.name);

/** The bench's options as parsed from the flags. */
type Opts = Omit<BenchTrainOptions, "lockstepRounds" | "onProgress"> & { json?: boolean };

export function register(bench: Command): void {
  bench
    .command("train")
    .description("end-to-end ES training throughput for a robot + SNN agent: sim-seconds per wall second with 1 worker and all cores, and the env's previous version against its current one per CPU-second")
    .option("--env <id>", envIds().join(" | "), choiceOption("--env", envIds), DEFAULT_ENV)
    .option("--agent <name>", `controller preset (${agentNames().join(", ")}; the reference plastic SNN is ${DEFAULT_AGENT})`, choiceOption("--agent", agentNames), DEFAULT_AGENT)
    .option("--population <P>", "ES population (even)", (v: string) => {
      const n = intOption("--population", 2, 10_000)(v);
      if (n % 2) throw new SpikelocoError(`must be even (antithetic pairs), got ${n}`, "--population");
      return n;
    }, 16)
    .option("--max-steps <n>", "episode length (control steps)", intOption("--max-steps", 10, 100_000), 500)
    .option("--generations <n>", "timed generations per setting (after one warm-up generation)", intOption("--generations", 1, 1000), 2)
    .option("--workers <n>", "worker count for the 'all cores' setting (default: all cores)", intOption("--workers", 1, 1024))
    .option("--force-workers", "allow --workers above the number of cores")
    .option("--seed <n>", "random seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (o: Opts & { forceWorkers?: boolean }) => {
        checkWorkers(o.workers, o.forceWorkers);
        const { forceWorkers: _force, ...opts } = o;
        const { benchTrain } = await import("../../bench/train.ts");
        log(`bench train: ${o.env} + ${o.agent}, population ${o.population} x ${o.maxSteps} steps, ${o.generations} timed generations per setting (shared machine: compare ratios)`);
        const r = await benchTrain({ ...opts, onProgress: (m) => log(`  ${m}`) });
        printResult(r, Boolean(o.json), (x) =>
          [
            `${x.env} + ${x.agent} (${x.params} parameters), population ${x.population} x ${x.max_steps} steps`,
            `  1 worker:   ${x.one_worker.sim_seconds_per_wall_second.toFixed(1)} sim-s per wall-s (${x.one_worker.steps_per_s.toFixed(0)} env steps/s)`,
            `  ${x.cores} workers:  ${x.all_cores.sim_seconds_per_wall_second.toFixed(1)} sim-s per wall-s (${x.all_cores.steps_per_s.toFixed(0)} env steps/s)`,
            `  speedup x${x.speedup.toFixed(2)}, scaling efficiency ${(100 * x.scaling_efficiency).toFixed(0)}%, target ${x.target_sim_seconds_per_wall_second}: ${x.meets_target ? "met" : "NOT met"}`,
            ...[x.baseline, x.current].flatMap((v) =>
              v ? [`  ${v.env.padEnd(11)} ${v.sim_seconds_per_cpu_second.toFixed(1)} sim-s per CPU-s, ${v.sim_seconds_per_wall_second.toFixed(1)} sim-s per wall-s (${v.workers} workers, ${v.generations} generations)`] : [],
            ),
            x.speedup_vs_baseline === null ? "  no earlier env version to compare with" : `  ${x.current.env} over ${x.baseline!.env}: x${x.speedup_vs_baseline.toFixed(2)} per CPU-second`,
            `  lockstep (${x.lockstep.members_per_batch} members per world): ${x.lockstep.lockstep_sim_seconds_per_cpu_second.toFixed(1)} vs one by one ${x.lockstep.separate_sim_seconds_per_cpu_second.toFixed(1)} sim-s per CPU-s (x${x.lockstep.speedup.toFixed(3)}, bitwise equal: ${x.lockstep.bitwise_equal})`,
          ].join("\n"),
        );
      }),
    );
}
