/**
 * A live simulation streamed to viewers: env + controller stepped on the server at the control rate
 * (times `speed`), with perturbations applied from viewer control messages.
 */
import { SpikelocoError } from "../core/errors.ts";
import type { Conditions, ResolvedConditions } from "../env/conditions.ts";
import type { Env, StepResult } from "../env/types.ts";
import { blockAverage, sceneFromEnv, sceneTerrain, TERRAIN_KINDS, type ControllerInfo } from "./scene.ts";
import type { StreamSource } from "./source.ts";
import { allocFrame, encodeFrame, frameLayout, type FrameLayout } from "./wire/codec.ts";
import type { ControlMessage } from "./wire/controls.ts";
import {
  END_REASONS,
  FRAME_FLAG_DONE,
  FRAME_FLAG_HEAT,
  FRAME_FLAG_ONSET,
  FRAME_FLAG_PUSH,
  FRAME_FLAG_RESET,
  type EndReason,
  type Frame,
  type LiveSettings,
  type SceneDescription,
} from "./wire/protocol.ts";

/** What the live simulation needs from a controller (an SNN policy; see live-controller.ts). */
export interface LiveController {
  readonly info: ControllerInfo;
  /** Clear the episode state (membranes, traces, plastic H). */
  reset(): void;
  /** Raw observation -> action. */
  act(obs: Float32Array, action: Float32Array): void;
  /** Hidden-layer spikes of the last act() (1 byte per neuron, length info.hiddenSize). */
  hiddenSpikes(): Uint8Array;
  /** Hidden membrane potentials after the last act() (length info.hiddenSize). */
  hiddenVoltages(): Float32Array;
  /** Neuromodulator value(s) of the last act(). */
  modulators(out: Float32Array): void;
  /** The plastic weight change (pre x post, row-major) of the last act(), or null when not plastic. */
  plasticChange(): Float32Array | null;
}

/** The env readings the viewer shows beyond the Env API (LocomotionEnv has them). */
export interface TelemetryEnv extends Env {
  readonly maxSteps: number;
  jointPositions(out: Float32Array): Float32Array;
  jointTorques(out: Float32Array): Float32Array;
  contactForces(out: Float32Array): Float32Array;
}

export interface LiveOptions {
  seed?: number | undefined;
  conditions?: Conditions | undefined;
  /** Send the plastic-weight heat map every this many frames (bandwidth). */
  heatEvery?: number | undefined;
  speed?: number | undefined;
  /** Called when the simulation loop throws (the loop stops). */
  onError?: ((err: unknown) => void) | undefined;
}

/** Why an episode ended, from the step result. */
export function endReason(r: StepResult): EndReason {
  if (r.terminated) return Number.isFinite(r.info.torsoHeight) ? "fell" : "non-finite state";
  if (r.truncated) return r.info.offCourse ? "off course" : "time limit";
  return "";
}

/** The push the conditions schedule at step t (the env applies it inside step()), or null. */
function scheduledPush(c: ResolvedConditions, t: number): number[] | null {
  const p = c.pushes;
  if (!p || p.impulse <= 0 || t <= c.onsetStep || (t - c.onsetStep) % p.interval !== 0) return null;
  if (p.direction === "random") return [0, 0, 0]; // drawn inside the env; the viewer marks the step without an arrow
  const d = p.direction;
  const n = Math.hypot(d[0], d[1], d[2]) || 1;
  return [(p.impulse * d[0]) / n, (p.impulse * d[1]) / n, (p.impulse * d[2]) / n];
}

export class LiveSimulation implements StreamSource {
  readonly mode = "live" as const;
  private readonly listeners = new Set<(b: Uint8Array) => void>();
  private readonly sceneListeners = new Set<(s: SceneDescription) => void>();
  private sceneDescription: SceneDescription;
  private layout: FrameLayout;
  private readonly frame: Frame;
  private readonly action: Float32Array;
  private obs: Float32Array;
  private live: LiveSettings;
  private readonly baseConditions: Conditions;
  private readonly heatEvery: number;
  private readonly prevTorso = new Float64Array(3);
  private pendingPush: [number, number, number] | null = null;
  private justReset = true;
  private episode = 0;
  private stepInEpisode = 0;
  private episodeReturn = 0;
  private seed: number;
  private timer: NodeJS.Timeout | null = null;
  private due = 0;
  private lastTick = 0;
  frameCounter = 0;

  constructor(
    private readonly env: TelemetryEnv,
    private readonly controller: LiveController,
    private readonly options: LiveOptions = {},
  ) {
    this.seed = options.seed ?? 0;
    this.baseConditions = options.conditions ?? {};
    this.heatEvery = Math.max(1, options.heatEvery ?? 4);
    const baseTerrain = (this.baseConditions as { terrain?: { kind: string } }).terrain?.kind ?? "flat";
    this.live = { paused: false, speed: options.speed ?? 1, obsNoise: 0, actionNoise: 0, disabledLeg: null, terrain: baseTerrain };
    const first = env.reset({ seed: this.seed, conditions: this.mergedConditions() });
    controller.reset();
    this.obs = first.obs;
    this.sceneDescription = sceneFromEnv(env, Object.keys(first.info.terms), controller.info, env.maxSteps);
    this.layout = frameLayout(this.sceneDescription);
    this.frame = allocFrame(this.layout);
    this.action = new Float32Array(env.actionSpace.shape[0]);
    this.captureTorso();
  }

  scene(): SceneDescription {
    return this.sceneDescription;
  }
  settings(): LiveSettings {
    return { ...this.live };
  }
  conditions(): unknown {
    return this.mergedConditions();
  }
  recordingBytes(): null {
    return null;
  }
  frameCount(): null {
    return null;
  }
  label(): string {
    return this.controller.info.label;
  }
  fileName(): null {
    return null;
  }
  episodeInfo(): { episode: number; step: number } {
    return { episode: this.episode, step: this.stepInEpisode };
  }
  onFrame(listener: (b: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onScene(listener: (s: SceneDescription) => void): () => void {
    this.sceneListeners.add(listener);
    return () => this.sceneListeners.delete(listener);
  }

  private mergedConditions(): Conditions {
    const c: Record<string, unknown> = { ...this.baseConditions };
    if (this.live.obsNoise > 0) c.obsNoise = { sigma: this.live.obsNoise };
    if (this.live.actionNoise > 0) c.actionNoise = { sigma: this.live.actionNoise };
    if (this.live.disabledLeg !== null) {
      const base = (this.baseConditions.disabledLegs ?? []) as number[];
      c.disabledLegs = [...new Set([...base, this.live.disabledLeg])];
      // A live toggle takes effect now, whatever onset the base conditions gave.
      c.onsetStep = 0;
    }
    const baseTerrain = (this.baseConditions as { terrain?: { kind: string } }).terrain;
    if (this.live.terrain !== (baseTerrain?.kind ?? "flat")) c.terrain = { kind: this.live.terrain };
    return c as Conditions;
  }

  /** Apply one viewer control (validated by the server). Throws SpikelocoError when it cannot apply. */
  control(message: ControlMessage): void {
    switch (message.type) {
      case "hello":
      case "ping":
        return;
      case "pause":
        this.live.paused = message.paused;
        this.lastTick = performance.now();
        this.due = 0;
        return;
      case "step":
        this.live.paused = true;
        this.tickOnce();
        return;
      case "speed":
        this.live.speed = message.speed;
        return;
      case "push":
        this.pendingPush = [...message.impulse];
        if (this.live.paused) this.tickOnce();
        return;
      case "noise":
        if (message.obs !== undefined) this.live.obsNoise = message.obs;
        if (message.action !== undefined) this.live.actionNoise = message.action;
        this.env.setConditions(this.mergedConditions());
        return;
      case "disableLeg":
        if (message.leg !== null && message.leg >= this.sceneDescription.legs.length) {
          throw new SpikelocoError(`leg ${message.leg} does not exist (the robot has ${this.sceneDescription.legs.length} legs)`, "disableLeg.leg");
        }
        this.live.disabledLeg = message.leg;
        this.env.setConditions(this.mergedConditions());
        return;
      case "terrain":
        if (!TERRAIN_KINDS.includes(message.kind)) {
          throw new SpikelocoError(`unknown terrain '${message.kind}' (known: ${TERRAIN_KINDS.join(", ")})`, "terrain.kind");
        }
        if (message.kind === this.live.terrain) return;
        this.live.terrain = message.kind;
        this.resetEpisode(this.seed);
        return;
      case "reset":
        this.resetEpisode(message.seed ?? this.seed + 1);
        return;
    }
  }

  private resetEpisode(seed: number): void {
    this.seed = seed;
    const terrainBefore = this.env.terrain;
    const r = this.env.reset({ seed, conditions: this.mergedConditions() });
    this.controller.reset();
    this.obs = r.obs;
    this.episode++;
    this.stepInEpisode = 0;
    this.episodeReturn = 0;
    this.justReset = true;
    this.captureTorso();
    if (this.env.terrain !== terrainBefore) {
      this.sceneDescription = { ...this.sceneDescription, terrain: sceneTerrain(this.env.terrain) };
      for (const l of this.sceneListeners) l(this.sceneDescription);
    }
  }

  private captureTorso(): void {
    const poses = this.env.bodyPoses(this.frame?.poses);
    this.prevTorso[0] = poses[0]!;
    this.prevTorso[1] = poses[1]!;
    this.prevTorso[2] = poses[2]!;
  }

  /** Advance one control step and return the frame (owned by the simulation; copy to keep). */
  stepOnce(): Frame {
    const f = this.frame;
    const env = this.env;
    let flags = this.justReset ? FRAME_FLAG_RESET : 0;
    this.justReset = false;
    f.push.fill(0);
    if (this.pendingPush) {
      env.applyPush(this.pendingPush);
      f.push.set(this.pendingPush);
      flags |= FRAME_FLAG_PUSH;
      this.pendingPush = null;
    }
    this.controller.act(this.obs, this.action);
    const r = env.step(this.action);
    this.obs = r.obs;
    const t = r.info.step - 1;
    const conditions = r.info.conditions;
    const scheduled = scheduledPush(conditions, t);
    if (scheduled) {
      for (let k = 0; k < 3; k++) f.push[k]! += scheduled[k]!;
      flags |= FRAME_FLAG_PUSH;
    }
    if (conditions.onsetStep > 0 && t === conditions.onsetStep) flags |= FRAME_FLAG_ONSET;
    env.bodyPoses(f.poses);
    const dt = env.controlDt;
    for (let k = 0; k < 3; k++) {
      f.torsoVelocity[k] = (f.poses[k]! - this.prevTorso[k]!) / dt;
      this.prevTorso[k] = f.poses[k]!;
    }
    f.step = r.info.step;
    f.episode = this.episode;
    f.time = r.info.step * dt;
    f.reward = r.reward;
    this.episodeReturn += r.reward;
    f.episodeReturn = this.episodeReturn;
    const terms = this.sceneDescription.terms;
    for (let k = 0; k < terms.length; k++) f.terms[k] = r.info.terms[terms[k]!] ?? 0;
    f.actions.set(this.action);
    env.jointPositions(f.jointAngles);
    env.jointTorques(f.torques);
    env.contactForces(f.contactForces);
    f.spikes.set(this.controller.hiddenSpikes().subarray(0, f.spikes.length));
    f.voltages.set(this.controller.hiddenVoltages().subarray(0, f.voltages.length));
    this.controller.modulators(f.modulators);
    f.contacts.set(env.footContacts().subarray(0, f.contacts.length));
    const plastic = this.controller.info.plastic;
    if (plastic && this.frameCounter % this.heatEvery === 0) {
      const change = this.controller.plasticChange();
      if (change) {
        blockAverage(change, plastic.pre, plastic.post, f.heat, this.sceneDescription.heatRows, this.sceneDescription.heatCols);
        flags |= FRAME_FLAG_HEAT;
      }
    }
    this.stepInEpisode++;
    const reason = endReason(r);
    f.endReason = END_REASONS.indexOf(reason);
    if (reason !== "") flags |= FRAME_FLAG_DONE;
    f.flags = flags;
    this.frameCounter++;
    return f;
  }

  /** Step once, publish the frame, and start a new episode when this one ended. */
  tickOnce(): void {
    const frame = this.stepOnce();
    const bytes = encodeFrame(frame, this.layout);
    for (const l of this.listeners) l(bytes);
    if (frame.flags & FRAME_FLAG_DONE) this.resetEpisode(this.seed + 1);
  }

  start(): void {
    if (this.timer) return;
    this.lastTick = performance.now();
    this.due = 0;
    const loop = () => {
      const now = performance.now();
      if (!this.live.paused) {
        this.due += ((now - this.lastTick) / 1000) * this.live.speed / this.env.controlDt;
        // Catch up at most a few steps per tick so a stalled process does not burst.
        let n = Math.min(8, Math.floor(this.due));
        this.due = Math.min(this.due - n, 8);
        try {
          while (n-- > 0) this.tickOnce();
        } catch (err) {
          this.stop();
          this.options.onError?.(err);
          return;
        }
      }
      this.lastTick = now;
      this.timer = setTimeout(loop, Math.max(1, Math.min(20, (this.env.controlDt * 1000) / this.live.speed / 2)));
    };
    this.timer = setTimeout(loop, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
