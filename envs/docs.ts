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
    const idx = layout.groups[g.name]!;
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
  "- v4: physics settings chosen by measurement (tables below): ant 0.025 s x 8 solver iterations, hexapod 0.025 s x 10, instead of 0.01 s x 4; 1.46x (ant) and 1.23x (hexapod) control steps per CPU-second at the same standing height, scripted-gait speed and return. `makeEnv(\"ant-v3\")` / `\"hexapod-v3\"` rebuild the v3 settings, and a checkpoint trained on v3 loads v3.",
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

/** ant's v4 physics choice (spikeloco bench physics --env ant; numbers pasted from its --json output). */
export const ANT_PHYSICS_TABLE = `### Physics settings (v4 choice)
Measured with \`spikeloco bench physics --env ant --settings 0.01x4,0.01x2,0.0125x4,0.025x4,0.025x6,0.025x8,0.05x8,0.05x16 --json\` (8 seeds x 1000 control steps each;
standing = zero action, scripted gait = the bench's open-loop trot; slip / Coulomb = foot slip force over mu x normal
force in sliding contacts, 1 = on the friction cone). µs are CPU time on the 2-core machine, one process.

| physicsDt × iterations | physics steps per control step | µs per control step | speed-up | standing height (m) | scripted-gait speed (m/s) | scripted-gait return | slip / Coulomb |
|---|---|---|---|---|---|---|---|
| 0.01 × 4 (v3) | 5 | 207 | 1.00x | 0.5146 | 0.356 | 1156 | 0.979 |
| 0.01 × 2 | 5 | 139.9 | 1.48x | 0.4586 | -0.002 | 798 | 0.98 |
| 0.0125 × 4 | 4 | 164.5 | 1.26x | 0.5141 | 0.329 | 1128.8 | 0.971 |
| 0.025 × 4 | 2 | 90.7 | 2.28x | 0.433 | 0.073 | 872.9 | 0.926 |
| 0.025 × 6 | 2 | 114.9 | 1.80x | 0.4718 | -0.006 | 794 | 0.974 |
| 0.025 × 8 **(v4)** | 2 | 142 | 1.46x | 0.5141 | 0.353 | 1153.3 | 0.971 |
| 0.05 × 8 | 1 | 72.7 | 2.85x | 0.4337 | 0.047 | 846.6 | 0.927 |
| 0.05 × 16 | 1 | 122.5 | 1.69x | 0.5139 | -0.099 | 701.5 | 0.971 |
0.025 x 8 keeps every fidelity column of 0.01 x 4 within 1% at 1.46x; fewer iterations (0.025 x 4 or 6, 0.01 x 2) or one
physics step per control step (0.05 x 8 or 16) lose the scripted gait. What v4 changes that this table does not show
(measured against v3 on the same scripted gait): the observation's foot-contact flags agree less with Rapier's contact
pairs (0.938 of steps on flat ground against 0.995; 0.857 against 0.949 on rough ground), feet stay on the ground more
(3.3 contacts per control step, airborne 13% of steps, against 1.2 and 55%: \`spikeloco bench env --json\`), and rough
ground (amplitude 0.1) barely slows the gait (17.0 m against 17.1 m on flat, where v3 gives 14.3 against 17.5 m).`;

/** hexapod's v4 physics choice (spikeloco bench physics --env hexapod). */
export const HEXAPOD_PHYSICS_TABLE = `### Physics settings (v4 choice)
Measured with \`spikeloco bench physics --env hexapod --settings 0.01x4,0.0125x4,0.025x8,0.025x10,0.025x6 --json\` (8 seeds x 1000 control steps each;
standing = zero action, scripted gait = the bench's open-loop trot; slip / Coulomb = foot slip force over mu x normal
force in sliding contacts, 1 = on the friction cone). µs are CPU time on the 2-core machine, one process.

| physicsDt × iterations | physics steps per control step | µs per control step | speed-up | standing height (m) | scripted-gait speed (m/s) | scripted-gait return | slip / Coulomb |
|---|---|---|---|---|---|---|---|
| 0.01 × 4 (v3) | 5 | 284.5 | 1.00x | 0.2515 | 0.406 | 1105.7 | 0.86 |
| 0.0125 × 4 | 4 | 218 | 1.30x | 0.2308 | 0.156 | 856.1 | 0.878 |
| 0.025 × 8 | 2 | 194.2 | 1.47x | 0.3121 | 0.237 | 937.5 | 0.88 |
| 0.025 × 10 **(v4)** | 2 | 230.6 | 1.23x | 0.2517 | 0.408 | 1108.3 | 0.86 |
| 0.025 × 6 | 2 | 162.1 | 1.75x | 0.1814 | -0.033 | 666.7 | 0.931 |
The hexapod is more sensitive than ant: 0.025 x 8 raises its stance by 6 cm and slows the gait by 40%; 0.025 x 10 (the
same 2.5 ms internal substep as 0.01 x 4) matches it at 1.23x.`;
