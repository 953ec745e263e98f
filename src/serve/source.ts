import type { ControlMessage } from "./wire/controls.ts";
import type { LiveSettings, SceneDescription } from "./wire/protocol.ts";

/** What the server streams: a live simulation or a recording. */
export interface StreamSource {
  readonly mode: "live" | "replay";
  scene(): SceneDescription;
  /** Live toggles (null for replays). */
  settings(): LiveSettings | null;
  conditions(): unknown;
  /** Replay sources expose the recording file (gzip bytes) that the viewer fetches whole. */
  recordingBytes(): Uint8Array | null;
  frameCount(): number | null;
  label(): string;
  /** Replays: the recording's file name (no directory). */
  fileName(): string | null;
  /** Encoded frames as they are produced; returns an unsubscribe function. */
  onFrame(listener: (frame: Uint8Array) => void): () => void;
  /** Scene changes without a layout change (e.g. a live terrain switch); optional. */
  onScene?(listener: (scene: SceneDescription) => void): () => void;
  /** Apply a validated control message; throws SpikelocoError when it cannot apply (e.g. replay). */
  control(message: ControlMessage): void;
  episodeInfo(): { episode: number; step: number };
  start(): void;
  stop(): void;
}

/** A recording served for replay; the viewer fetches it and plays it locally. */
export class RecordingSource implements StreamSource {
  readonly mode = "replay" as const;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly sceneDescription: SceneDescription,
    private readonly frames: number,
    private readonly recordedConditions: unknown,
    private readonly file: string,
  ) {}

  scene(): SceneDescription {
    return this.sceneDescription;
  }
  settings(): null {
    return null;
  }
  conditions(): unknown {
    return this.recordedConditions;
  }
  recordingBytes(): Uint8Array {
    return this.bytes;
  }
  frameCount(): number {
    return this.frames;
  }
  label(): string {
    return `recording ${this.file}`;
  }
  fileName(): string {
    return this.file;
  }
  onFrame(): () => void {
    return () => {};
  }
  control(message: ControlMessage): void {
    if (message.type === "hello" || message.type === "ping") return;
    throw new ReplayControlError(message.type);
  }
  episodeInfo(): { episode: number; step: number } {
    return { episode: 0, step: 0 };
  }
  start(): void {}
  stop(): void {}
}

export class ReplayControlError extends Error {
  constructor(type: string) {
    super(`'${type}' needs a live simulation; this is a replay (playback controls are in the viewer)`);
  }
}
