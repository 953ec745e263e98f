/** The live simulation behind the viewer: real Ant env + a fresh nm-hebb SNN, stepped on the server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { makeEnv } from "../../envs/index.ts";
import type { Env } from "../../src/env/types.ts";
import { robotMass } from "../../src/physics/robot.ts";
import { saveCheckpoint } from "../../src/policy/checkpoint.ts";
import { encodeFrame, frameLayout } from "../../src/serve/codec.ts";
import { freshController, snnController, type ControllerSource } from "../../src/serve/controller.ts";
import { LiveSimulation } from "../../src/serve/live.ts";
import { FRAME_FLAG_DONE, FRAME_FLAG_HEAT, FRAME_FLAG_PUSH, FRAME_FLAG_RESET, type SceneDescription, type ServerMessage } from "../../src/serve/protocol.ts";
import { decodeRecording } from "../../src/serve/recording.ts";
import { parseControlMessage } from "../../src/serve/validate.ts";
import { recordEpisode, startWatchServer } from "../../src/serve/watch.ts";

let envA: Env;
let envB: Env;
let fresh: ControllerSource;
const dir = mkdtempSync(join(tmpdir(), "spikeloco-live-"));

beforeAll(async () => {
  envA = await makeEnv("ant");
  envB = await makeEnv("ant");
  fresh = await freshController(envA, "nm-hebb", 3);
});
afterAll(() => {
  envA?.close();
  envB?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sim = (env: Env, seed = 5) => new LiveSimulation(env, snnController(fresh, env), { seed, heatEvery: 4 });

describe("live simulation", () => {
  it("describes the Ant scene and produces frames with poses, spikes, modulator, terms and heat", () => {
    const live = sim(envA);
    const scene = live.scene();
    expect(scene.envId).toBe("ant");
    expect(scene.bodies.length).toBe(envA.robot.bodies.length);
    expect(scene.feet.length).toBe(4);
    expect(scene.terms).toEqual(["forward", "healthy", "ctrl", "contact"]);
    expect(scene.actions.length).toBe(8);
    expect(scene.nHidden).toBe(64); // agents/base.json
    expect(scene.nModulators).toBe(1);
    expect([scene.heatRows, scene.heatCols]).toEqual([16, 16]);
    expect(scene.untrained).toBe(true);
    let spikes = 0;
    let heatFrames = 0;
    const torso0 = live.stepOnce().poses.slice(0, 3);
    let moved = 0;
    for (let i = 1; i < 40; i++) {
      const f = live.stepOnce();
      spikes += f.spikes.reduce((a, b) => a + b, 0);
      if (f.flags & FRAME_FLAG_HEAT) heatFrames++;
      moved = Math.max(moved, Math.hypot(f.poses[0] - torso0[0], f.poses[1] - torso0[1], f.poses[2] - torso0[2]));
      expect(f.reward).toBeCloseTo(f.terms.reduce((a, b) => a + b, 0), 4);
      expect(Number.isFinite(f.modulators[0])).toBe(true);
    }
    expect(spikes).toBeGreaterThan(0);
    expect(heatFrames).toBe(9); // heat every 4th frame: frames 4, 8, ..., 36 of the loop over frames 1..39
    expect(moved).toBeGreaterThan(1e-3);
  });

  it("shows the plastic weight change, which stays zero when plasticity is frozen (eval ablation)", () => {
    const live = sim(envA, 7);
    const frozen = snnController(fresh, envB, { freezePlasticity: true });
    const still = new LiveSimulation(envB, frozen, { seed: 7, heatEvery: 1 });
    expect(still.scene().controller).toMatch(/\[plasticity frozen\]$/);
    let moving = 0;
    let stuck = 0;
    for (let i = 0; i < 30; i++) {
      const a = live.stepOnce();
      const b = still.stepOnce();
      if (a.flags & FRAME_FLAG_HEAT) moving = Math.max(moving, ...Array.from(a.heat, Math.abs));
      stuck = Math.max(stuck, ...Array.from(b.heat, Math.abs));
    }
    expect(moving).toBeGreaterThan(0);
    expect(stuck).toBe(0);
  });

  it("is deterministic: two simulations with the same seed stream identical bytes", () => {
    const a = sim(envA, 9);
    const b = sim(envB, 9);
    const layout = frameLayout(a.scene());
    for (let i = 0; i < 25; i++) expect(Buffer.from(encodeFrame(a.stepOnce(), layout)).equals(Buffer.from(encodeFrame(b.stepOnce(), layout)))).toBe(true);
  });

  it("a push adds about impulse / mass to the streamed torso velocity", () => {
    const a = sim(envA, 11);
    const b = sim(envB, 11);
    for (let i = 0; i < 10; i++) {
      a.stepOnce();
      b.stepOnce();
    }
    a.control({ type: "push", impulse: [0, 1, 0] });
    const pushed = a.stepOnce();
    const plain = b.stepOnce();
    expect(pushed.flags & FRAME_FLAG_PUSH).toBe(FRAME_FLAG_PUSH);
    expect(Array.from(pushed.push)).toEqual([0, 1, 0]);
    const dv = pushed.torsoVelocity[1] - plain.torsoVelocity[1];
    const expected = 1 / robotMass(envA.robot); // ~1.1 m/s before contact forces and joints share it out
    expect(dv).toBeGreaterThan(0.3 * expected);
    expect(dv).toBeLessThan(1.5 * expected);
  });

  it("live toggles change the conditions and the dynamics; bad toggles are refused by name", () => {
    const a = sim(envA, 13);
    const b = sim(envB, 13);
    a.control({ type: "disableLeg", leg: 0 });
    a.control({ type: "noise", obs: 0.2 });
    expect(a.conditions()).toMatchObject({ disabledLegs: [0], obsNoise: { sigma: 0.2 }, onsetStep: 0 });
    expect(a.settings()).toMatchObject({ disabledLeg: 0, obsNoise: 0.2 });
    let diff = 0;
    for (let i = 0; i < 20; i++) {
      const fa = a.stepOnce();
      const fb = b.stepOnce();
      for (let k = 0; k < fa.poses.length; k++) diff = Math.max(diff, Math.abs(fa.poses[k] - fb.poses[k]));
    }
    expect(diff).toBeGreaterThan(1e-3);
    expect(() => a.control({ type: "disableLeg", leg: 7 })).toThrow(/disableLeg\.leg: leg 7 does not exist \(the robot has 4 legs\)/);
    expect(() => a.control({ type: "terrain", kind: "lava" })).toThrow(/terrain\.kind: unknown terrain 'lava'/);
  });

  it("switching terrain resets the episode and announces the new scene; reset restarts the step count", () => {
    const live = sim(envA, 17);
    const scenes: SceneDescription[] = [];
    live.onScene((s) => scenes.push(s));
    for (let i = 0; i < 5; i++) live.stepOnce();
    live.control({ type: "terrain", kind: "stairs" });
    expect(scenes.length).toBe(1);
    expect(scenes[0].terrain.kind).toBe("stairs");
    expect(scenes[0].terrain.boxes.length).toBeGreaterThan(3);
    const first = live.stepOnce();
    expect(first.flags & FRAME_FLAG_RESET).toBe(FRAME_FLAG_RESET);
    expect(first.step).toBe(1);
    expect(first.episode).toBe(1);
    live.control({ type: "reset", seed: 99 });
    expect(live.stepOnce().episode).toBe(2);
  });

  it("'step' pauses the simulation and streams exactly one more control step", () => {
    const live = sim(envA, 19);
    const steps: number[] = [];
    live.onFrame(() => steps.push(live.episodeInfo().step));
    live.tickOnce();
    live.control({ type: "step" });
    expect(live.settings().paused).toBe(true);
    live.control({ type: "step" });
    expect(steps).toEqual([1, 2, 3]);
    expect(parseControlMessage('{"type":"step","id":3}')).toEqual({ ok: true, message: { type: "step", id: 3 } });
    expect(parseControlMessage('{"type":"step","n":2}')).toMatchObject({ ok: false, code: "invalid" });
  });

  it("records an episode headless into a recording that decodes back", () => {
    const env = envB;
    const writer = recordEpisode(env, snnController(fresh, env), { seed: 21, maxSteps: 30, meta: { test: true } });
    const rec = decodeRecording(writer.toBytes());
    expect(rec.frames.length).toBe(30);
    expect(rec.header.meta).toMatchObject({ seed: 21, test: true });
    expect(rec.frames.every((f) => (f.flags & FRAME_FLAG_HEAT) !== 0)).toBe(true);
    expect(rec.frames.filter((f) => f.flags & FRAME_FLAG_DONE).length).toBeLessThanOrEqual(1);
    expect(rec.frames.map((f) => f.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});

describe("watch server for training", () => {
  it("follows a run directory and streams each new checkpoint's controller", async () => {
    const w = await startWatchServer({ port: 0, envId: "ant" });
    const texts: ServerMessage[] = [];
    let frames = 0;
    const ws = new WebSocket(w.url.replace("http", "ws") + "ws");
    ws.on("message", (d, bin) => (bin ? frames++ : texts.push(JSON.parse(String(d)) as ServerMessage)));
    try {
      await new Promise((r) => ws.once("open", r));
      const until = async (cond: () => boolean) => {
        const t0 = Date.now();
        while (!cond()) {
          if (Date.now() - t0 > 15_000) throw new Error("timeout");
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until(() => texts.some((m) => m.type === "hello") && frames > 3);
      const hello = texts.find((m) => m.type === "hello");
      expect(hello && hello.type === "hello" && hello.scene.untrained).toBe(true);
      const run = join(dir, "run");
      await w.followCheckpoint(run, 50);
      expect(w.generation()).toBe(null);
      saveCheckpoint(run, { spec: fresh.spec, params: fresh.params, config: { env: "ant", agent: "nm-hebb" }, normalizer: null, seed: 0, training: { generation: 3 } });
      await until(() => texts.some((m) => m.type === "scene"));
      const scene = texts.find((m) => m.type === "scene");
      expect(scene && scene.type === "scene" && scene.scene.untrained).toBe(false);
      expect(scene && scene.type === "scene" && scene.scene.controller).toMatch(/nm-hebb from .*run \(generation 3\)/);
      expect(w.generation()).toBe(3);
      // ... followed by the new simulation's settings, so the page's toggles match it.
      await until(() => texts.findIndex((m) => m.type === "status") > texts.findIndex((m) => m.type === "scene"));
      expect(texts.find((m) => m.type === "status")).toMatchObject({ settings: { paused: false, obsNoise: 0, disabledLeg: null, terrain: "flat" } });
      const before = frames;
      await until(() => frames > before + 3);

      // A checkpoint trained with a clock (33 observations): the server rebuilds the env with the
      // checkpoint's options and streams that controller instead of failing on the shape.
      const clockEnv = await makeEnv("ant", { clockHz: 1 });
      const clocked = await freshController(clockEnv, "static", 1);
      clockEnv.close();
      expect(clocked.spec.encoder.size).toBe(envA.observationSpace.shape[0] + 2);
      saveCheckpoint(run, { spec: clocked.spec, params: clocked.params, config: { env: "ant", agent: "static", envOptions: { clockHz: 1 } }, normalizer: null, seed: 0, training: { generation: 4 } });
      await until(() => w.generation() === 4);
      await until(() => texts.filter((m) => m.type === "scene").length >= 2);
      const second = texts.filter((m) => m.type === "scene")[1];
      expect(second && second.type === "scene" && second.scene.controller).toMatch(/static from .*run \(generation 4\)/);
      const after = frames;
      await until(() => frames > after + 3);
    } finally {
      ws.close();
      await w.close();
    }
  });
});
