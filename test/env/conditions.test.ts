import { describe, expect, it } from "vitest";
import { makeEnv, parseConditions, sampleConditions } from "../../src/index.ts";
import type { JointDescription, LocomotionEnv } from "../../src/index.ts";
import { Rng } from "../../src/core/rng.ts";
import { sinusoidalGait } from "../../src/env/gait.ts";

const still = { resetNoiseScale: 0, terminateWhenUnhealthy: false } as const;

function totalMomentum(env: LocomotionEnv): [number, number, number] {
  const p: [number, number, number] = [0, 0, 0];
  for (const b of env.physics.robot.bodies) {
    const v = b.linvel();
    const m = b.mass();
    p[0] += m * v.x;
    p[1] += m * v.y;
    p[2] += m * v.z;
  }
  return p;
}

describe("conditions have the effect they claim (measured)", () => {
  it("a disabled leg applies no torque: in zero gravity its joints stay put, while the same command moves an enabled leg", async () => {
    const hold = async (disabledLegs: number[]) => {
      const env = await makeEnv("ant", { ...still, gravity: 0, conditions: { disabledLegs } });
      env.reset({ seed: 1 });
      const a = new Float32Array(8);
      a[2] = 1; // leg 1 hip
      a[3] = 1; // leg 1 knee
      for (let t = 0; t < 20; t++) env.step(a);
      return { q: env.jointAngles(), strengths: Array.from(env.motorStrengths()) };
    };
    const enabled = await hold([]);
    expect(enabled.q[2]).toBeGreaterThan(0.4); // tracks +30° (0.52 rad)
    expect(enabled.q[3]).toBeGreaterThan(0.25); // tracks +20° (0.35 rad)
    const disabled = await hold([1]);
    expect(Math.abs(disabled.q[2]!)).toBeLessThan(1e-3);
    expect(Math.abs(disabled.q[3]!)).toBeLessThan(1e-3);
    expect(disabled.strengths).toEqual([1, 1, 0, 0, 1, 1, 1, 1]);
  });

  it("a disabled leg is limp, not locked: nudged, it keeps drifting, while an enabled leg is pulled back to its target", async () => {
    const nudge = async (disabledLegs: number[]) => {
      const env = await makeEnv("ant", { ...still, gravity: 0, conditions: { disabledLegs } });
      env.reset({ seed: 1 });
      const a = new Float32Array(8);
      env.step(a);
      const [hip, knee] = env.robot.legs[1]!.joints.map((j) => env.robot.joints[j]!) as [JointDescription, JointDescription];
      const bodies = env.physics.robot.bodies;
      // small angular impulses about the hip (z) and knee axes; the robot is still in its rest pose
      bodies[hip.child]!.applyTorqueImpulse({ x: 0, y: 0, z: 0.002 }, true);
      bodies[knee.child]!.applyTorqueImpulse({ x: 0.001 * knee.axis[0], y: 0.001 * knee.axis[1], z: 0 }, true);
      const q: number[][] = [];
      for (let t = 0; t < 20; t++) {
        env.step(a);
        const angles = env.jointAngles();
        q.push([angles[2]!, angles[3]!]);
      }
      return q;
    };
    const limp = await nudge([1]);
    const held = await nudge([]);
    for (const j of [0, 1]) {
      expect(limp[19]![j]).toBeGreaterThan(0.08); // no restoring torque: the leg coasts away from its target 0
      expect(limp[19]![j]! - limp[9]![j]!).toBeGreaterThan(0.03); // and is still moving
      expect(Math.abs(held[19]![j]!)).toBeLessThan(1e-3);
    }
  });

  it("observation noise has the configured std (within 5%) on the selected groups only", async () => {
    const sigma = 0.1;
    const clean = await makeEnv("ant", { ...still });
    const noisy = await makeEnv("ant", { ...still, conditions: { obsNoise: { sigma, groups: ["jointPos", "jointVel", "linvel", "angvel"] } } });
    clean.reset({ seed: 2 });
    noisy.reset({ seed: 2 });
    const a = new Float32Array(8);
    const noisyIdx = [...clean.observationGroups.jointPos!, ...clean.observationGroups.jointVel!, ...clean.observationGroups.linvel!, ...clean.observationGroups.angvel!];
    const quietIdx = [...clean.observationGroups.height!, ...clean.observationGroups.contacts!, ...clean.observationGroups.orientation!];
    let sum = 0, sum2 = 0, n = 0;
    for (let t = 0; t < 200; t++) {
      const o1 = clean.step(a).obs;
      const o2 = noisy.step(a).obs;
      for (const i of noisyIdx) {
        const d = o2[i]! - o1[i]!;
        sum += d;
        sum2 += d * d;
        n++;
      }
      for (const i of quietIdx) expect(o2[i]).toBe(o1[i]);
    }
    const mean = sum / n;
    const std = Math.sqrt(sum2 / n - mean * mean);
    expect(Math.abs(std / sigma - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean)).toBeLessThan(0.01);
  });

  it("per-group sigma map: each group gets its own std", async () => {
    const clean = await makeEnv("hexapod", { ...still });
    const noisy = await makeEnv("hexapod", { ...still, conditions: { obsNoise: { sigma: { jointPos: 0.05, jointVel: 0.2 } } } });
    clean.reset({ seed: 4 });
    noisy.reset({ seed: 4 });
    const a = new Float32Array(12);
    const acc: { jointPos: number[]; jointVel: number[]; height: number[] } = { jointPos: [], jointVel: [], height: [] };
    for (let t = 0; t < 150; t++) {
      const o1 = clean.step(a).obs;
      const o2 = noisy.step(a).obs;
      for (const g of ["jointPos", "jointVel", "height"] as const) for (const i of clean.observationGroups[g]!) acc[g].push(o2[i]! - o1[i]!);
    }
    const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    expect(std(acc.jointPos) / 0.05).toBeGreaterThan(0.95);
    expect(std(acc.jointPos) / 0.05).toBeLessThan(1.05);
    expect(std(acc.jointVel) / 0.2).toBeGreaterThan(0.95);
    expect(std(acc.jointVel) / 0.2).toBeLessThan(1.05);
    expect(std(acc.height)).toBe(0);
  });

  it("action noise perturbs the applied action with the configured std", async () => {
    const env = await makeEnv("ant", { ...still, conditions: { actionNoise: { sigma: 0.1 } } });
    env.reset({ seed: 3 });
    const a = new Float32Array(8);
    const xs: number[] = [];
    for (let t = 0; t < 150; t++) {
      env.step(a);
      xs.push(...env.appliedAction());
    }
    const std = Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    expect(Math.abs(std / 0.1 - 1)).toBeLessThan(0.05);
  });

  it("a push changes torso velocity by impulse / torso mass, and robot momentum by the impulse", async () => {
    const env = await makeEnv("ant", { ...still, gravity: 0 });
    env.reset({ seed: 1 });
    const torso = env.physics.robot.bodies[0]!;
    const v0 = torso.linvel();
    env.applyPush([0.3, -0.2, 0.1]);
    const v1 = torso.linvel();
    const m = torso.mass();
    expect(m).toBeCloseTo((4 / 3) * Math.PI * 0.25 ** 3 * 5 + 4 * (Math.PI * 0.08 ** 2 * 0.2 * Math.SQRT2 + (4 / 3) * Math.PI * 0.08 ** 3) * 5, 3);
    expect(v1.x - v0.x).toBeCloseTo(0.3 / m, 4);
    expect(v1.y - v0.y).toBeCloseTo(-0.2 / m, 4);
    expect(v1.z - v0.z).toBeCloseTo(0.1 / m, 4);

    // the mass condition is in effect at once: a push right after reset sees the scaled mass
    const heavy = await makeEnv("ant", { ...still, gravity: 0, conditions: { mass: 2 } });
    heavy.reset({ seed: 1 });
    const heavyTorso = heavy.physics.robot.bodies[0]!;
    const u0 = heavyTorso.linvel().x;
    heavy.applyPush([0.3, 0, 0]);
    expect(heavyTorso.mass()).toBeCloseTo(2 * m, 5);
    expect(heavyTorso.linvel().x - u0).toBeCloseTo(0.3 / (2 * m), 4);

    // scheduled pushes from conditions: momentum of the whole (free-floating) robot jumps by the impulse
    const pushed = await makeEnv("ant", { ...still, gravity: 0, conditions: { pushes: { interval: 10, impulse: 0.4, direction: "left" } } });
    pushed.reset({ seed: 1 });
    pushed.applyPush([0, 0, 0.5]); // float away from the ground first, so no contact force interferes
    const a = new Float32Array(8);
    for (let t = 0; t < 10; t++) pushed.step(a);
    expect(pushed.footContacts().every((c) => c === 0)).toBe(true);
    const before = totalMomentum(pushed);
    pushed.step(a); // step index 10: the push is applied before the physics substeps
    const after = totalMomentum(pushed);
    expect(after[1] - before[1]).toBeCloseTo(0.4, 2);
    expect(Math.abs(after[0] - before[0])).toBeLessThan(0.01);
  });

  it("low friction increases slip: after a sideways push the feet slide farther, about v0^2 / (2 mu g) when mu is low", async () => {
    const footY = (env: LocomotionEnv): number[] => {
      const poses = env.bodyPoses();
      return env.robot.feet.map((f) => {
        const o = f.body * 7;
        const [qx, qy, qz, qw] = [poses[o + 3]!, poses[o + 4]!, poses[o + 5]!, poses[o + 6]!];
        const [px, py, pz] = f.point;
        const tx = 2 * (qy * pz - qz * py), tz = 2 * (qx * py - qy * px);
        const ty = 2 * (qz * px - qx * pz);
        return poses[o + 1]! + py + qw * ty + (qz * tx - qx * tz);
      });
    };
    const impulse = 0.8;
    const slide = async (friction: number) => {
      const env = await makeEnv("ant", { ...still, conditions: { friction } });
      env.reset({ seed: 5 });
      const a = new Float32Array(8);
      for (let t = 0; t < 21; t++) env.step(a); // settle
      const before = footY(env);
      env.applyPush([0, impulse, 0]);
      let contactSteps = 0;
      for (let t = 0; t < 30; t++) {
        env.step(a);
        contactSteps += env.footContacts().reduce((s, c) => s + c, 0);
      }
      const after = footY(env);
      const totalMass = env.physics.robot.bodies.reduce((s, b) => s + b.mass(), 0);
      return { dy: after.reduce((s, y, i) => s + y - before[i]!, 0) / after.length, contactSteps, totalMass };
    };
    const runs = new Map<number, Awaited<ReturnType<typeof slide>>>();
    for (const mu of [1, 0.2, 0.1]) runs.set(mu, await slide(mu));
    // feet stay on the ground throughout (>= 110 of 120 foot-steps): the displacement is sliding, not stepping
    for (const r of runs.values()) expect(r.contactSteps).toBeGreaterThanOrEqual(110);
    const [normal, low, icy] = [runs.get(1)!, runs.get(0.2)!, runs.get(0.1)!];
    expect(Math.abs(normal.dy)).toBeLessThan(0.05); // feet mostly stick at mu = 1
    expect(low.dy).toBeGreaterThan(normal.dy + 0.1);
    expect(icy.dy).toBeGreaterThan(1.8 * low.dy);
    // at low friction the robot slides like a block: v0 = J / M, distance v0^2 / (2 mu g)
    const v0 = impulse / icy.totalMass;
    for (const [mu, r] of [[0.2, low], [0.1, icy]] as const) {
      const expected = (v0 * v0) / (2 * mu * 9.81);
      expect(Math.abs(r.dy / expected - 1)).toBeLessThan(0.25);
    }
  });

  it("latency k delays the action by exactly k steps", async () => {
    const k = 3;
    const rng = new Rng(8);
    const acts = Array.from({ length: 40 }, () => Float32Array.from({ length: 8 }, () => rng.range(-1, 1)));
    // random actions can bounce the torso out of the healthy range; that is not what this test is about
    const delayed = await makeEnv("ant", { terminateWhenUnhealthy: false, conditions: { latency: { steps: k } } });
    const reference = await makeEnv("ant", { terminateWhenUnhealthy: false });
    delayed.reset({ seed: 6 });
    reference.reset({ seed: 6 });
    const zeros = new Float32Array(8);
    for (let t = 0; t < 40; t++) {
      const o1 = delayed.step(acts[t]!).obs;
      const o2 = reference.step(t < k ? zeros : acts[t - k]!).obs;
      expect(Array.from(o1)).toEqual(Array.from(o2));
    }
  });

  it("motor strength scales the PD: a weakened hip reaches less of a step target in one control step, monotonically", async () => {
    const firstStep = async (scale: number) => {
      const env = await makeEnv("ant", { ...still, gravity: 0, conditions: { weakenedLegs: [{ leg: 1, scale }] } });
      env.reset({ seed: 1 });
      const a = new Float32Array(8);
      a[2] = 1; // leg 1 hip to +30 deg (0.524 rad)
      env.step(a);
      return env.jointAngles()[2];
    };
    const q = [];
    for (const scale of [1, 0.1, 0.03, 0.01]) q.push(await firstStep(scale));
    expect(q[0]).toBeGreaterThan(0.5);
    for (let i = 1; i < q.length; i++) expect(q[i]).toBeLessThan(q[i - 1]! - 0.03);
    expect(q[3]).toBeLessThan(0.5 * q[0]!);
  });

  it("mass and friction scales change the physics; motor strength scales the PD; onsetStep delays damage", async () => {
    const base = await makeEnv("ant");
    base.reset({ seed: 1 });
    const heavy = await makeEnv("ant", { conditions: { mass: 2, friction: 0.5 } });
    heavy.reset({ seed: 1 });
    base.step(new Float32Array(8));
    heavy.step(new Float32Array(8));
    expect(heavy.physics.robot.bodies[0]!.mass()).toBeCloseTo(2 * base.physics.robot.bodies[0]!.mass(), 5);
    expect(heavy.physics.robot.colliders[0]![0]!.friction()).toBeCloseTo(0.5, 6);

    const weak = await makeEnv("ant", { conditions: { motorStrength: 0.5, weakenedLegs: [{ leg: 2, scale: 0.5 }] } });
    weak.reset({ seed: 1 });
    expect(Array.from(weak.motorStrengths())).toEqual([0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5]);

    const damaged = await makeEnv("ant", { conditions: { disabledLegs: [0, 3], onsetStep: 4 } });
    damaged.reset({ seed: 1 });
    const a = new Float32Array(8);
    for (let t = 0; t < 4; t++) {
      expect(Array.from(damaged.motorStrengths())).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
      damaged.step(a);
    }
    damaged.step(a);
    expect(Array.from(damaged.motorStrengths())).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
  });

  it("setConditions changes the live episode (viewer toggles)", async () => {
    const env = await makeEnv("ant");
    env.reset({ seed: 1 });
    const a = new Float32Array(8);
    env.step(a);
    env.setConditions({ disabledLegs: [2] });
    expect(Array.from(env.motorStrengths())).toEqual([1, 1, 1, 1, 0, 0, 1, 1]);
    env.step(a);
    env.setConditions({});
    expect(Array.from(env.motorStrengths())).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it("ranges are drawn per episode from the seed, within bounds", () => {
    const c = parseConditions({ friction: [0.3, 0.9], latency: { steps: [0, 4] }, obsNoise: { sigma: [0, 0.2] }, onsetStep: [10, 20], terrain: { kind: "rough", amplitude: [0.02, 0.08] } });
    const a = sampleConditions(c, new Rng(1));
    const b = sampleConditions(c, new Rng(1));
    expect(b).toEqual(a);
    const draws = Array.from({ length: 200 }, (_, i) => sampleConditions(c, new Rng(100 + i)));
    for (const d of draws) {
      expect(d.friction!).toBeGreaterThanOrEqual(0.3);
      expect(d.friction!).toBeLessThanOrEqual(0.9);
      expect(Number.isInteger(d.latency!.steps)).toBe(true);
      expect(d.onsetStep).toBeGreaterThanOrEqual(10);
      expect(d.onsetStep).toBeLessThanOrEqual(20);
    }
    expect(new Set(draws.map((d) => d.latency!.steps))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(new Set(draws.map((d) => d.friction)).size).toBeGreaterThan(150);
  });
});
