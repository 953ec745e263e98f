/**
 * `ant`: an Ant-like quadruped after Gymnasium's MuJoCo Ant (ant.xml sizes and density).
 */
import { defineEnv } from "../src/env/config.ts";
import type { BodyDescription, FootDescription, JointDescription, LegDescription, RobotDescription } from "../src/physics/robot.ts";
import { robotMass } from "../src/physics/robot.ts";
import { envDefaults } from "../src/env/options.ts";
import { ANT_PHYSICS_TABLE, RESET_SECTION, VERSION_HISTORY, episodeEndSection, observationSection, optionsTable, physicsLine, rewardSection, startStateSection } from "./docs.ts";
import { addLeg, restHeight } from "./legs.ts";

const DENSITY = 5; // ant.xml <geom density="5.0">
const RADIUS = 0.08;
const LEG = {
  thighLength: 0.2 * Math.SQRT2,
  shinLength: 0.4 * Math.SQRT2,
  radius: RADIUS,
  bendDeg: 50, // middle of ant.xml's 30..70° ankle range, baked into the shin
  density: DENSITY,
  friction: 1,
  hipLimit: (30 * Math.PI) / 180,
  kneeLimit: (20 * Math.PI) / 180,
  kp: 200,
  kd: 2,
  maxTorque: 30,
};

function antRobot(): RobotDescription {
  const bodies: BodyDescription[] = [
    {
      name: "torso",
      position: [0, 0, 0],
      geoms: [
        { shape: { kind: "sphere", radius: 0.25, center: [0, 0, 0] }, density: DENSITY, friction: 1 },
        ...[
          [1, 1],
          [1, -1],
          [-1, 1],
          [-1, -1],
        ].map(([sx, sy]) => [sx!, sy!] as const).map(([sx, sy]) => ({ shape: { kind: "capsule" as const, radius: RADIUS, from: [0, 0, 0] as [number, number, number], to: [0.2 * sx, 0.2 * sy, 0] as [number, number, number] }, density: DENSITY, friction: 1 })),
      ],
    },
  ];
  const joints: JointDescription[] = [];
  const feet: FootDescription[] = [];
  const legs: LegDescription[] = [];
  const corners: Array<[string, number, number]> = [
    ["front_left", 1, 1],
    ["front_right", 1, -1],
    ["back_left", -1, 1],
    ["back_right", -1, -1],
  ];
  for (const [name, sx, sy] of corners) {
    addLeg(bodies, joints, feet, legs, { ...LEG, name, hip: [0.2 * sx, 0.2 * sy, 0], dir: [sx / Math.SQRT2, sy / Math.SQRT2] });
  }
  return { name: "ant", bodies, joints, feet, legs, spawnHeight: restHeight({ ...LEG, hip: [0, 0, 0] }) };
}

/**
 * v4 physics: two 0.025 s physics steps of 8 solver iterations per control step instead of five 0.01 s
 * steps of 4. Rapier's iterations are internal substeps, so fidelity follows physicsDt / iterations while
 * each physics step also has a fixed cost (ANT_PHYSICS_TABLE in docs.ts has the measurement).
 */
const V3_PHYSICS = { physicsDt: 0.01, solverIterations: 4 } as const;
const DEFAULTS = envDefaults({ physicsDt: 0.025, solverIterations: 8 });
const deg = (rad: number) => Math.round((rad * 180) / Math.PI);
const ROBOT = antRobot();

export const ant = defineEnv({
  id: "ant",
  version: "ant-v4",
  earlierVersions: { "ant-v3": V3_PHYSICS },
  summary: "Ant-like quadruped (torso + 4 legs x 2 hinges), Gymnasium Ant-v5 reward terms",
  robot: ROBOT,
  defaults: DEFAULTS,
  docs: `
## ant (ant-v4)

Ant-like quadruped after Gymnasium's MuJoCo Ant: a sphere torso (r 0.25 m) with four legs, each a hip
(yaw, ±${deg(LEG.hipLimit)}°) and an ankle/knee (pitch, ±${deg(LEG.kneeLimit)}° around a ${LEG.bendDeg}° downward rest bend), capsules r ${RADIUS} m, density ${DENSITY}
(total ≈ ${robotMass(ROBOT).toFixed(2)} kg). z is up, the robot faces +x. ${physicsLine(DEFAULTS)}

### Action space: Box(-1, 1, (${ROBOT.joints.length},), float32) — PD position targets

| index | name | meaning |
|---|---|---|
| 0,2,4,6 | hip_front_left, hip_front_right, hip_back_left, hip_back_right | hip yaw target, -1..1 -> -${deg(LEG.hipLimit)}..${deg(LEG.hipLimit)}° |
| 1,3,5,7 | knee_front_left, ... | ankle pitch target, -1..1 -> -${deg(LEG.kneeLimit)}..${deg(LEG.kneeLimit)}° around rest (positive lifts the foot) |

Actions are **PD position targets**, not torques: each joint has a Rapier ForceBased position motor
(kp ${LEG.kp} N·m/rad, kd ${LEG.kd} N·m·s/rad, torque limit ${LEG.maxTorque} N·m; Rapier's iterative solver leaves
visible tracking error under load with softer gains). Why: (1) at a 20 Hz control rate torques
held for a 50 ms control step on 0.04–0.07 kg links leave the Ant collapsed (random torques: torso
z ≈ 0.25 m vs 0.44 m with position motors, reference/feasibility.md), while the implicit PD in the
solver is stable at any gain; (2) a spiking controller's rate-decoded output maps naturally to a
posture, and "action 0 = stand" gives every controller a safe default; (3) motor-strength and
disabled-leg conditions become exact: they scale (or zero) kp, kd and the torque limit, and a
disabled leg is limp. Caveat (measured): the gains are stiff for these light links, so the scripted
gait covers about the same distance down to motorStrength 0.1; only scales below ~0.05 weaken it
clearly. Inputs are clipped to [-1, 1]; NaN/Inf entries are replaced by 0 and
\`info.nonFiniteAction\` is set.

${observationSection(ROBOT, DEFAULTS)}

${rewardSection(DEFAULTS, {
    ctrl: "see below",
    contact: "optional: Gymnasium v5 uses 5e-4, v4 and Brax 0; enabling it reads Rapier's contact manifolds, ~30 µs per control step",
  })}

Why ctrl is ${DEFAULTS.ctrlCostWeight} and not Ant-v5's 0.5: there the action is a torque, here a posture target, so ‖a‖² measures
how far the legs are from rest rather than effort. At 0.5, standing still (return ≈ 1000 over 1000 steps)
outscores the scripted trot at its best speed (≈ 0.45 m/s, mean ‖a‖² ≈ 2.5, return ≈ 200), so no learner is
paid to walk; at ${DEFAULTS.ctrlCostWeight} the cost still penalises extreme postures (${DEFAULTS.ctrlCostWeight * 2.5} per step for that trot) while
walking pays.

${startStateSection(DEFAULTS)}

${episodeEndSection(DEFAULTS)}

${RESET_SECTION}

### Options (\`makeEnv("ant", options)\`)

${optionsTable(DEFAULTS)}

${VERSION_HISTORY}

${ANT_PHYSICS_TABLE}
`,
});
