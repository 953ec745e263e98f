/** `hexapod`: a six-legged walker with the same API as `ant`. */
import { defineEnv } from "../src/env/config.ts";
import type { BodyDescription, FootDescription, JointDescription, LegDescription, RobotDescription } from "../src/physics/robot.ts";
import { envDefaults } from "../src/env/options.ts";
import { robotMass } from "../src/physics/robot.ts";
import { RESET_SECTION, VERSION_HISTORY, episodeEndSection, observationSection, optionsTable, physicsLine, rewardSection, startStateSection } from "./docs.ts";
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

const DEFAULTS = envDefaults({ healthyZRange: [0.12, 1.0] });
const deg = (rad: number) => Math.round((rad * 180) / Math.PI);
const ROBOT = hexapodRobot();

export const hexapod = defineEnv({
  id: "hexapod",
  version: "hexapod-v3",
  summary: "six-legged walker (box torso + 6 legs x 2 hinges)",
  robot: ROBOT,
  defaults: DEFAULTS,
  docs: `
## hexapod (hexapod-v3)

Six-legged walker: a box torso (0.7 × 0.3 × 0.1 m) with three legs per side at x = 0.25, 0, −0.25 m.
Each leg: hip (yaw, ±${deg(LEG.hipLimit)}°) with a ${LEG.thighLength} m thigh, knee (pitch, ±${deg(LEG.kneeLimit)}° around a ${LEG.bendDeg}° downward rest bend) with a
${LEG.shinLength} m shin; capsules r ${LEG.radius} m; density ${LEG.density} everywhere (total ≈ ${robotMass(ROBOT).toFixed(2)} kg). z is up, the robot faces +x.
Same control scheme as ant. ${physicsLine(DEFAULTS)}

### Action space: Box(-1, 1, (${ROBOT.joints.length},), float32) — PD position targets

| index | name | meaning |
|---|---|---|
| 0,2,4,6,8,10 | hip_front_left, hip_front_right, hip_middle_left, hip_middle_right, hip_back_left, hip_back_right | hip yaw target, -1..1 -> -${deg(LEG.hipLimit)}..${deg(LEG.hipLimit)}° |
| 1,3,5,7,9,11 | knee_front_left, ... (same leg order) | knee pitch target, -1..1 -> -${deg(LEG.kneeLimit)}..${deg(LEG.kneeLimit)}° around rest (positive lifts the foot) |

PD position targets, not torques (kp ${LEG.kp} N·m/rad, kd ${LEG.kd} N·m·s/rad, torque limit ${LEG.maxTorque} N·m), for the
reasons given in the ant docs. Inputs are clipped to [-1, 1]; NaN/Inf entries are replaced by 0 and
\`info.nonFiniteAction\` is set.

${observationSection(ROBOT, DEFAULTS)}

${rewardSection(DEFAULTS, { ctrl: "see below", contact: "optional" })}

ctrl is ${DEFAULTS.ctrlCostWeight}, not Ant-v5's 0.5, for the reason given in the ant docs (actions are posture targets).

${startStateSection(DEFAULTS)}

${episodeEndSection(DEFAULTS)}

${RESET_SECTION}

### Options (\`makeEnv("hexapod", options)\`)

${optionsTable(DEFAULTS)}

${VERSION_HISTORY}
`,
});
