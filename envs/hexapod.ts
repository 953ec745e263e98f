/** `hexapod`: a six-legged walker with the same API as `ant`. */
import type { EnvDefinition } from "../src/env/config.ts";
import type { BodyDescription, FootDescription, JointDescription, LegDescription, RobotDescription } from "../src/physics/robot.ts";
import { LEGGED_DEFAULTS } from "./defaults.ts";
import { VERSION_HISTORY, episodeEndSection, optionsTable, startStateSection } from "./docs.ts";
import { addLeg, restHeight } from "./legs.ts";

const LEG = {
  thighLength: 0.15,
  shinLength: 0.3,
  radius: 0.04,
  bendDeg: 60,
  density: 20,
  friction: 1,
  hipLimit: (25 * Math.PI) / 180,
  kneeLimit: (25 * Math.PI) / 180,
  kp: 60,
  kd: 2,
  maxTorque: 20,
};

function hexapodRobot(): RobotDescription {
  const bodies: BodyDescription[] = [
    { name: "torso", position: [0, 0, 0], geoms: [{ shape: { kind: "box", halfExtents: [0.35, 0.15, 0.05], center: [0, 0, 0] }, density: 20, friction: 1 }] },
  ];
  const joints: JointDescription[] = [];
  const feet: FootDescription[] = [];
  const legs: LegDescription[] = [];
  const places: Array<[string, number, number]> = [
    ["front_left", 0.25, 1],
    ["front_right", 0.25, -1],
    ["middle_left", 0, 1],
    ["middle_right", 0, -1],
    ["back_left", -0.25, 1],
    ["back_right", -0.25, -1],
  ];
  for (const [name, x, side] of places) addLeg(bodies, joints, feet, legs, { ...LEG, name, hip: [x, 0.15 * side, 0], dir: [0, side] });
  return { name: "hexapod", bodies, joints, feet, legs, spawnHeight: restHeight({ ...LEG, hip: [0, 0, 0] }) };
}

const DEFAULTS: EnvDefinition["defaults"] = { ...LEGGED_DEFAULTS, healthyZRange: [0.12, 1.0] };

export const hexapod: EnvDefinition = {
  id: "hexapod",
  version: "hexapod-v3",
  summary: "six-legged walker (box torso + 6 legs x 2 hinges)",
  robot: hexapodRobot(),
  defaults: DEFAULTS,
  docs: `
## hexapod (hexapod-v3)

Six-legged walker: a box torso (0.7 × 0.3 × 0.1 m) with three legs per side at x = 0.25, 0, −0.25 m.
Each leg: hip (yaw, ±25°) with a 0.15 m thigh, knee (pitch, ±25° around a 60° downward rest bend) with a
0.3 m shin; capsules r 0.04 m; density 20 everywhere (total ≈ 0.76 kg). z is up, the robot faces +x.
Same physics and control timing as ant (Rapier impulse joints, dt 0.01 s, 5 substeps per 0.05 s
control step, 20 Hz, 4 solver iterations).

### Action space: Box(-1, 1, (12,), float32) — PD position targets

| index | name | meaning |
|---|---|---|
| 0,2,4,6,8,10 | hip_front_left, hip_front_right, hip_middle_left, hip_middle_right, hip_back_left, hip_back_right | hip yaw target, -1..1 -> -25..25° |
| 1,3,5,7,9,11 | knee_front_left, ... (same leg order) | knee pitch target, -1..1 -> -25..25° around rest (positive lifts the foot) |

PD position targets, not torques (kp 60 N·m/rad, kd 2 N·m·s/rad, torque limit 20 N·m), for the
reasons given in the ant docs. Inputs are clipped to [-1, 1]; NaN/Inf entries are replaced by 0 and
\`info.nonFiniteAction\` is set.

### Observation space: Box(-inf, inf, (41,), float32)

| index | group | names |
|---|---|---|
| 0 | height | torso_height: torso z above the nominal ground under it (m) |
| 1-4 | orientation | torso_quat_w, _x, _y, _z (world frame) |
| 5-7 | linvel | torso linear velocity in the torso frame (m/s) |
| 8-10 | angvel | torso angular velocity in the torso frame (rad/s) |
| 11-22 | jointPos | joint angles relative to rest (rad), action order |
| 23-34 | jointVel | joint velocities (rad/s) |
| 35-40 | contacts | foot contact flags (0/1, as in ant), leg order front_left, front_right, middle_left, middle_right, back_left, back_right |
| 41-42 | clock | only with clockHz > 0: clock_sin, clock_cos, as in ant |

### Reward (Gymnasium Ant-v5 terms; every term in \`info.terms\`, weights are options)

| term | formula | default weight |
|---|---|---|
| forward | forwardRewardWeight · (x_t − x_{t−1}) / controlDt | 1 |
| healthy | healthyReward while healthy (0 on the terminating step) | 1 |
| ctrl | −ctrlCostWeight · ‖a‖² (clipped action) | 0.05 (see below) |
| contact | −contactCostWeight · Σ_feet min(F_normal, 1)² | 0 (optional) |

ctrl is 0.05, not Ant-v5's 0.5, for the reason given in the ant docs (actions are posture targets).

${startStateSection(DEFAULTS)}

${episodeEndSection(DEFAULTS)}

### Options (\`makeEnv("hexapod", options)\`)

${optionsTable(DEFAULTS)}

${VERSION_HISTORY}
`,
};
