/**
 * Actuation: each joint (revolute or prismatic) has a Rapier position motor. An action in [-1, 1] maps
 * linearly onto the joint's limits as the PD target; a strength per actuator scales kp, kd and the torque
 * (force) limit (0 = limp).
 */
import type { UnitJoint } from "../physics/builder.ts";
import type { RobotDescription } from "../physics/robot.ts";

export class Motors {
  private readonly robot: RobotDescription;
  private readonly center: Float64Array;
  private readonly half: Float64Array;

  constructor(robot: RobotDescription) {
    this.robot = robot;
    this.center = Float64Array.from(robot.joints, (j) => (j.limits[0] + j.limits[1]) / 2);
    this.half = Float64Array.from(robot.joints, (j) => (j.limits[1] - j.limits[0]) / 2);
  }

  /** Torque limits for these strengths (call when they change). */
  setStrengths(joints: UnitJoint[], strength: Float64Array): void {
    this.robot.joints.forEach((jd, j) => joints[j]!.setMotorMaxForce(jd.maxTorque * strength[j]!));
  }

  /**
   * Torques (N·m; N for prismatic joints) of the PD law s·(kp·(target − q) − kd·q̇), clipped to s·maxTorque,
   * into `out`. An estimate for display: Rapier solves its motors implicitly.
   */
  torques(out: Float32Array, applied: Float32Array, strength: Float64Array, q: Float64Array, qd: Float64Array): Float32Array {
    const desc = this.robot.joints;
    for (let j = 0; j < desc.length; j++) {
      const jd = desc[j]!;
      const s = strength[j]!;
      const target = this.center[j]! + applied[j]! * this.half[j]!;
      const tau = s * (jd.kp * (target - q[j]!) - jd.kd * qd[j]!);
      const lim = s * jd.maxTorque;
      out[j] = tau > lim ? lim : tau < -lim ? -lim : tau;
    }
    return out;
  }

  /** PD targets and gains for the action `applied`. */
  drive(joints: UnitJoint[], applied: Float32Array, strength: Float64Array): void {
    const desc = this.robot.joints;
    for (let j = 0; j < desc.length; j++) {
      const jd = desc[j]!;
      const s = strength[j]!;
      joints[j]!.configureMotorPosition(this.center[j]! + applied[j]! * this.half[j]!, jd.kp * s, jd.kd * s);
    }
  }
}
