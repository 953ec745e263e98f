/**
 * The viewer stream protocol, shared by the server (src/serve) and the browser app (viewer/).
 * This module must stay free of Node imports: esbuild bundles it into the viewer.
 *
 * Server -> client: JSON text messages (`ServerMessage`) and binary frames (see codec.ts).
 * Client -> server: JSON text control messages (`ControlMessage`), validated on the server.
 */

export const PROTOCOL_VERSION = 1;

/** Hard cap on one client message (bytes); larger ones are answered with an error. */
export const MAX_CONTROL_MESSAGE_BYTES = 4096;

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

export interface SceneTerrain {
  kind: string;
  /** Heights on a regular grid: heights[ix * ny + iy] at (x0 + ix·dx, y0 + iy·dy). */
  heightfield?: { nx: number; ny: number; x0: number; y0: number; dx: number; dy: number; heights: number[] };
  /** Static boxes (ground slab, stairs, stones, slopes): centre, half extents, rotation quaternion. */
  boxes: { center: number[]; halfExtents: number[]; rotation: number[] }[];
}

/** Everything the viewer needs to interpret binary frames of one session. */
export interface SceneDescription {
  envId: string;
  bodies: SceneBody[];
  /** Contact sensors (feet), in frame order: the body and the foot point in its frame. */
  feet: { name: string; body: number; point: number[] }[];
  terrain: SceneTerrain;
  /** Reward term names, in frame order. */
  terms: string[];
  /** Action names, in frame order. */
  actions: string[];
  nHidden: number;
  /** Number of neuromodulator channels. */
  nModulators: number;
  /** Plastic-weight heat map size (rows x cols after block averaging); 0 when the controller is not plastic. */
  heatRows: number;
  heatCols: number;
  controlDt: number;
  /** Human label: agent, checkpoint, recording, "fresh (untrained) network", ... */
  controller: string;
  untrained: boolean;
  legs: number;
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

export type ServerMessage =
  | { type: "hello"; version: number; mode: "live" | "replay"; scene: SceneDescription; settings: LiveSettings | null; frameCount: number | null; conditions: unknown }
  | { type: "status"; settings: LiveSettings; episode: number; step: number }
  | { type: "scene"; scene: SceneDescription; mode: "live" | "replay"; frameCount: number | null; label: string }
  | { type: "ack"; id: number | null; of: string }
  | { type: "error"; id: number | null; code: ErrorCode; message: string }
  | { type: "pong"; id: number | null; serverTime: number };

/** "internal": a valid control failed inside the simulation; the connection and the server stay up. */
export type ErrorCode = "malformed" | "too-large" | "unknown-type" | "invalid" | "unsupported" | "version" | "internal";

export type ControlMessage =
  | { type: "hello"; version: number; id?: number }
  | { type: "ping"; id?: number }
  | { type: "pause"; paused: boolean; id?: number }
  /** Pause (if running) and advance exactly one control step. */
  | { type: "step"; id?: number }
  | { type: "reset"; seed?: number; id?: number }
  | { type: "speed"; speed: number; id?: number }
  | { type: "push"; impulse: [number, number, number]; id?: number }
  | { type: "noise"; obs?: number; action?: number; id?: number }
  | { type: "disableLeg"; leg: number | null; id?: number }
  | { type: "terrain"; kind: string; id?: number };

export const CONTROL_TYPES = ["hello", "ping", "pause", "step", "reset", "speed", "push", "noise", "disableLeg", "terrain"] as const;

/** Decoded binary frame (one control step). */
export interface Frame {
  step: number;
  episode: number;
  time: number;
  /** Bit 0: episode ended this step (fell or truncated); bit 1: a push was applied; bit 2: reset happened. */
  flags: number;
  reward: number;
  /** Per body: x, y, z, qx, qy, qz, qw. */
  poses: Float32Array;
  /** Torso linear velocity (world frame). */
  torsoVelocity: Float32Array;
  /** Push impulse applied this step (zeros when none). */
  push: Float32Array;
  terms: Float32Array;
  actions: Float32Array;
  modulators: Float32Array;
  /** One byte per hidden neuron after decoding (1 = spiked during this control step). */
  spikes: Uint8Array;
  /** One byte per foot (1 = in contact). */
  contacts: Uint8Array;
  /** heatRows x heatCols plastic weight change, row-major; empty when absent from this frame. */
  heat: Float32Array;
}

export const FRAME_FLAG_DONE = 1;
export const FRAME_FLAG_PUSH = 2;
export const FRAME_FLAG_RESET = 4;
/** The frame carries a plastic-weight heat map (sent every few frames to save bandwidth). */
export const FRAME_FLAG_HEAT = 8;
