/**
 * `spikeloco train`: meta-train a controller.
 *   --env ant|hexapod  -> evolution strategies over parallel rollouts (src/train/locomotion.ts)
 *   --task NAME        -> BPTT through the tensor engine on a temporal task (src/train/bptt)
 * Everything is checked before the run folder is created and locked; progress (bar, ETA, current
 * return) on stderr; --json prints one summary object on stdout; Ctrl-C saves and exits 130.
 */
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { NATS_FLAG_SPECS } from "../../train/distributed/flags.ts";
import { DEFAULT_GROUP_SCALING, GROUP_SCALING_HELP, GROUP_SCALINGS, parseGroupScales } from "../../train/es/groups.ts";
import type { TrainFlags } from "../train/locomotion.ts";
import { EXIT, action, checkWorkers, choiceOption, floatOption, intOption, log, minutesOption, printResult, textOption, workersOption } from "../output.ts";

function evenPopulation(value: string): number {
  const n = intOption("--population", 2, 100_000)(value);
  if (n % 2 !== 0) throw new SpikelocoError(`must be even (antithetic pairs), got ${n}`, "--population");
  return n;
}

/** Flags that only mean something for one kind of training; given for the other, they are a mistake. */
const LOCOMOTION_ONLY = ["algo", "population", "episodes", "maxSteps", "clockHz", "sigma", "weightDecay", "groupScaling", "groupScale", "workers", "conditions", "watch", "generations", "robot", "runId", "natsTimeout", "nats"] as const;
const TASK_ONLY = ["noise", "cues", "iterations", "batch"] as const;
const flagName = (key: string) => "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

function refuseForeignFlags(flags: TrainFlags, cmd: Command, kind: "locomotion" | "task"): void {
  const foreign = kind === "task" ? LOCOMOTION_ONLY : TASK_ONLY;
  for (const key of foreign) {
    if (cmd.getOptionValueSource(key) === "cli") {
      throw new SpikelocoError(kind === "task" ? (key === "nats" ? "distributes ES runs (--env); --task runs BPTT in one process" : "applies to robot training (--env), not to --task") : "applies to --task training only", flagName(key));
    }
  }
  if (kind === "task" && flags.cues !== undefined && flags.task !== undefined && flags.task !== "cue-association") {
    throw new SpikelocoError(`applies to --task cue-association only, not ${flags.task}`, "--cues");
  }
}

export const summary = "meta-train an SNN controller: ES on a robot env (--env) or BPTT on a temporal task (--task)";

export async function register(cmd: Command): Promise<void> {
  // the registries are imported here, not at the top: the CLI imports this module on every start
  const [{ DEFAULT_AGENT, listAgents }, { envIds, envTakesRobot, versionedEnvIds }, { SEARCHERS }, { TASKS }] = await Promise.all([
    import("../../../agents/index.ts"),
    import("../../../envs/index.ts"),
    import("../../train/es/index.ts"),
    import("../../train/tasks/index.ts"),
  ]);
  const agentNames = () => listAgents().map((a) => a.name);
  const train = cmd
    .option("--env <id>", `robot environment: ${envIds().map((id) => (envTakesRobot(id) ? `${id} (with --robot)` : id)).join(" | ")}, or a versioned id (${versionedEnvIds().join(", ")})`, choiceOption("--env", () => [...envIds(), ...versionedEnvIds()]))
    .option("--robot <file>", "--env legged: the robot (.urdf, .xml/.mjcf, or a robot .json from 'spikeloco robot import --out')", textOption("--robot"))
    .option("--task <name>", `temporal task: ${TASKS.join(" | ")}`, choiceOption("--task", () => TASKS))
    .option("--agent <name>", `controller preset (${agentNames().join(", ")})`, choiceOption("--agent", agentNames), DEFAULT_AGENT)
    .option("--algo <name>", "ES searcher: es (OpenAI-ES + Adam) | pgpe (PGPE + ClipUp)", choiceOption("--algo", () => SEARCHERS))
    .option("--generations <G>", "stop after G generations in total (default 100 unless --minutes)", intOption("--generations", 1, 10_000_000))
    .option("--minutes <M>", "stop after M minutes of wall time (at least 0.1)", minutesOption())
    .option("--population <P>", "ES population size (even)", evenPopulation)
    .option("--episodes <n>", "episodes per population member per generation (stratified over a --conditions mixture; same seeds and strata for every member)", intOption("--episodes", 1, 1000))
    .option("--max-steps <n>", "episode length in control steps", intOption("--max-steps", 1, 1_000_000))
    .option("--clock-hz <f>", "append a clock of this frequency to the observation (env option clockHz; 0 = none)", floatOption("--clock-hz", 0, 50))
    .option("--sigma <s>", "initial exploration std", floatOption("--sigma", 1e-6, 10))
    .option("--lr <x>", "learning rate (Adam for es and BPTT; ClipUp step for pgpe)", floatOption("--lr", 1e-8, 10))
    .option("--weight-decay <x>", "decoupled weight decay (es): each step shrinks params by lr * x", floatOption("--weight-decay", 0, 10))
    .option("--group-scaling <mode>", `es: per-group sigma and lr: ${GROUP_SCALINGS.map((m) => `${m} = ${GROUP_SCALING_HELP[m]}${m === DEFAULT_GROUP_SCALING ? " (default)" : ""}`).join("; ")}`, choiceOption("--group-scaling", () => GROUP_SCALINGS))
    .option("--group-scale <name=x,...>", "es: multiply chosen parameter groups' sigma and lr, e.g. alpha=10 (a layout entry such as input.alpha, or its field for every projection)", (v: string) => parseGroupScales(v))
    .option("--workers <n>", "rollout worker threads (default: all cores; 0 = in-process)", workersOption())
    .option("--force-workers", "allow --workers above the number of cores")
    .option("--conditions <file>", "training-time conditions JSON (domain randomisation, leg damage...)", textOption("--conditions"))
    .option("--init <checkpoint>", "warm start: begin from this run's (or shipped zoo controller's) parameters and normaliser; same agent and env (to fine-tune a walker, add --group-scaling init-rms: a 6-7x smaller step)", textOption("--init"))
    .option("--out <dir>", "run directory (checkpoint + metrics.jsonl); default runs/<env|task>-<agent>-s<seed>", textOption("--out"))
    .option("--resume <dir>", "continue the run in DIR (bitwise identical to not stopping)", textOption("--resume"))
    .option("--seed <n>", "random seed", intOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--noise <x>", "task input noise std (--task)", floatOption("--noise", 0, 10))
    .option("--cues <K>", "cue-association: number of cue/target pairs (--task)", intOption("--cues", 2, 64))
    .option("--iterations <n>", "BPTT iterations (--task; default 300 unless --minutes)", intOption("--iterations", 1, 10_000_000))
    .option("--batch <n>", "BPTT episodes per iteration (--task)", intOption("--batch", 1, 1024))
    .option("--watch [port]", "serve the live viewer (default port 8080; next free one if taken): the newest checkpoint's controller, updated every generation", intOption("--watch", 0, 65535))
    .option("--run-id <id>", "with --nats: the run's namespace on the server (default: derived from this host and the run directory, so --resume keeps it)")
    .option("--nats-timeout <s>", "with --nats: seconds without a heartbeat before a worker's members are re-issued", floatOption("--nats-timeout", 0.2, 3600), 10)
    .option("--json", "print exactly one JSON object on stdout")
    .addHelpText("after", `
A run folder is locked while a run writes it (spikeloco.lock, with the pid); a second run on it is refused.
Exit codes: 0 done, 1 internal error, 2 bad input (nothing written), 130 interrupted (the last generation saved).`)
    .action(
      action(async (flags: TrainFlags, cmd: Command) => {
        if (flags.env && flags.task) throw new SpikelocoError("give either --env or --task, not both", "--task");
        checkWorkers(flags.workers, (flags as { forceWorkers?: boolean }).forceWorkers);
        // A resumed run knows its own kind; read it once here.
        let resumed: Awaited<ReturnType<typeof import("../validate.ts").readCheckpoint>> | undefined;
        if (flags.resume !== undefined) {
          const { readCheckpoint } = await import("../validate.ts");
          resumed = await readCheckpoint(flags.resume, "--resume");
        }
        const kind = flags.task || (resumed && (resumed.config as { kind?: string }).kind === "task") ? "task" : "locomotion";
        if (!flags.env && !flags.task && !resumed) throw new SpikelocoError(`give --env <${envIds().join("|")}> or --task <name> (or --resume DIR)`, "--env");
        if (resumed && kind === "task" && flags.env) throw new SpikelocoError(`'${flags.resume}' is a --task run, not a robot run`, "--env");
        refuseForeignFlags(flags, cmd, kind);
        const explicit = { agent: cmd.getOptionValueSource("agent") === "cli", seed: cmd.getOptionValueSource("seed") === "cli" };
        if (kind === "task" && flags.nats) throw new SpikelocoError("distributes ES runs (--env); --task runs BPTT in one process", "--nats");
        if (kind === "task") {
          const { planTaskTraining, runTaskTraining, formatTaskSummary } = await import("../train/task.ts");
          const plan = await planTaskTraining(flags, resumed);
          const summary = await runTaskTraining(plan);
          printResult(summary, !!flags.json, formatTaskSummary);
          return summary.stopped_by === "signal" ? EXIT.interrupted : EXIT.done;
        }
        const { planLocomotionTraining, runLocomotionTraining, formatLocomotionSummary } = await import("../train/locomotion.ts");
        const plan = await planLocomotionTraining(flags, explicit, resumed);
        const { interruptSignal } = await import("../interrupt.ts");
        const interrupt = interruptSignal();
        let viewer: { url: string; close(): Promise<void> } | null = null;
        try {
          // --watch (viewer helper): stream the run directory's checkpoint to the browser viewer.
          if (flags.watch !== undefined) {
            viewer = await (await import("../../serve/watch.ts")).attachTrainingViewer({
              envId: plan.config.env,
              envOptions: plan.config.envOptions,
              runDir: plan.out,
              agent: plan.config.agent,
              port: flags.watch === true ? 8080 : flags.watch,
              log,
            });
            log(`viewer: ${viewer.url}  (live; shows the newest checkpoint after every generation)`);
          }
          if (interrupt.signal.aborted) return EXIT.interrupted;
          const summary = await runLocomotionTraining(plan, interrupt);
          printResult(summary, !!flags.json, formatLocomotionSummary);
          return summary.stopped_by === "signal" ? EXIT.interrupted : EXIT.done;
        } finally {
          interrupt.dispose();
          await viewer?.close();
        }
      }),
    );
  for (const [flags, description] of NATS_FLAG_SPECS) train.option(flags, description);
}
