/**
 * `spikeloco robot import FILE`: read a URDF / MJCF robot, print its summary (and write the description
 * with --out). `spikeloco robot stand FILE|robot.json`: hold the rest posture under zero action on flat
 * ground and report whether it fell — the quick check for a newly imported robot.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { SpikelocoError } from "../../core/errors.ts";
import { defined } from "../../core/defined.ts";
import { action, floatOption, intOption, printResult } from "../output.ts";

interface ImportFlags {
  out?: string;
  json?: boolean;
  feet?: string[];
  actuated?: string[];
  meshFallback?: boolean;
  kp?: number;
  kd?: number;
  maxTorque?: number;
  mujoco?: boolean;
}

interface StandFlags {
  steps: number;
  json?: boolean;
}

export interface StandResult {
  fell: boolean;
  torso_height: { min: number; final: number };
  nonfinite: boolean;
}

const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

/** Share of the rest height below which a standing robot counts as fallen (stricter than the env's healthy range). */
export const STAND_FRACTION = 0.5;

/** Zero action on flat ground from the exact rest pose; "fell" = torso below half its rest height or tipped past 60°. */
export async function standRobot(robot: string, steps: number): Promise<StandResult> {
  const { makeEnv } = await import("../../../envs/index.ts");
  const env = await makeEnv("legged", { robot, resetNoiseScale: 0, terminateWhenUnhealthy: false, maxSteps: steps });
  const lo = env.observationSpace.names.indexOf("torso_height");
  const qw = env.observationSpace.names.indexOf("torso_quat_w");
  if (lo < 0 || qw < 0) throw new Error(`robot check: the legged observation has no torso_height/torso_quat_w channel`);
  const action = new Float32Array(env.actionSpace.shape[0]);
  let { obs } = env.reset({ seed: 0 });
  let min = obs[lo]!;
  let final = obs[lo]!;
  let fell = false;
  let nonfinite = false;
  const healthyLow = STAND_FRACTION * env.robot.spawnHeight;
  for (let t = 0; t < steps; t++) {
    const r = env.step(action);
    obs = r.obs;
    if (!obs.every(Number.isFinite)) {
      nonfinite = true;
      break;
    }
    const h = obs[lo]!;
    min = Math.min(min, h);
    final = h;
    // torso z axis in the world: 1 - 2(qx² + qy²)
    const up = 1 - 2 * (obs[qw + 1]! ** 2 + obs[qw + 2]! ** 2);
    if (h < healthyLow || up < 0.5) fell = true;
    if (r.terminated || r.truncated) break;
  }
  env.close();
  return { fell: fell || nonfinite, torso_height: { min, final }, nonfinite };
}

export const summary = "import users' robots (URDF, MJCF) and check them";

export function register(robot: Command): void {
  robot
    .command("import <file>")
    .description("import a URDF (.urdf) or MJCF (.xml) robot; print its summary and write the description with --out")
    .option("--out <robot.json>", "write the robot description (JSON) here")
    .option("--feet <links>", "foot links/bodies, comma list (default: leaf links touching the ground at rest)", list)
    .option("--actuated <joints>", "actuated joints, comma list (default: the file's transmissions/actuators, else every moving joint)", list)
    .option("--mesh-fallback", "a mesh whose file is missing becomes its link's inertia-equivalent box (with a warning)")
    .option("--kp <x>", "PD stiffness for every actuated joint", floatOption("--kp", 0))
    .option("--kd <x>", "PD damping for every actuated joint", floatOption("--kd", 0))
    .option("--max-torque <x>", "torque (force) limit for every actuated joint", floatOption("--max-torque", 1e-9))
    .option("--mujoco", "also compile the file with MuJoCo (mujoco-js, a dev dependency) and compare every body's mass and principal inertia")
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (file: string, flags: ImportFlags) => {
        const { loadRobotFile, summarize, robotFileKind } = await import("../../physics/import/load.ts");
        if (robotFileKind(file) === "json") throw new SpikelocoError("give a .urdf or .xml/.mjcf file to import (a robot .json is already imported)", "FILE");
        const gains = defined({ kp: flags.kp, kd: flags.kd, maxTorque: flags.maxTorque });
        const options = defined({
          feet: flags.feet,
          actuated: flags.actuated,
          meshFallback: flags.meshFallback ? ("bounds" as const) : undefined,
          gains: Object.keys(gains).length > 0 ? gains : undefined,
        });
        const result = loadRobotFile(file, options);
        const summary: ReturnType<typeof summarize> & { mujoco?: unknown } = summarize(result);
        if (flags.mujoco) {
          const { mujocoMassCheck } = await import("../../bench/mujoco-mass-check.ts");
          const { readFileSync } = await import("node:fs");
          // MuJoCo's body inertias exclude joint armature, so the comparison imports without it
          const bare = loadRobotFile(file, { ...options, armature: 0 }).robot;
          const c = await mujocoMassCheck(readFileSync(file, "utf8"), bare, robotFileKind(file) === "urdf" ? "urdf" : "xml");
          summary.mujoco = { max_rel_error: c.maxRelError, total_mass: c.totalMass, bodies_compared: c.bodies.length, merged: c.merged, armature_excluded: true };
        }
        if (flags.out) {
          try {
            writeFileSync(flags.out, JSON.stringify(result.robot, null, 1) + "\n");
          } catch (e) {
            throw new SpikelocoError(`cannot write '${flags.out}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "--out");
          }
        }
        for (const w of summary.warnings) if (!flags.json) process.stderr.write(`warning: ${w}\n`);
        printResult(summary, !!flags.json, (s) =>
          [
            `${s.name}: ${s.bodies} bodies, ${s.joints} joints (${s.actuated} actuated), ${s.feet.length} feet (${s.feet.join(", ")})`,
            `mass ${s.mass.toFixed(3)} kg, rest height ${s.rest_height.toFixed(3)} m${flags.out ? `; wrote ${flags.out}` : ""}`,
            ...(s.mujoco ? [`MuJoCo mass check: ${JSON.stringify(s.mujoco)}`] : []),
          ].join("\n"),
        );
      }),
    );
  robot
    .command("stand <file>")
    .description("hold the rest posture under zero action on flat ground; report whether the robot fell (torso below half its rest height, or tipped past 60°)")
    .option("--steps <n>", "control steps", intOption("--steps", 1, 1_000_000), 1000)
    .option("--json", "print exactly one JSON object on stdout")
    .action(
      action(async (file: string, flags: StandFlags) => {
        const r = await standRobot(file, flags.steps);
        printResult(r, !!flags.json, (s) =>
          `${s.fell ? "FELL" : "stood"} for ${flags.steps} steps: torso height min ${s.torso_height.min.toFixed(3)} m, final ${s.torso_height.final.toFixed(3)} m${s.nonfinite ? " (non-finite state)" : ""}`,
        );
      }),
    );
}
