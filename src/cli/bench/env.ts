/** `spikeloco bench env`: env stepping speed vs bare Rapier vs MuJoCo WASM, and shared vs separate worlds. */
import type { Command } from "commander";
import { DEFAULT_ENV, envIds, envTakesRobot } from "../../../envs/index.ts";
import { TERRAIN_KINDS as TERRAINS, type TerrainKind } from "../../physics/terrain.ts";
import { SpikelocoError } from "../../core/errors.ts";
import { action, choiceOption, intOption, log, printResult } from "../output.ts";


/** The registry's envs with a built-in robot (an imported one needs its file), or all of them. */
const builtIn = () => envIds().filter((id) => !envTakesRobot(id));
const envChoices = () => [...envIds(), "all"];

function matchedDtOption(v: string): number {
  const dt = Number(v);
  const ratio = 0.05 / dt;
  if (!(dt > 0) || Math.abs(ratio - Math.round(ratio)) > 1e-6) throw new SpikelocoError(`must divide the 0.05 s control step, got ${v}`, "--matched-dt");
  return dt;
}

type Comparison = Awaited<ReturnType<typeof import("../../bench/env.ts").benchEnv>>["standing"];

function comparisonLine(label: string, c: Comparison): string {
  const e = (name: string, x: Comparison["rapier"] | null) =>
    x ? `${name} ${x.control_steps_per_s.toFixed(0)}/s (${x.physics_dt} s x ${x.substeps}, ${x.contacts_per_step} contacts/step, ${(100 * x.airborne_fraction).toFixed(0)}% airborne)` : `${name} n/a`;
  return `  ${label}: ${e("rapier", c.rapier)} | ${e("mujoco", c.mujoco)}${c.vs_mujoco === null ? "" : ` -> vs_mujoco ${c.vs_mujoco}`}`;
}

interface Opts {
  env: string;
  terrain: TerrainKind;
  steps: number;
  rounds: number;
  vec: number;
  solverIterations?: number;
  matchedDt: number;
  mujoco: boolean;
  json?: boolean;
}

export function register(bench: Command): void {
  bench
    .command("env")
    .description("env steps/s (observations included) vs the same Rapier world stepped bare vs MuJoCo WASM on the same robot")
    .option("--env <id>", `${envChoices().join(" | ")}`, choiceOption("--env", envChoices), DEFAULT_ENV)
    .option("--terrain <kind>", `terrain: ${TERRAINS.join(" | ")} (default parameters)`, choiceOption("--terrain", () => TERRAINS), "flat")
    .option("--steps <n>", "control steps per timed round", intOption("--steps", 10, 10_000_000), 2000)
    .option("--rounds <n>", "timed rounds (median reported; one extra warm-up round)", intOption("--rounds", 1, 100), 3)
    .option("--vec <n>", "robots for the lockstep comparison: a VecEnv sharing one world vs separate worlds (0 = skip)", intOption("--vec", 0, 1024), 16)
    .option("--solver-iterations <k>", "Rapier solver iterations (default: the env's)", intOption("--solver-iterations", 1, 16))
    .option("--matched-dt <s>", "physics step of the matched comparison (both engines; a divisor of the 0.05 s control step)", matchedDtOption, 0.01)
    .option("--no-mujoco", "skip the MuJoCo WASM peer")
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (o: Opts) => {
        const { benchEnv } = await import("../../bench/env.ts");
        if (envTakesRobot(o.env)) throw new SpikelocoError(`builds its robot from a file; bench env measures the built-in robots (${builtIn().join(", ")})`, "--env");
        const ids: string[] = o.env === "all" ? builtIn() : [o.env];
        log(`bench env: ${ids.join(", ")} on ${o.terrain}, ${o.steps} control steps x ${o.rounds} rounds (machine may be shared: compare ratios)`);
        const results: Awaited<ReturnType<typeof benchEnv>>[] = [];
        for (const id of ids) {
          results.push(
            await benchEnv({ env: id, terrain: { kind: o.terrain }, steps: o.steps, rounds: o.rounds, vec: o.vec, mujoco: o.mujoco, matchedDt: o.matchedDt, ...(o.solverIterations ? { solverIterations: o.solverIterations } : {}), onProgress: (m) => log(`  ${id}: ${m}`) }),
          );
        }
        const out = results.length === 1 ? results[0]! : { envs: Object.fromEntries(results.map((r) => [r.env, r])) };
        printResult(out, Boolean(o.json), () =>
          results
            .map((r) =>
              [
                `${r.env} on ${r.terrain} (${r.rapier}, ${r.solver_iterations} solver iterations, ${r.substeps} substeps/control step)`,
                `  env:    ${r.steps_per_s.toFixed(0)} control steps/s = ${r.physics_steps_per_s.toFixed(0)} physics steps/s`,
                `  raw:    ${r.raw_physics_steps_per_s.toFixed(0)} physics steps/s  (overhead_ratio ${r.overhead_ratio})`,
                r.mujoco_wasm_steps_per_s === null ? "  mujoco: n/a" : `  mujoco: ${r.mujoco_wasm_steps_per_s.toFixed(0)} physics steps/s at its defaults`,
                comparisonLine(`walking, defaults`, r.engines),
                comparisonLine(`standing, defaults`, r.standing),
                comparisonLine(`walking, both at ${r.matched.physics_dt} s x ${r.matched.substeps}`, r.matched.walking),
                comparisonLine(`standing, both at ${r.matched.physics_dt} s x ${r.matched.substeps}`, r.matched.standing),
                `  cached gravity: ${r.cached_gravity.cached_steps_per_s.toFixed(0)} vs World.step() ${r.cached_gravity.world_step_steps_per_s.toFixed(0)} control steps/s (x${r.cached_gravity.speedup})`,
                r.vec ? `  lockstep, ${r.vec.robots} robots (${r.vec.shared} sharing): shared world ${r.vec.shared_world_robot_steps_per_s.toFixed(0)} vs separate worlds ${r.vec.separate_worlds_robot_steps_per_s.toFixed(0)} robot control steps/s (x${r.vec.shared_over_separate}, bitwise equal: ${r.vec.bitwise_equal})` : "",
                ...r.notes.map((n: string) => `  note: ${n}`),
              ]
                .filter(Boolean)
                .join("\n"),
            )
            .join("\n"),
        );
      }),
    );
}
