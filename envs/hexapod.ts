/** `hexapod`: a six-legged walker with the same API as `ant`. */
import type { EnvDefinition } from "../src/env/config.ts";
import type { BodyDescription, FootDescription, JointDescription, LegDescription, RobotDescription } from "../src/physics/robot.ts";
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

export const hexapod: EnvDefinition = {
  id: "hexapod",
  version: "hexapod-v1",
  summary: "six-legged walker (box torso + 6 legs x 2 hinges)",
  robot: hexapodRobot(),
  defaults: {
    maxSteps: 1000,
    controlDt: 0.05,
    physicsDt: 0.01,
    forwardRewardWeight: 1,
    healthyReward: 1,
    ctrlCostWeight: 0.5,
    contactCostWeight: 0,
    healthyZRange: [0.12, 1.0],
    terminateWhenUnhealthy: true,
    resetNoiseScale: 0.1,
    solverIterations: 4,
    gravity: -9.81,
  },
  docs: `
## hexapod (hexapod-v1)

Six-legged walker: a box torso (0.7 × 0.3 × 0.1 m) with three legs per side at x = 0.25, 0, −0.25 m.
Each leg: hip (yaw, ±25°) with a 0.15 m thigh, knee (pitch, ±25° around a 60° downward rest bend) with a
0.3 m shin; capsules r 0.04 m; density 20 everywhere (total ≈ 1.0 kg). Same physics and control timing
as ant (dt 0.01 s, 5 substeps, 20 Hz control).

### Action space: Box(-1, 1, (12,), float32) — PD position targets
Order: for each leg front_left, front_right, middle_left, middle_right, back_left, back_right:
hip_<leg>, knee_<leg>. Target = action · limit (kp 60, kd 2, torque limit 20 N·m). Same clipping and
non-finite handling as ant (see ant docs for why targets rather than torques).

### Observation space: Box(-inf, inf, (41,), float32)
torso_height (1), torso quaternion w,x,y,z (4), torso-frame linear (3) and angular (3) velocity,
12 joint angles, 12 joint velocities, 6 foot contacts — groups height, orientation, linvel, angvel,
jointPos, jointVel, contacts.

### Reward
Same terms and default weights as ant: forward (1 · dx/dt), healthy (1), ctrl (−0.5 · ‖a‖²),
contact (optional, default 0; −w · Σ min(F,1)²), each in \`info.terms\`.

### Start state / episode end
As ant, with healthyZRange [0.12, 1.0] m; truncation at maxSteps (1000).

### Options
Same as ant.
`,
};
