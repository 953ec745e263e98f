/** Shared pieces of the env docs blocks, generated from the definitions so defaults cannot drift. */
import type { EnvDefinition } from "../src/env/config.ts";
import { COURSE_HALF_WIDTH, COURSE_LENGTH, FEATURE_START } from "../src/physics/terrain.ts";

type Defaults = EnvDefinition["defaults"];

const MEANING: Record<keyof Defaults, string> = {
  maxSteps: "truncation horizon (control steps)",
  controlDt: "control period (s); a whole multiple of physicsDt",
  physicsDt: "physics step (s)",
  forwardRewardWeight: "weight of the forward term",
  healthyReward: "healthy term per step while healthy",
  ctrlCostWeight: "weight of the control cost",
  contactCostWeight: "weight of the contact cost (0 = off)",
  healthyZRange: "torso height above the nominal ground that counts as healthy (m)",
  terminateWhenUnhealthy: "end the episode (terminated) when unhealthy",
  resetNoiseScale: "reset noise: joint angles U(±scale) rad, torso velocity scale·N(0, 1)",
  solverIterations: "Rapier solver iterations per physics step (1..16)",
  gravity: "gravity along z (m/s²)",
  clockHz: "append a clock (clock_sin, clock_cos of 2π·clockHz·t from the episode start; group 'clock') to the observation; 0 = none",
};

/** Markdown table of every option with its default for this env. */
export function optionsTable(defaults: Defaults): string {
  const rows = (Object.keys(MEANING) as Array<keyof Defaults>).map((k) => `| ${k} | ${JSON.stringify(defaults[k])} | ${MEANING[k]} |`);
  return [
    "| option | default | meaning |",
    "|---|---|---|",
    ...rows,
    "| conditions | {} | default conditions for every reset that passes none (see src/env/conditions.ts) |",
    "| seed | 0 | seed of the first reset() without a seed (later ones continue from it) |",
    "| robot | (legged only) | env 'legged': path to a .urdf, .xml/.mjcf or robot .json file, or a robot description object |",
    "| gains | (legged only) | env 'legged': { kp, kd, maxTorque } for every actuated joint |",
    "",
    "Unknown options are rejected by name.",
  ].join("\n");
}

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
