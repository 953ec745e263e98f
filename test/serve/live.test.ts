/** The live simulation behind the viewer: real Ant env + a fresh nm-hebb SNN, stepped on the server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { makeEnv } from "../../envs/index.ts";
import type { LocomotionEnv } from "../../src/env/locomotion.ts";
import { robotMass } from "../../src/physics/robot.ts";
import { saveCheckpoint } from "../../src/policy/checkpoint.ts";
import { displayPath, freshController, snnController, type ControllerSource } from "../../src/serve/live-controller.ts";
import type { StepResult } from "../../src/env/types.ts";
import { endReason, LiveSimulation } from "../../src/serve/live.ts";
import { decodeRecording } from "../../src/serve/recording.ts";
import { parseControlMessage } from "../../src/serve/validate.ts";
import { recordEpisode, startWatchServer } from "../../src/serve/watch.ts";
import { encodeFrame, frameLayout } from "../../src/serve/wire/codec.ts";
import {
  END_REASONS,
  FRAME_FLAG_DONE,
  FRAME_FLAG_HEAT,
  FRAME_FLAG_ONSET,
  FRAME_FLAG_PUSH,
  FRAME_FLAG_RESET,
  MESSAGE_KIND_SCENE,
  type SceneDescription,
  type ServerMessage,
} from "../../src/serve/wire/protocol.ts";
import { decodeScene } from "../../src/serve/wire/scene-codec.ts";

let envA: LocomotionEnv;
let envB: LocomotionEnv;
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

const sim = (env: LocomotionEnv, seed = 5) => new LiveSimulation(env, snnController(fresh, env), { seed, heatEvery: 4 });

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
    expect(scene.heatSource).toEqual({ projection: "recurrent", pre: 64, post: 64 });
    expect(scene.untrained).toBe(true);
    expect(scene.joints.map((j) => j.name)).toEqual(scene.actions);
    expect(scene.legs.map((l) => l.foot)).toEqual([0, 1, 2, 3]);
    expect(scene.mass).toBeCloseTo(robotMass(envA.robot), 6);
    expect(scene.extent).toBeGreaterThan(0.3);
    expect(scene.extent).toBeLessThan(1.5);
    expect(scene.maxSteps).toBe(1000);
    expect(scene.neuron).toEqual({ model: "lif", threshold: 1 });
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
      // The frame carries the membrane potentials the controller computed.
      expect(Array.from(f.voltages.slice(0, 4))).toEqual(Array.from((live as unknown as { controller: { hiddenVoltages(): Float32Array } }).controller.hiddenVoltages().slice(0, 4)));
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
    /** hello / scene messages in arrival order. */
    const greetings: ({ hello: Extract<ServerMessage, { type: "hello" }> } | { scene: SceneDescription })[] = [];
    let frames = 0;
    const ws = new WebSocket(w.url.replace("http", "ws") + "ws");
    ws.on("message", (d, bin) => {
      const b = d as Buffer;
      if (bin && b[0] === MESSAGE_KIND_SCENE) greetings.push({ scene: decodeScene(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) });
      else if (bin) frames++;
      else {
        const m = JSON.parse(String(d)) as ServerMessage;
        texts.push(m);
        if (m.type === "hello") greetings.push({ hello: m });
      }
    });
    const scenes = () => greetings.flatMap((g) => ("scene" in g ? [g.scene] : []));
    const hellos = () => greetings.flatMap((g) => ("hello" in g ? [g.hello] : []));
    try {
      await new Promise((r) => ws.once("open", r));
      const until = async (cond: () => boolean) => {
        const t0 = Date.now();
        while (!cond()) {
          if (Date.now() - t0 > 15_000) throw new Error("timeout");
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until(() => scenes().length === 1 && frames > 3);
      expect("hello" in greetings[0]).toBe(true);
      expect(scenes()[0].untrained).toBe(true);
      const run = join(dir, "run");
      await w.followCheckpoint(run, 50);
      expect(w.generation()).toBe(null);
      saveCheckpoint(run, { spec: fresh.spec, params: fresh.params, config: { env: "ant", agent: "nm-hebb" }, normalizer: null, seed: 0, training: { generation: 3 } });
      await until(() => scenes().length >= 2);
      // A new source is announced as a new hello (with the new simulation's settings) followed by its scene.
      expect("hello" in greetings[2] && "scene" in greetings[3]).toBe(true);
      const scene = scenes()[1];
      expect(scene.untrained).toBe(false);
      expect(scene.controller).toMatch(/nm-hebb from .*run \(generation 3\)/);
      expect(scene.controller).not.toContain(dir);
      expect(w.generation()).toBe(3);
      expect(hellos()[1]).toMatchObject({ settings: { paused: false, obsNoise: 0, disabledLeg: null, terrain: "flat" } });
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
      await until(() => scenes().length >= 3);
      expect(scenes()[2].controller).toMatch(/static from .*run \(generation 4\)/);
      const after = frames;
      await until(() => frames > after + 3);
    } finally {
      ws.close();
      await w.close();
    }
  });
});

describe("what the viewer is told beyond poses", () => {
  it("the episode return is the running sum of rewards and every end carries its reason", () => {
    const live = sim(envA, 23);
    let sum = 0;
    for (let i = 0; i < 15; i++) {
      const f = live.stepOnce();
      sum += f.reward;
      expect(f.episodeReturn).toBeCloseTo(sum, 3);
      expect(f.endReason).toBe(0);
    }
  });

  it("names the end reason: time limit, off course, fell, non-finite state", async () => {
    const result = (terminated: boolean, truncated: boolean, offCourse: boolean, torsoHeight: number) =>
      ({ terminated, truncated, info: { offCourse, torsoHeight } }) as unknown as StepResult;
    expect(endReason(result(false, false, false, 0.5))).toBe("");
    expect(endReason(result(false, true, false, 0.5))).toBe("time limit");
    expect(endReason(result(false, true, true, 0.5))).toBe("off course");
    expect(endReason(result(true, false, false, 0.1))).toBe("fell");
    expect(endReason(result(true, false, false, NaN))).toBe("non-finite state");
    const short = await makeEnv("ant", { maxSteps: 6 });
    try {
      const live = new LiveSimulation(short, snnController(fresh, short), { seed: 1 });
      const frames = [];
      for (let i = 0; i < 6; i++) frames.push({ ...live.stepOnce() });
      expect(frames[5].flags & FRAME_FLAG_DONE).toBe(FRAME_FLAG_DONE);
      expect(END_REASONS[frames[5].endReason]).toBe("time limit");
      // Flung upwards, it leaves the healthy height range: a fall.
      const up = new LiveSimulation(short, snnController(fresh, short), { seed: 3 });
      up.control({ type: "push", impulse: [0, 0, 1000] });
      let reason = "";
      for (let i = 0; i < 6 && !reason; i++) reason = END_REASONS[up.stepOnce().endReason];
      expect(reason).toBe("fell");
    } finally {
      short.close();
    }
  });

  it("contact forces: a robot standing still carries about its weight on its feet, pointing up", async () => {
    const env = await makeEnv("ant", { resetNoiseScale: 0 });
    try {
      const still = { ...snnController(fresh, env), act: (_o: Float32Array, a: Float32Array) => void a.fill(0) };
      const live = new LiveSimulation(env, still, { seed: 4 });
      let f = live.stepOnce();
      for (let i = 0; i < 20; i++) f = live.stepOnce();
      // One physics substep's impulses are a noisy sample of the force: average over 2 s.
      let fz = 0;
      const n = 40;
      for (let i = 0; i < n; i++) {
        f = live.stepOnce();
        for (let k = 0; k < 4; k++) {
          fz += f.contactForces[3 * k + 2] / n;
          expect(f.contactForces[3 * k + 2], `foot ${k}`).toBeGreaterThanOrEqual(0);
        }
      }
      const weight = robotMass(env.robot) * 9.81;
      console.log(`[live] standing Ant: feet carry ${fz.toFixed(2)} N on average, its weight is ${weight.toFixed(2)} N`);
      expect(fz).toBeGreaterThan(0.8 * weight);
      expect(fz).toBeLessThan(1.6 * weight);
      // The torques of a zero action hold the rest pose against gravity: non-zero, within the limits.
      const scene = live.scene();
      expect(f.torques.some((t) => Math.abs(t) > 1e-3)).toBe(true);
      f.torques.forEach((t, j) => expect(Math.abs(t)).toBeLessThanOrEqual(scene.joints[j].maxTorque + 1e-6));
      // Joint angles come from the physics, not the (noisy) observation.
      live.control({ type: "noise", obs: 5 });
      const g = live.stepOnce();
      g.jointAngles.forEach((a, j) => {
        expect(a).toBeGreaterThanOrEqual(scene.joints[j].limits[0] - 0.1);
        expect(a).toBeLessThanOrEqual(scene.joints[j].limits[1] + 0.1);
      });
    } finally {
      env.close();
    }
  });

  it("flags the damage onset and scheduled pushes (with their direction)", async () => {
    const live = new LiveSimulation(envA, snnController(fresh, envA), {
      seed: 3,
      conditions: { disabledLegs: [1], onsetStep: 5, pushes: { interval: 4, impulse: 0.5, direction: [1, 0, 0] } },
    });
    const flags: number[] = [];
    const pushes: number[][] = [];
    for (let i = 0; i < 14; i++) {
      const f = live.stepOnce();
      flags.push(f.flags);
      if (f.flags & FRAME_FLAG_PUSH) pushes.push([f.step - 1, ...Array.from(f.push)]);
    }
    expect(flags.map((x, t) => (x & FRAME_FLAG_ONSET ? t : -1)).filter((t) => t >= 0)).toEqual([5]);
    // The env pushes at t = onset + k·interval, k >= 1.
    expect(pushes).toEqual([[9, 0.5, 0, 0], [13, 0.5, 0, 0]]);
  });

  it("labels never hold absolute paths", () => {
    expect(displayPath(join(process.cwd(), "runs", "x"))).toBe(join("runs", "x"));
    expect(displayPath("/somewhere/else/run-7")).toBe("run-7");
  });
});
