/**
 * `spikeloco train`: meta-train a controller.
 *   --env ID           -> evolution strategies over parallel rollouts (src/train/locomotion.ts)
 *   --task NAME        -> BPTT through the tensor engine on a temporal task (src/train/bptt)
 * Progress (bar, ETA, current return) on stderr; --json prints one summary object on stdout.
 */
import { InvalidArgumentError, type Command } from "commander";
import { DEFAULT_AGENT, listAgents } from "../../../agents/index.ts";
import { envIds, envTakesRobot, versionedEnvIds } from "../../../envs/index.ts";
import { SpikelocoError } from "../../core/errors.ts";
import type { TrainFlags } from "../train/locomotion.ts";
import { action, floatOption, intOption, printResult } from "../output.ts";
import { NATS_FLAG_SPECS } from "../../train/distributed/flags.ts";

function choice(name: string, allowed: readonly string[]) {
  return (value: string): string => {
    if (!allowed.includes(value)) throw new InvalidArgumentError(`${name} must be one of ${allowed.join(", ")}, got '${value}'`);
    return value;
  };
}

function evenPopulation(value: string): number {
  const n = intOption("--population", 2, 100_000)(value);
  if (n % 2 !== 0) throw new InvalidArgumentError(`--population must be even (antithetic pairs), got ${n}`);
  return n;
}

export function register(program: Command): void {
  const train = program
    .command("train")
    .description("meta-train an SNN controller: ES on a robot env (--env) or BPTT on a temporal task (--task)")
    .option("--env <id>", `robot environment: ${envIds().map((id) => (envTakesRobot(id) ? `${id} (with --robot)` : id)).join(" | ")}, or a versioned id (${versionedEnvIds().join(", ")})`, choice("--env", [...envIds(), ...versionedEnvIds()]))
    .option("--robot <file>", "--env legged: the robot (.urdf, .xml/.mjcf, or a robot .json from 'spikeloco robot import --out')")
    .option("--task <name>", "temporal task: cue-association | pattern-completion", choice("--task", ["cue-association", "pattern-completion"]))
    .option("--agent <name>", `controller preset (${listAgents().map((a) => a.name).join(", ")})`, DEFAULT_AGENT)
    .option("--algo <name>", "ES searcher: es (OpenAI-ES + Adam) | pgpe (PGPE + ClipUp)", choice("--algo", ["es", "pgpe"]))
    .option("--generations <G>", "stop after G generations in total (default 100 unless --minutes)", intOption("--generations", 1))
    .option("--minutes <M>", "stop after M minutes of wall time", floatOption("--minutes", 0))
    .option("--population <P>", "ES population size (even)", evenPopulation)
    .option("--episodes <n>", "episodes per population member per generation (stratified over a --conditions mixture; same seeds and strata for every member)", intOption("--episodes", 1, 1000))
    .option("--max-steps <n>", "episode length in control steps", intOption("--max-steps", 1, 1_000_000))
    .option("--clock-hz <f>", "append a clock of this frequency to the observation (env option clockHz; 0 = none)", floatOption("--clock-hz", 0, 50))
    .option("--sigma <s>", "initial exploration std", floatOption("--sigma", 1e-6, 10))
    .option("--lr <x>", "learning rate (Adam for es and BPTT; ClipUp step for pgpe)", floatOption("--lr", 1e-8, 10))
    .option("--weight-decay <x>", "decoupled weight decay (es): each step shrinks params by lr * x", floatOption("--weight-decay", 0, 10))
    .option("--group-scaling <mode>", "es: per-group sigma and lr in units of each parameter group's init RMS (init-rms, default) or one sigma and lr for all (none)", choice("--group-scaling", ["none", "init-rms"]))
    .option("--workers <n>", "rollout worker threads (default: all cores; 0 = in-process)", intOption("--workers", 0, 256))
    .option("--conditions <file>", "training-time conditions JSON (domain randomisation, leg damage...)")
    .option("--init <checkpoint>", "warm start: begin from this run's (or shipped zoo controller's) parameters and normaliser; same agent and env")
    .option("--out <dir>", "run directory (checkpoint + metrics.jsonl); default runs/<env|task>-<agent>-s<seed>")
    .option("--resume <dir>", "continue the run in DIR (bitwise identical to not stopping)")
    .option("--seed <n>", "random seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--noise <x>", "task input noise std (--task)", floatOption("--noise", 0, 10))
    .option("--cues <K>", "cue-association: number of cue/target pairs (--task)", intOption("--cues", 2, 64))
    .option("--iterations <n>", "BPTT iterations (--task; default 300 unless --minutes)", intOption("--iterations", 1))
    .option("--batch <n>", "BPTT episodes per iteration (--task)", intOption("--batch", 1, 1024))
    .option("--watch [port]", "serve the live viewer (default port 8080; next free one if taken): the newest checkpoint's controller, updated every generation")
    .option("--run-id <id>", "with --nats: the run's namespace on the server (default: derived from this host and the run directory, so --resume keeps it)")
    .option("--nats-timeout <s>", "with --nats: seconds without a heartbeat before a worker's members are re-issued", floatOption("--nats-timeout", 0.2, 3600), 10)
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (flags: TrainFlags, cmd: Command) => {
        if (flags.env && flags.task) throw new SpikelocoError("give either --env or --task, not both", "--task");
        const explicitAgent = cmd.getOptionValueSource("agent") === "cli";
        if (flags.task) {
          if (flags.nats) throw new SpikelocoError("distributes ES runs (--env); --task runs BPTT in one process", "--nats");
          const { runTaskTraining, formatTaskSummary } = await import("../train/task.ts");
          printResult(await runTaskTraining(flags), !!flags.json, formatTaskSummary);
          return;
        }
        if (!flags.env && !flags.resume) throw new SpikelocoError(`give --env <${envIds().join("|")}> or --task <name> (or --resume DIR)`);
        const { runLocomotionTraining, formatLocomotionSummary, defaultOutDir, interruptSignal } = await import("../train/locomotion.ts");
        const interrupt = interruptSignal();
        // --watch (viewer helper): stream the run directory's checkpoint to the browser viewer.
        const watch = (flags as { watch?: boolean | string }).watch;
        const viewer = watch
          ? await (await import("../../serve/watch.ts")).attachTrainingViewer({
              envId: flags.resume ? undefined : flags.env,
              envOptions: flags.resume ? undefined : (await import("../train/locomotion.ts")).envOptionsFromFlags(flags),
              runDir: flags.resume ?? flags.out ?? defaultOutDir(flags.env!, flags.agent, flags.seed),
              agent: flags.agent,
              port: watch === true ? 8080 : intOption("--watch", 0, 65535)(String(watch)),
              log: (m) => process.stderr.write(m + "\n"),
            })
          : null;
        if (viewer) process.stderr.write(`viewer: ${viewer.url}  (live; shows the newest checkpoint after every generation)\n`);
        try {
          printResult(await runLocomotionTraining(flags, explicitAgent, interrupt), !!flags.json, formatLocomotionSummary);
        } finally {
          interrupt.dispose();
          await viewer?.close();
        }
      }),
    );
  for (const [flags, description] of NATS_FLAG_SPECS) train.option(flags, description);
}

