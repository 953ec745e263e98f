/** Shared test fixtures for the serve tests: a small scene and a source that emits frames on demand. */
import type { StreamSource } from "../../src/serve/source.ts";
import { allocFrame, encodeFrame, frameLayout } from "../../src/serve/wire/codec.ts";
import type { ControlMessage } from "../../src/serve/wire/controls.ts";
import { FRAME_FLAG_HEAT, type Frame, type LiveSettings, type SceneDescription } from "../../src/serve/wire/protocol.ts";

export function testScene(nHidden = 128): SceneDescription {
  return {
    envId: "test",
    bodies: [
      { name: "torso", geoms: [{ kind: "sphere", radius: 0.25, center: [0, 0, 0] }] },
      { name: "leg", geoms: [{ kind: "capsule", radius: 0.08, from: [0, 0, 0], to: [0.2, 0, -0.2] }] },
    ],
    feet: [{ name: "foot", body: 1, point: [0.2, 0, -0.2], radius: 0.08 }],
    joints: [
      { name: "a0", leg: 0, limits: [-0.5, 0.5], maxTorque: 3, child: 1 },
      { name: "a1", leg: 0, limits: [-1, 0.25], maxTorque: 2, child: 1 },
    ],
    legs: [{ name: "leg", joints: [0, 1], foot: 0 }],
    mass: 1.5,
    extent: 0.6,
    terrain: { kind: "flat", boxes: [{ center: [0, 0, -0.5], halfExtents: [50, 50, 0.5], rotation: [0, 0, 0, 1] }], course: { xMin: -50, xMax: 50, yHalf: 50 } },
    terms: ["forward", "ctrl"],
    actions: ["a0", "a1"],
    nHidden,
    neuron: { model: "lif", threshold: 1 },
    nModulators: 1,
    heatRows: 4,
    heatCols: 3,
    heatSource: { projection: "recurrent", pre: 8, post: 6 },
    controlDt: 0.05,
    maxSteps: 1000,
    controller: "fixture",
    untrained: true,
    terrainKinds: ["flat"],
  };
}

/** A frame whose every field depends on `i`, so round trips can be checked exactly. */
export function patternFrame(scene: SceneDescription, i: number, withHeat = true): Frame {
  const f = allocFrame(frameLayout(scene));
  f.step = i;
  f.episode = 3;
  f.time = i * scene.controlDt;
  f.flags = withHeat ? FRAME_FLAG_HEAT : 0;
  f.reward = 0.5 * i;
  f.episodeReturn = 0.25 * i * (i + 1);
  f.endReason = i % 5;
  for (let k = 0; k < f.poses.length; k++) f.poses[k] = i + k / 8;
  f.torsoVelocity.set([i, -i, 0.25]);
  f.push.set([0, i % 2, 0]);
  f.terms.set([i / 4, -i / 8]);
  f.actions.set([0.5, -0.25]);
  f.jointAngles.set([0.125 * i, -0.5]);
  f.torques.set([1.5, -i]);
  for (let k = 0; k < f.contactForces.length; k++) f.contactForces[k] = i * 3 + k;
  for (let k = 0; k < f.voltages.length; k++) f.voltages[k] = ((k % 9) - 4) / 4;
  f.modulators[0] = -i / 16;
  for (let k = 0; k < f.spikes.length; k++) f.spikes[k] = (k * 7 + i) % 3 === 0 ? 1 : 0;
  f.contacts[0] = i % 2;
  for (let k = 0; k < f.heat.length; k++) f.heat[k] = (k - 5) / 10;
  return f;
}

/** A stream source that emits whatever the test pushes, recording the controls it was sent. */
export class FixtureSource implements StreamSource {
  readonly mode = "live" as const;
  readonly controls: ControlMessage[] = [];
  private listeners = new Set<(b: Uint8Array) => void>();
  private live: LiveSettings = { paused: false, speed: 1, obsNoise: 0, actionNoise: 0, disabledLeg: null, terrain: "flat" };

  constructor(readonly sceneDescription: SceneDescription = testScene()) {}

  scene(): SceneDescription {
    return this.sceneDescription;
  }
  settings(): LiveSettings {
    return this.live;
  }
  conditions(): unknown {
    return {};
  }
  recordingBytes(): null {
    return null;
  }
  frameCount(): null {
    return null;
  }
  label(): string {
    return "fixture";
  }
  fileName(): null {
    return null;
  }
  onFrame(listener: (b: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(bytes: Uint8Array): void {
    for (const l of this.listeners) l(bytes);
  }
  emitFrame(i: number): void {
    this.emit(encodeFrame(patternFrame(this.sceneDescription, i), frameLayout(this.sceneDescription)));
  }
  /** The next control throws this (a bug inside a source, not a client error). */
  failNext: Error | null = null;

  control(message: ControlMessage): void {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = null;
      throw err;
    }
    this.controls.push(message);
    if (message.type === "pause") this.live = { ...this.live, paused: message.paused };
  }
  episodeInfo(): { episode: number; step: number } {
    return { episode: 0, step: 0 };
  }
  start(): void {}
  stop(): void {}
}
