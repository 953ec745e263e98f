/**
 * `legged`: any imported robot (URDF, MJCF or a robot .json from `spikeloco robot import --out`) in the
 * same locomotion env as `ant` and `hexapod`. The spaces, the healthy height range, the docs block and the
 * viewer's meshes come from the robot description; PD gains and torque limits default from the file's
 * limits (kp = effort / 0.15 rad, kd = kp / 100) and `gains` overrides them for every actuated joint.
 */
import { SpikelocoError } from "../src/core/errors.ts";
import type { EnvDefinition } from "../src/env/config.ts";
import type { Gains } from "../src/physics/import/assemble.ts";
import { loadRobotFile, robotFromJson } from "../src/physics/import/load.ts";
import type { RobotDescription } from "../src/physics/robot.ts";
import { robotMass } from "../src/physics/robot.ts";
import { envDefaults } from "../src/env/options.ts";
import { RESET_SECTION, VERSION_HISTORY, episodeEndSection, observationSection, optionsTable, rewardSection, startStateSection } from "./docs.ts";

/** Healthy torso height range as fractions of the rest height (the built-in Ant's [0.2, 1.0] m is ≈ [0.4, 2] × 0.51 m). */
export const HEALTHY_FRACTION: [number, number] = [0.4, 2];

export interface LeggedOptions {
  /** Path to a .urdf / .xml / .mjcf / robot .json file, or a robot description. */
  robot?: string | RobotDescription | undefined;
  gains?: Gains | undefined;
}

function withGains(robot: RobotDescription, gains: Gains | undefined): RobotDescription {
  if (!gains || Object.keys(gains).length === 0) return robot;
  return {
    ...robot,
    joints: robot.joints.map((j) => (j.kp > 0 ? { ...j, kp: gains.kp ?? j.kp, kd: gains.kd ?? j.kd, maxTorque: gains.maxTorque ?? j.maxTorque } : j)),
  };
}

export function leggedRobot(options: LeggedOptions): RobotDescription {
  const r = options.robot;
  if (r === undefined) throw new SpikelocoError("the legged env needs a robot: makeEnv(\"legged\", { robot: \"path/to/robot.urdf\" })", "options.robot");
  if (typeof r === "string") return loadRobotFile(r, { gains: options.gains }).robot;
  return withGains(robotFromJson(r, "options.robot"), options.gains);
}

const deg = (v: number) => ((v * 180) / Math.PI).toFixed(1);

function actionTable(robot: RobotDescription): string {
  const rows = robot.joints.map((j, i) => {
    const unit = j.type === "prismatic" ? "m" : "°";
    const lo = j.type === "prismatic" ? j.limits[0].toFixed(3) : deg(j.limits[0]);
    const hi = j.type === "prismatic" ? j.limits[1].toFixed(3) : deg(j.limits[1]);
    const motor = j.kp > 0 ? `kp ${j.kp.toPrecision(3)}, kd ${j.kd.toPrecision(3)}, limit ${j.maxTorque.toPrecision(3)}` : "passive (kp 0)";
    return `| ${i} | ${j.name} | ${j.type ?? "revolute"} | -1..1 -> ${lo}..${hi} ${unit} | ${motor} |`;
  });
  return ["| index | name | joint | target | motor |", "|---|---|---|---|---|", ...rows].join("\n");
}

export function leggedDefinition(options: LeggedOptions): EnvDefinition {
  const robot = leggedRobot(options);
  const h = robot.spawnHeight;
  const defaults = envDefaults({ healthyZRange: [HEALTHY_FRACTION[0] * h, HEALTHY_FRACTION[1] * h] });
  const nJ = robot.joints.length;
  const nF = robot.feet.length;
  const source = typeof options.robot === "string" ? options.robot : "a robot description";
  return {
    id: "legged",
    version: "legged-v1",
    summary: `imported robot '${robot.name}' (${robot.bodies.length} bodies, ${nJ} joints, ${robot.legs.length} legs)`,
    robot,
    defaults,
    docs: `
## legged (legged-v1): ${robot.name}

Imported from ${source}: ${robot.bodies.length} bodies, ${nJ} joints, ${nF} feet (${robot.feet.map((f) => robot.bodies[f.body]!.name).join(", ")}),
total mass ${robotMass(robot).toFixed(3)} kg, torso rest height ${h.toFixed(3)} m. z is up, the robot faces +x. Same physics,
control timing and reward as ant (Rapier impulse joints; controlDt ${defaults.controlDt} s, physicsDt ${defaults.physicsDt} s).

### Action space: Box(-1, 1, (${nJ},), float32) — PD position targets

${actionTable(robot)}

Actions are PD position targets around the rest pose (see the ant docs for why). Default gains come from the
file: kp = effort limit / 0.15 rad (15 mm for prismatic joints), kd = kp / 100, unless the file gives position
actuators; the \`gains\` option overrides kp, kd and the torque limit of every actuated joint.

${observationSection(robot, defaults)}

${rewardSection(defaults)}

${startStateSection(defaults)}

${episodeEndSection(defaults)}
The healthy range defaults to [${HEALTHY_FRACTION.join(", ")}] × the rest height.

${RESET_SECTION}

### Options (\`makeEnv("legged", { robot, gains, ...options })\`)

${optionsTable(defaults)}

${VERSION_HISTORY}
`,
  };
}
