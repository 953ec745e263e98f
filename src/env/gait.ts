/**
 * A scripted sinusoidal gait for any robot built by envs/legs.ts (hip yaw + knee pitch per leg):
 * legs alternate in two groups (trot for the Ant, tripod for the hexapod); a leg sweeps backward
 * while its foot is down and lifts while it swings forward. Used by `npm start`, tests and benches.
 */
import type { RobotDescription } from "../physics/robot.ts";

export interface GaitParams {
  /** Stride frequency (Hz). */
  frequency: number;
  /** Hip sweep amplitude as a fraction of the action range. */
  hipAmplitude: number;
  /** Knee lift amplitude as a fraction of the action range. */
  kneeAmplitude: number;
}

export const DEFAULT_GAIT: GaitParams = { frequency: 1, hipAmplitude: 1, kneeAmplitude: 1 };

export interface Gait {
  /** Write the action for time `t` (s) into `out`. */
  action(t: number, out: Float32Array): Float32Array;
}

export function sinusoidalGait(robot: RobotDescription, params: Partial<GaitParams> = {}): Gait {
  const p = { ...DEFAULT_GAIT, ...params };
  const legs = robot.legs.map((leg) => {
    const hip = robot.joints[leg.joints[0]!]!;
    return { hipIndex: leg.joints[0]!, kneeIndex: leg.joints[1]!, side: hip.anchor[1] >= 0 ? 1 : -1, x: hip.anchor[0] };
  });
  // alternate groups: the k-th leg from the front on the left has phase k mod 2, the right side is shifted by one
  const phase = legs.map((leg) => {
    const k = legs.filter((o) => o.side === leg.side && o.x > leg.x).length;
    return ((k + (leg.side > 0 ? 0 : 1)) % 2) * Math.PI;
  });
  return {
    action(t: number, out: Float32Array): Float32Array {
      const w = 2 * Math.PI * p.frequency * t;
      for (let i = 0; i < legs.length; i++) {
        const leg = legs[i]!;
        // a positive hip angle moves a left leg backward and a right leg forward
        out[leg.hipIndex] = leg.side * p.hipAmplitude * Math.sin(w + phase[i]!);
        out[leg.kneeIndex] = -p.kneeAmplitude * Math.cos(w + phase[i]!);
      }
      return out;
    },
  };
}
