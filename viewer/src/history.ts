/** The frames the viewer holds (live: the newest few minutes; replay: the whole recording), and what happened when. */
import { END_REASONS, FRAME_FLAG_DONE, FRAME_FLAG_ONSET, FRAME_FLAG_PUSH, FRAME_FLAG_RESET, type Frame, type SceneDescription } from "../../src/serve/wire/protocol.ts";

/** Frames shown across every time plot (12 s at the default 20 Hz control rate). */
export const WINDOW = 240;

/** The frames a plot shows: indices start..end (start may be negative early on), and the time cursor. */
export interface View {
  start: number;
  end: number;
  cursor: number;
}

export type MarkerKind = "episode" | "done" | "push" | "onset" | "terrain";

export interface Marker {
  index: number;
  kind: MarkerKind;
  label: string;
}

export const MARKER_COLORS: Record<MarkerKind, string> = {
  episode: "#e0a040",
  done: "#ff5050",
  push: "#ffe060",
  onset: "#c080ff",
  terrain: "#40d0e0",
};

export class History {
  frames: Frame[] = [];
  /** Scenes in force from a frame index on (a terrain switch starts a new one, the history is kept). */
  epochs: { start: number; scene: SceneDescription }[] = [];

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.frames.length;
  }

  clear(scene: SceneDescription): void {
    this.frames = [];
    this.epochs = [{ start: 0, scene }];
  }

  /** A new scene from the next frame on. */
  setScene(scene: SceneDescription): void {
    const last = this.epochs[this.epochs.length - 1];
    if (last && last.start === this.frames.length) last.scene = scene;
    else this.epochs.push({ start: this.frames.length, scene });
  }

  /** Append; returns how many old frames were dropped to stay within capacity. */
  push(frame: Frame): number {
    this.frames.push(frame);
    const drop = this.frames.length - this.capacity;
    if (drop <= 0) return 0;
    this.frames.splice(0, drop);
    for (const e of this.epochs) e.start = Math.max(0, e.start - drop);
    while (this.epochs.length > 1 && this.epochs[1]!.start === 0) this.epochs.shift();
    return drop;
  }

  sceneAt(index: number): SceneDescription {
    let s = this.epochs[0]!.scene;
    for (const e of this.epochs) if (e.start <= index) s = e.scene;
    return s;
  }

  /** Newest at the right edge while following; otherwise the cursor sits three quarters across. */
  view(cursor: number, following: boolean, width = WINDOW): View {
    if (following || this.frames.length <= width) {
      const end = Math.max(cursor, following ? cursor : Math.min(this.frames.length - 1, width - 1));
      return { start: end - width + 1, end, cursor };
    }
    let end = Math.min(this.frames.length - 1, cursor + Math.floor(width / 4));
    end = Math.max(end, width - 1);
    return { start: end - width + 1, end, cursor };
  }

  /** Episode starts and ends, pushes, damage onsets and terrain switches among frames from..to. */
  markers(from: number, to: number): Marker[] {
    const out: Marker[] = [];
    const lo = Math.max(0, from);
    const hi = Math.min(this.frames.length - 1, to);
    for (let i = lo; i <= hi; i++) {
      const f = this.frames[i]!;
      if (f.flags & FRAME_FLAG_RESET && i > 0) out.push({ index: i, kind: "episode", label: `ep ${f.episode}` });
      if (f.flags & FRAME_FLAG_DONE) out.push({ index: i, kind: "done", label: END_REASONS[f.endReason] || "end" });
      if (f.flags & FRAME_FLAG_PUSH) out.push({ index: i, kind: "push", label: "push" });
      if (f.flags & FRAME_FLAG_ONSET) out.push({ index: i, kind: "onset", label: "onset" });
    }
    for (const e of this.epochs) if (e.start > 0 && e.start >= lo && e.start <= hi) out.push({ index: e.start, kind: "terrain", label: e.scene.terrain.kind });
    return out;
  }

  /** Index of the first frame of the episode that frame `i` belongs to. */
  episodeStart(i: number): number {
    const ep = this.frames[i]?.episode;
    let k = i;
    while (k > 0 && this.frames[k - 1]!.episode === ep && !(this.frames[k]!.flags & FRAME_FLAG_RESET)) k--;
    return k;
  }
}
