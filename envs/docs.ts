/** The sections of the env docs blocks, generated from the declarations (options, observation, reward terms) so they cannot drift. */
import type { EnvDefinition } from "../src/env/config.ts";
import { observationLayout, OBSERVATION_GROUPS } from "../src/env/observation.ts";
import { ENV_OPTIONS, type OptionGroup, type OptionName } from "../src/env/options.ts";
import { REWARD_TERMS } from "../src/env/reward.ts";
import type { RobotDescription } from "../src/physics/robot.ts";
import { COURSE_HALF_WIDTH, COURSE_LENGTH, FEATURE_START } from "../src/physics/terrain.ts";

type Defaults = EnvDefinition["defaults"];

const GROUP_ORDER: OptionGroup[] = ["physics", "episode", "reward", "observation", "robot", "reset"];

/** Markdown table of every option with its default for this env. */
export function optionsTable(defaults: Defaults): string {
  const names = Object.keys(ENV_OPTIONS) as OptionName[];
  const ordered = GROUP_ORDER.flatMap((g) => names.filter((k) => ENV_OPTIONS[k].group === g));
  return [
    "| option | default | unit | meaning |",
    "|---|---|---|---|",
    ...ordered.map((k) => `| ${k} | ${defaults[k] === undefined ? "—" : JSON.stringify(defaults[k])} | ${ENV_OPTIONS[k].unit} | ${ENV_OPTIONS[k].doc} |`),
    "",
    "Unknown options are rejected by name.",
  ].join("\n");
}

/** One line on the physics settings. */
export function physicsLine(d: Defaults): string {
  const substeps = Math.round(d.controlDt / d.physicsDt);
  return `Physics: Rapier impulse joints, dt ${d.physicsDt} s, ${substeps} substeps per ${d.controlDt} s control step (${Math.round(1 / d.controlDt)} Hz), ${d.solverIterations} solver iterations.`;
}

/** The observation table, one row per group of the declared layout (the clock row shown as if clockHz > 0). */
export function observationSection(robot: RobotDescription, d: Defaults): string {
  const size = observationLayout(robot, d).size;
  const layout = observationLayout(robot, { clockHz: Math.max(d.clockHz, 1) });
  const rows = OBSERVATION_GROUPS.filter((g) => layout.groups[g.name]?.length).map((g) => {
    const idx = layout.groups[g.name];
    const range = idx.length === 1 ? `${idx[0]}` : `${idx[0]}-${idx[idx.length - 1]}`;
    return `| ${range} | ${g.name} | ${g.doc(robot)} |`;
  });
  return [`### Observation space: Box(-inf, inf, (${size},), float32)`, "", "| index | group | names |", "|---|---|---|", ...rows].join("\n");
}

/** The reward table: one row per term of REWARD_TERMS with this env's default weight (plus optional notes). */
export function rewardSection(d: Defaults, notes: Partial<Record<keyof typeof REWARD_TERMS, string>> = {}): string {
  const rows = (Object.keys(REWARD_TERMS) as Array<keyof typeof REWARD_TERMS>).map((k) => {
    const t = REWARD_TERMS[k];
    return `| ${k} | ${t.formula} | ${d[t.weight]}${notes[k] ? ` (${notes[k]})` : ""} |`;
  });
  return [
    "### Reward (Gymnasium Ant-v5 terms; every term in `info.terms`, weights are options)",
    "",
    "| term | formula | default weight |",
    "|---|---|---|",
    ...rows,
  ].join("\n");
}

/** "Reset" section: the contract every env keeps. */
export const RESET_SECTION = `### Reset
Given the env's options, \`reset({seed, conditions})\` fully determines the episode: the world is rebuilt and
all episode state is set from the seed and the conditions, so a reused env gives bitwise the trajectory of a
fresh one. Without a seed, reset continues the seed chain of the previous episode; without conditions, it keeps
the last ones given (reset, setConditions or the \`conditions\` option). A rejected reset changes nothing.`;

/** The "off course" truncation, shared by every legged env. */
const COURSE_NOTE =
  `Every terrain extends ${COURSE_LENGTH} m beyond its start at x = ${FEATURE_START} m (a 1000-step episode at 3 m/s stays on it) ` +
  `and ${COURSE_HALF_WIDTH.boxes} m to each side (${COURSE_HALF_WIDTH.rough} m for rough terrain); a torso outside that region truncates the episode with ` +
  "info.offCourse = true, instead of falling off the edge.";

/** Version history shared by the legged envs (the suffix of `version`). */
export const VERSION_HISTORY = [
  "### Version history",
  "- v3: every terrain runs 150 m ahead (flat ground used to end 100 m out and the rough heightfield 36 m out and 6 m to the side, so fast or veering walkers fell off the edge in 1000 steps); leaving the course truncates (info.offCourse).",
  "- v2: ctrlCostWeight 0.05 instead of Ant-v5's 0.5 (actions are posture targets; at 0.5 standing still outscored walking); optional clock observation (clockHz).",
  "- v1: first release.",
].join("\n");

/** "Start state" section, shared by the legged envs. */
export function startStateSection(defaults: Defaults): string {
  return `### Start state
Torso above the origin with the lowest foot resting on the ground; joint angles U(±resetNoiseScale) rad
(clipped to limits), torso linear and angular velocity resetNoiseScale·N(0, 1); resetNoiseScale ${defaults.resetNoiseScale}.
All drawn from the reset seed.`;
}

/** "Episode end" section, shared by the legged envs. */
export function episodeEndSection(defaults: Defaults): string {
  return `### Episode end
terminated: torso height outside healthyZRange [${defaults.healthyZRange.join(", ")}] m (when terminateWhenUnhealthy) or any
non-finite state. truncated: maxSteps (${defaults.maxSteps}) reached, or the torso left the course. Call reset() after either.
${COURSE_NOTE}`;
}
