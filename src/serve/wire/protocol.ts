/**
 * The viewer stream protocol, shared by the server (src/serve) and the browser app (viewer/).
 * Everything in src/serve/wire/ is bundled into the viewer: no Node imports, nothing outside wire/.
 *
 * Server -> client:
 *   text   `hello` (a new session or source: mode, settings, label, limits), then
 *   binary scene message (kind 2, scene-codec.ts: the robot, terrain heights as Uint16, names), then
 *   binary frames (kind 1, codec.ts), one per control step; a new scene message (same source, e.g. a
 *   terrain switch) may arrive between frames;
 *   text   `status`, `ack`, `error`, `pong`.
 * Client -> server: JSON text control messages (controls.ts), validated and rate-limited on the server.
 */

/** v2: binary scene message, episode return and end reason, joint angles and torques, contact forces, membrane potentials. */
export const PROTOCOL_VERSION = 2;

/** Hard cap on one client message (bytes); larger ones are answered with an error. */
export const MAX_CONTROL_MESSAGE_BYTES = 4096;

/** The binary message kinds (first byte). */
export const MESSAGE_KIND_FRAME = 1;
export const MESSAGE_KIND_SCENE = 2;

/** A protocol or file-format error in shared code (the server wraps it into its own error type). */
export class WireError extends Error {
  constructor(
    readonly reason: string,
    readonly source: string = "stream",
  ) {
    super(`${source}: ${reason}`);
    this.name = "WireError";
  }
}

/**
 * Coordinates follow the simulation: z up, x forward (the viewer rotates them into three.js' y-up).
 * Geometry is given in the body frame; poses place body frames in the world.
 */
export type SceneGeom =
  | { kind: "sphere"; radius: number; center: number[] }
  | { kind: "capsule"; radius: number; from: number[]; to: number[] }
  | { kind: "box"; halfExtents: number[]; center: number[] }
  | { kind: "cylinder"; radius: number; from: number[]; to: number[] }
  /** Convex hull of `points` (x, y, z flattened), as imported meshes are simulated. */
  | { kind: "convex"; points: number[] };

/** One rigid body to draw. */
export interface SceneBody {
  name: string;
  geoms: SceneGeom[];
}

export interface SceneHeightfield {
  nx: number;
  ny: number;
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  /** Heights on the grid: heights[ix * ny + iy] at (x0 + ix·dx, y0 + iy·dy). */
  heights: Float32Array;
}

export interface SceneTerrain {
  kind: string;
  heightfield?: SceneHeightfield;
  /** Static boxes (ground slab, stairs, stones, slopes): centre, half extents, rotation quaternion. */
  boxes: { center: number[]; halfExtents: number[]; rotation: number[] }[];
  /** Where the surface ends; the episode is truncated when the torso leaves it. */
  course: { xMin: number; xMax: number; yHalf: number };
}

/** One actuated joint, in action order. */
export interface SceneJoint {
  name: string;
  /** Index into `legs`, or null for a joint outside every leg. */
  leg: number | null;
  /** Joint limits (rad) relative to rest. */
  limits: [number, number];
  /** Motor torque limit (N·m). */
  maxTorque: number;
  /** The body the joint moves (drawn as disabled when its leg is). */
  child: number;
}

export interface SceneLeg {
  name: string;
  joints: number[];
  /** Index into `feet`. */
  foot: number;
}

/** Everything the viewer needs to interpret binary frames of one session. */
export interface SceneDescription {
  envId: string;
  bodies: SceneBody[];
  /** Contact sensors (feet), in frame order: the body, the foot point in its frame, the end-cap radius. */
  feet: { name: string; body: number; point: number[]; radius: number }[];
  joints: SceneJoint[];
  legs: SceneLeg[];
  /** Robot mass (kg): contact forces are drawn relative to its weight. */
  mass: number;
  /** Radius (m) of the robot at rest around its torso origin: camera presets and markers scale with it. */
  extent: number;
  terrain: SceneTerrain;
  /** Reward term names, in frame order. */
  terms: string[];
  /** Action names, in frame order (one per joint). */
  actions: string[];
  nHidden: number;
  /** Hidden neuron model and its spike threshold (drawn on the membrane plot; null when not a fixed value). */
  neuron: { model: string; threshold: number | null };
  /** Number of neuromodulator channels. */
  nModulators: number;
  /** Plastic-weight heat map size (rows x cols after block averaging); 0 when the controller is not plastic. */
  heatRows: number;
  heatCols: number;
  /** Which plastic projection the heat map shows and its full size (pre x post) before block averaging. */
  heatSource: { projection: string; pre: number; post: number } | null;
  controlDt: number;
  /** Truncation horizon (control steps). */
  maxSteps: number | null;
  /** Human label: agent, checkpoint, recording, "fresh (untrained) network", ... (no absolute paths). */
  controller: string;
  untrained: boolean;
  terrainKinds: string[];
}

/** Live toggles the viewer can change (also reported back in `status`). */
export interface LiveSettings {
  paused: boolean;
  speed: number;
  obsNoise: number;
  actionNoise: number;
  disabledLeg: number | null;
  terrain: string;
}

/** What a client may send, and how fast (see controls.ts). */
export interface ControlLimits {
  /** Token bucket: capacity and refill per second; each control costs CONTROL_COSTS[type] tokens. */
  burst: number;
  perSecond: number;
}

export type ServerMessage =
  | {
      type: "hello";
      version: number;
      mode: "live" | "replay";
      settings: LiveSettings | null;
      frameCount: number | null;
      conditions: unknown;
      /** The controller or recording shown (no absolute paths). */
      label: string;
      /** Replays: the recording's file name. */
      file: string | null;
      episode: number;
      limits: ControlLimits;
    }
  | { type: "status"; settings: LiveSettings; episode: number; step: number }
  | { type: "ack"; id: number | null; of: string }
  | { type: "error"; id: number | null; code: ErrorCode; message: string }
  | { type: "pong"; id: number | null; serverTime: number };

/** "internal": a valid control failed inside the simulation; the connection and the server stay up. */
export type ErrorCode = "malformed" | "too-large" | "unknown-type" | "invalid" | "unsupported" | "version" | "rate-limited" | "internal";

/** Why an episode ended (frame.endReason when FRAME_FLAG_DONE is set); index = code on the wire. */
export const END_REASONS = ["", "fell", "off course", "time limit", "non-finite state"] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Decoded binary frame (one control step). */
export interface Frame {
  step: number;
  episode: number;
  /** Seconds since the episode started. */
  time: number;
  flags: number;
  reward: number;
  /** Sum of rewards in this episode up to and including this step. */
  episodeReturn: number;
  /** Index into END_REASONS (0 unless FRAME_FLAG_DONE). */
  endReason: number;
  /** Per body: x, y, z, qx, qy, qz, qw. */
  poses: Float32Array;
  /** Torso linear velocity (world frame, m/s). */
  torsoVelocity: Float32Array;
  /** Push impulse applied this step (N·s; zeros when none, or for a scheduled push in a random direction). */
  push: Float32Array;
  terms: Float32Array;
  actions: Float32Array;
  /** Joint angles (rad, relative to rest), one per joint, from the physics state (no observation noise). */
  jointAngles: Float32Array;
  /** Motor torques (N·m) from the PD motor law, one per joint. */
  torques: Float32Array;
  /** Ground contact normal force on each foot (N, world frame, 3 per foot). */
  contactForces: Float32Array;
  modulators: Float32Array;
  /** One byte per hidden neuron after decoding (1 = spiked during this control step). */
  spikes: Uint8Array;
  /** Hidden membrane potentials after the step (quantised to 8 bits relative to their largest magnitude). */
  voltages: Float32Array;
  /** One byte per foot (1 = in contact). */
  contacts: Uint8Array;
  /** heatRows x heatCols plastic weight change, row-major; empty when absent from this frame. */
  heat: Float32Array;
}

/** The episode ended at this step (see endReason). */
export const FRAME_FLAG_DONE = 1;
/** A push was applied this step (from the viewer or scheduled by the conditions). */
export const FRAME_FLAG_PUSH = 2;
/** First step of a new episode. */
export const FRAME_FLAG_RESET = 4;
/** The frame carries a plastic-weight heat map (sent every few frames to save bandwidth). */
export const FRAME_FLAG_HEAT = 8;
/** The conditions' onset step: damage, noise etc. take effect from here. */
export const FRAME_FLAG_ONSET = 16;
