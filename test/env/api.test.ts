import { describe, expect, it } from "vitest";
import { envDefinition, listEnvs, makeEnv } from "../../src/index.ts";
import { EnvOptionsSchema } from "../../src/env/options.ts";
import { Rng } from "../../src/core/rng.ts";

describe.each(["ant", "hexapod"])("%s API conformance", (id) => {
  it("declares named spaces that match the arrays it returns, with finite values", async () => {
    const env = await makeEnv(id, { terminateWhenUnhealthy: false });
    const { obs, info } = env.reset({ seed: 1 });
    const nObs = env.observationSpace.shape[0];
    const nAct = env.actionSpace.shape[0];
    expect(obs.length).toBe(nObs);
    expect(env.observationSpace.names.length).toBe(nObs);
    expect(new Set(env.observationSpace.names).size).toBe(nObs);
    expect(env.actionSpace.names.length).toBe(nAct);
    expect(Array.from(env.actionSpace.low)).toEqual(new Array(nAct).fill(-1));
    expect(Array.from(env.actionSpace.high)).toEqual(new Array(nAct).fill(1));
    expect(nAct).toBe(env.robot.joints.length);
    expect(nAct).toBeGreaterThanOrEqual(id === "ant" ? 8 : 12);
    const listed = listEnvs().find((e) => e.id === id)!;
    expect([listed.observationSize, listed.actionSize]).toEqual([nObs, nAct]);
    // the listed size follows the options that shape the observation (the clock adds two channels)
    const clocked = await makeEnv(id, { clockHz: 1 });
    expect(listEnvs({ clockHz: 1 }).find((e) => e.id === id)!.observationSize).toBe(clocked.observationSpace.shape[0]);
    expect(clocked.observationSpace.shape[0]).toBe(nObs + 2);
    expect(obs.every(Number.isFinite)).toBe(true);
    expect(info.step).toBe(0);
    expect([info.x, info.y]).toEqual([0, 0]); // the torso starts above the origin
    expect(info.torsoHeight).toBe(obs[0]);
    const rng = new Rng(5);
    const a = new Float32Array(nAct);
    for (let t = 0; t < 50; t++) {
      for (let j = 0; j < nAct; j++) a[j] = rng.range(-1, 1);
      const r = env.step(a);
      expect(r.obs.length).toBe(nObs);
      expect(r.obs.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(r.reward)).toBe(true);
      const sum = Object.values(r.info.terms).reduce((s, v) => s + v, 0);
      expect(r.reward).toBeCloseTo(sum, 10);
      expect(Object.keys(r.info.terms).sort()).toEqual(["contact", "ctrl", "forward", "healthy"]);
    }
    // contacts are 0/1 and the torso quaternion is unit length
    const o = env.step(a).obs;
    for (const i of env.observationGroups.contacts!) expect([0, 1]).toContain(o[i]);
    const q = env.observationGroups.orientation!.map((i) => o[i]!);
    expect(Math.hypot(...q)).toBeCloseTo(1, 5);
    expect(env.bodyPoses().length).toBe(env.robot.bodies.length * 7);
    env.close();
  });

  it("clips actions to the box: out-of-range actions act exactly like the bound", async () => {
    const nAct = (await makeEnv(id)).actionSpace.shape[0];
    const run = async (scale: number) => {
      const env = await makeEnv(id);
      env.reset({ seed: 3 });
      const a = new Float32Array(nAct).map((_, j) => (j % 2 ? -scale : scale));
      let r = env.step(a);
      for (let t = 0; t < 10; t++) r = env.step(a);
      return { obs: r.obs.slice(), ctrl: r.info.terms.ctrl! };
    };
    const big = await run(7);
    const bound = await run(1);
    expect(Array.from(big.obs)).toEqual(Array.from(bound.obs));
    expect(big.ctrl).toBeCloseTo(-envDefinition(id).defaults.ctrlCostWeight * nAct, 6);
  });

  it("reset with the same seed gives the same observation; another seed differs", async () => {
    const env = await makeEnv(id);
    const a = env.reset({ seed: 11 }).obs.slice();
    env.step(new Float32Array(env.actionSpace.shape[0]));
    const b = env.reset({ seed: 11 }).obs.slice();
    const c = env.reset({ seed: 12 }).obs.slice();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });
});

describe("episode flags and reward terms", () => {
  it("defaults (ant-v4): 0.05 s control period of 2 physics steps of 0.025 s, truncation at 1000 steps", async () => {
    const env = await makeEnv("ant");
    expect(env.controlDt).toBeCloseTo(0.05, 12);
    env.reset({ seed: 1 });
    expect(env.physics.world.timestep).toBeCloseTo(0.025, 6);
    const a = new Float32Array(8);
    for (let t = 1; t < 1000; t++) {
      const r = env.step(a);
      if (r.truncated || r.terminated) throw new Error(`episode ended early at step ${t}`);
    }
    const last = env.step(a);
    expect([last.info.step, last.truncated, last.terminated]).toEqual([1000, true, false]);
    // 2 substeps per control step: the same episode with controlDt = physicsDt and 2x the steps is identical
    const fine = await makeEnv("ant", { controlDt: 0.025 });
    const coarse = await makeEnv("ant");
    fine.reset({ seed: 2 });
    coarse.reset({ seed: 2 });
    const b = new Float32Array([0.3, -0.2, 0.1, 0.5, -0.4, 0, 0.2, -0.1]);
    for (let t = 0; t < 4; t++) {
      let o = fine.step(b).obs;
      for (let k = 1; k < 2; k++) o = fine.step(b).obs;
      expect(Array.from(coarse.step(b).obs)).toEqual(Array.from(o));
    }
  });

  it("truncates at maxSteps (not terminated) and refuses to step past the end", async () => {
    const env = await makeEnv("ant", { maxSteps: 5 });
    env.reset({ seed: 1 });
    const a = new Float32Array(8);
    for (let t = 1; t <= 4; t++) expect(env.step(a).truncated).toBe(false);
    const last = env.step(a);
    expect([last.truncated, last.terminated, last.info.step]).toEqual([true, false, 5]);
    expect(() => env.step(a)).toThrow(/episode has ended; call reset\(\)/);
  });

  it.each([
    ["flat ground, forward", { kind: "flat" } as const, [90, 0, 0] as const, "x"],
    ["rough ground, sideways", { kind: "rough", amplitude: 0.02, scale: 0.5 } as const, [0, 9, 0] as const, "y"],
  ])("reports the torso position in info and truncates (not terminated) with info.offCourse on the step the torso leaves the course: %s", async (_, terrain, impulse, axis) => {
    // no gravity and no unhealthy termination so that a push carries the torso straight off the course
    const env = await makeEnv("ant", { gravity: 0, terminateWhenUnhealthy: false });
    env.reset({ seed: 1, conditions: { terrain } });
    const { xMax, yHalf } = env.terrain.course;
    env.applyPush([...impulse]);
    const a = new Float32Array(8);
    let r = env.step(a);
    while (!r.truncated && r.info.step < 999) {
      const pose = env.bodyPoses();
      expect([r.info.x, r.info.y]).toEqual([pose[0], pose[1]]);
      const inside = axis === "x" ? r.info.x <= xMax : Math.abs(r.info.y) <= yHalf;
      expect([inside, r.info.offCourse]).toEqual([true, false]);
      r = env.step(a);
    }
    const out = axis === "x" ? r.info.x > xMax : Math.abs(r.info.y) > yHalf;
    expect([r.truncated, r.terminated, r.info.offCourse, out]).toEqual([true, false, true, true]);
    expect(r.info.step).toBeGreaterThan(5);
    expect(r.info.step).toBeLessThan(999);
  });

  it("terminates when the torso leaves the healthy height range, paying no healthy reward", async () => {
    const env = await makeEnv("ant", { healthyZRange: [0.7, 1.0] });
    env.reset({ seed: 1 });
    const r = env.step(new Float32Array(8));
    expect(r.info.torsoHeight).toBeLessThan(0.7);
    expect([r.terminated, r.truncated, r.info.healthy, r.info.terms.healthy!]).toEqual([true, false, false, 0]);
    const lenient = await makeEnv("ant", { healthyZRange: [0.7, 1.0], terminateWhenUnhealthy: false });
    lenient.reset({ seed: 1 });
    expect(lenient.step(new Float32Array(8)).terminated).toBe(false);
  });

  it("forward term is forwardRewardWeight * dx / controlDt and ctrl term is -w * |a|^2", async () => {
    const env = await makeEnv("ant", { forwardRewardWeight: 2, ctrlCostWeight: 0.25 });
    expect(env.controlDt).toBeCloseTo(0.05, 12);
    env.reset({ seed: 4 });
    const a = new Float32Array([0.5, -0.5, 0.2, 0, 0, 0.1, -1, 0.3]);
    let x0 = env.step(a).info.x;
    for (let t = 0; t < 5; t++) {
      const r = env.step(a);
      expect(r.info.terms.forward!).toBeCloseTo((2 * (r.info.x - x0)) / 0.05, 9);
      expect(r.info.forwardVelocity).toBeCloseTo((r.info.x - x0) / 0.05, 9);
      x0 = r.info.x;
      const norm = a.reduce((s, v) => s + v * v, 0);
      expect(r.info.terms.ctrl!).toBeCloseTo(-0.25 * norm, 6);
    }
  });

  it("honours controlDt / physicsDt (substeps) and rejects non-multiples", async () => {
    const env = await makeEnv("ant", { controlDt: 0.02, physicsDt: 0.005 });
    expect(env.controlDt).toBeCloseTo(0.02, 12);
    env.reset({ seed: 1 });
    expect(env.physics.world.timestep).toBeCloseTo(0.005, 6);
    await expect(makeEnv("ant", { controlDt: 0.05, physicsDt: 0.03 })).rejects.toThrow(/whole multiple of physicsDt/);
  });
});

/** v rotated by the unit quaternion q = [w, x, y, z] (written out here, independent of src/physics/math.ts). */
function rotate(q: number[], v: number[]): number[] {
  const [w, x, y, z] = q as [number, number, number, number];
  const tx = 2 * (y * v[2]! - z * v[1]!), ty = 2 * (z * v[0]! - x * v[2]!), tz = 2 * (x * v[1]! - y * v[0]!);
  return [v[0]! + w * tx + (y * tz - z * ty), v[1]! + w * ty + (z * tx - x * tz), v[2]! + w * tz + (x * ty - y * tx)];
}

describe("observation channels", () => {
  it("torso linear and angular velocities are in the torso frame (rotating them by the torso quaternion gives Rapier's world-frame values)", async () => {
    const env = await makeEnv("ant", { resetNoiseScale: 0, terminateWhenUnhealthy: false, gravity: 0 });
    env.reset({ seed: 1 });
    const torso = env.physics.robot.bodies[0]!;
    env.applyPush([0, 0, 0.3]); // float off the ground
    torso.applyTorqueImpulse({ x: 0.08, y: 0.04, z: 0.12 }, true); // tumble, so that torso and world frames differ
    const a = new Float32Array(8);
    for (let t = 0; t < 20; t++) env.step(a);
    env.applyPush([0.5, 0, 0]);
    const o = env.step(a).obs;
    const g = env.observationGroups;
    const q = g.orientation!.map((i) => o[i]!);
    expect(Math.acos(Math.min(1, Math.abs(q[0]!))) * 2).toBeGreaterThan(0.5); // rotated by more than 0.5 rad
    const lv = torso.linvel();
    const av = torso.angvel();
    const pairs: Array<[number[], number[]]> = [
      [g.linvel!.map((i) => o[i]!), [lv.x, lv.y, lv.z]],
      [g.angvel!.map((i) => o[i]!), [av.x, av.y, av.z]],
    ];
    for (const [body, world] of pairs) {
      const back = rotate(q, body);
      for (let k = 0; k < 3; k++) expect(back[k]).toBeCloseTo(world[k]!, 5);
      expect(Math.hypot(...body.map((b, k) => b - world[k]!))).toBeGreaterThan(0.1); // the frame matters here
    }
  });

  it("joint velocities are the time derivative of joint angles (rad/s, same sign and axis)", async () => {
    // one physics step per control step, zero gravity, no contacts: the backward difference of the angle
    // observation tracks the velocity observation (up to the solver's position corrections)
    const env = await makeEnv("ant-v3", { resetNoiseScale: 0, terminateWhenUnhealthy: false, gravity: 0, controlDt: 0.01, physicsDt: 0.01 });
    env.reset({ seed: 2 });
    env.applyPush([0, 0, 0.3]);
    const a = new Float32Array(8);
    const jointPos = env.observationGroups.jointPos!;
    const jointVel = env.observationGroups.jointVel!;
    let prev = jointPos.map(() => 0);
    const err = new Array(8).fill(0);
    const norm = new Array(8).fill(0);
    for (let t = 0; t < 300; t++) {
      for (let j = 0; j < 8; j++) a[j] = 0.5 * Math.sin(2 * Math.PI * t * 0.01 + j);
      const o = env.step(a).obs;
      const q = jointPos.map((i) => o[i]!);
      if (t >= 20) {
        for (let j = 0; j < 8; j++) {
          const v = o[jointVel[j]!]!;
          err[j] += ((q[j]! - prev[j]!) / 0.01 - v) ** 2;
          norm[j] += v * v;
        }
      }
      prev = q;
    }
    for (let j = 0; j < 8; j++) {
      expect(norm[j] / 280).toBeGreaterThan(0.1); // the joint really moves (rms > 0.3 rad/s)
      expect(Math.sqrt(err[j] / norm[j])).toBeLessThan(0.4); // a wrong sign, axis or unit gives >= 1
    }
  });
});

describe("clock observation (clockHz option)", () => {
  it("appends clock_sin, clock_cos = sin, cos(2π·f·t) from the episode start, bounded to [-1, 1], and changes nothing else", async () => {
    const plain = await makeEnv("ant");
    const clocked = await makeEnv("ant", { clockHz: 1.5 });
    const n = plain.observationSpace.shape[0];
    expect(clocked.observationSpace.shape[0]).toBe(n + 2);
    expect(clocked.observationSpace.names.slice(n)).toEqual(["clock_sin", "clock_cos"]);
    expect(clocked.observationGroups.clock).toEqual([n, n + 1]);
    expect(Array.from(clocked.observationSpace.low.slice(n))).toEqual([-1, -1]);
    expect(Array.from(clocked.observationSpace.high.slice(n))).toEqual([1, 1]);
    const a = new Float32Array(8).fill(0.3);
    for (let episode = 0; episode < 2; episode++) {
      let p = plain.reset({ seed: 5 }).obs;
      let c = clocked.reset({ seed: 5 }).obs;
      for (let t = 0; t < 30; t++) {
        expect(Array.from(c.slice(0, n))).toEqual(Array.from(p));
        const phase = 2 * Math.PI * 1.5 * t * clocked.controlDt;
        expect(c[n]).toBeCloseTo(Math.sin(phase), 6);
        expect(c[n + 1]).toBeCloseTo(Math.cos(phase), 6);
        p = plain.step(a).obs;
        c = clocked.step(a).obs;
      }
    }
    await expect(makeEnv("ant", { clockHz: -1 })).rejects.toThrow(/must be >= 0/);
    plain.close();
    clocked.close();
  });
});

describe("foot contacts", () => {
  it("geometric contact flags agree with Rapier's contact manifolds under the gait, and the optional contact cost reads them", async () => {
    const { sinusoidalGait } = await import("../../src/env/gait.ts");
    // geometric flags on flat and rough (the rough collider's triangles differ from our bilinear surface by mm);
    // manifold flags on stairs and whenever the contact cost is on. Rapier's manifolds are computed before
    // each physics step's motion, so with ant-v4's 0.025 s steps they lag the geometry more than with
    // ant-v3's 0.01 s (measured agreement, seed 2, 300 steps: flat v3 0.995 / v4 0.938, rough v3 0.949 / v4 0.857)
    const stairs = { kind: "stairs" as const, stepHeight: 0.04, stepWidth: 0.3 };
    const cases = [
      ["ant-v3", { kind: "flat" as const }, 0, 0.98],
      ["ant-v3", { kind: "rough" as const }, 0, 0.93],
      ["ant-v3", stairs, 0, 1],
      ["ant-v3", { kind: "flat" as const }, 0.01, 1],
      ["ant", { kind: "flat" as const }, 0, 0.92],
      ["ant", { kind: "rough" as const }, 0, 0.84],
      ["ant", stairs, 0, 1],
      ["ant", { kind: "flat" as const }, 0.01, 1],
    ] as const;
    for (const [id, terrain, weight, expectedAgreement] of cases) {
      const env = await makeEnv(id, { contactCostWeight: weight, conditions: { terrain } });
      env.reset({ seed: 2 });
      const gait = sinusoidalGait(env.robot);
      const a = new Float32Array(8);
      const { world } = env.physics;
      let agree = 0;
      let total = 0;
      let touching = 0;
      for (let t = 0; t < 300; t++) {
        const r = env.step(gait.action(t * env.controlDt, a));
        expect(r.info.terms.contact!).toBeLessThanOrEqual(0);
        expect(r.info.terms.contact!).toBeGreaterThanOrEqual(-weight * 4);
        if (weight === 0) expect(r.info.terms.contact!).toBe(0);
        const flags = env.footContacts();
        env.physics.robot.footColliders.forEach((foot, i) => {
          let manifold = 0;
          world.contactPairsWith(foot, (other) => {
            world.contactPair(foot, other, (m) => {
              for (let k = 0; k < m.numContacts(); k++) if (m.contactDist(k) <= 0.005) manifold = 1;
            });
          });
          agree += manifold === flags[i] ? 1 : 0;
          touching += flags[i]!;
          total++;
        });
      }
      expect(touching / total).toBeGreaterThan(0.3);
      expect(touching / total).toBeLessThan(0.99);
      expect(agree / total).toBeGreaterThanOrEqual(expectedAgreement);
    }
  });
});

describe("reward terms", () => {
  it("each term is its weight times a fixed function of the step: other weights leave the physics alone and scale the terms", async () => {
    const acts = Array.from({ length: 30 }, (_, t) => new Float32Array(8).map((_, j) => Math.sin(0.3 * t + j)));
    const run = async (weights: { forwardRewardWeight: number; healthyReward: number; ctrlCostWeight: number }) => {
      const env = await makeEnv("ant", { ...weights, terminateWhenUnhealthy: false });
      env.reset({ seed: 4 });
      return acts.map((a) => {
        const r = env.step(a);
        return { obs: Array.from(r.obs), reward: r.reward, terms: { ...r.info.terms } };
      });
    };
    const base = await run({ forwardRewardWeight: 1, healthyReward: 1, ctrlCostWeight: 0.05 });
    const scaled = await run({ forwardRewardWeight: 2, healthyReward: 0.5, ctrlCostWeight: 0.2 });
    for (let t = 0; t < acts.length; t++) {
      expect(scaled[t]!.obs).toEqual(base[t]!.obs);
      expect(scaled[t]!.terms.forward!).toBe(2 * base[t]!.terms.forward!);
      expect(scaled[t]!.terms.healthy!).toBe(0.5 * base[t]!.terms.healthy!);
      expect(scaled[t]!.terms.ctrl!).toBeCloseTo(4 * base[t]!.terms.ctrl!, 12);
      expect(scaled[t]!.terms.contact!).toBe(0); // weight 0: off
      expect(scaled[t]!.reward).toBe(scaled[t]!.terms.forward! + scaled[t]!.terms.healthy! + scaled[t]!.terms.ctrl! + scaled[t]!.terms.contact!);
    }
  });
});

describe.each(["ant", "hexapod"])("%s docs block", (id) => {
  it("documents the spaces (indices match the env), reward terms with their default weights, start state, episode end and every option", async () => {
    const def = envDefinition(id);
    const docs = def.docs;
    const env = await makeEnv(id);
    const nObs = env.observationSpace.shape[0];
    const nAct = env.actionSpace.shape[0];
    expect(docs).toContain(`### Action space: Box(-1, 1, (${nAct},), float32) — PD position targets`);
    expect(docs).toMatch(/PD position targets(\*\*)?, not torques/);
    expect(docs).toContain("info.nonFiniteAction");
    expect(docs).toContain(`### Observation space: Box(-inf, inf, (${nObs},), float32)`);
    // every observation group has a table row whose index range is the group's channels
    for (const [group, idx] of Object.entries(env.observationGroups)) {
      const row = new RegExp(`^\\| (\\d+)(?:-(\\d+))? \\| ${group} \\|`, "m").exec(docs);
      expect(row, `row for ${group}`).not.toBeNull();
      const lo = Number(row![1]);
      const hi = row![2] === undefined ? lo : Number(row![2]);
      expect([lo, hi]).toEqual([idx[0], idx[idx.length - 1]]);
    }
    // one reward row per info.terms entry, with the default weight in the last column
    const weights: Record<string, number> = {
      forward: def.defaults.forwardRewardWeight,
      healthy: def.defaults.healthyReward,
      ctrl: def.defaults.ctrlCostWeight,
      contact: def.defaults.contactCostWeight,
    };
    const { info } = env.reset({ seed: 0 });
    expect(Object.keys(info.terms).sort()).toEqual(Object.keys(weights).sort());
    for (const [term, w] of Object.entries(weights)) {
      const row = new RegExp(`^\\| ${term} \\|.*\\| ([^|]+) \\|$`, "m").exec(docs);
      expect(row, `row for ${term}`).not.toBeNull();
      expect(row![1]!.split(" ")[0]).toBe(String(w));
    }
    for (const heading of ["### Start state", "### Episode end", "### Options"]) expect(docs).toContain(heading);
    expect(docs).toContain(`healthyZRange [${def.defaults.healthyZRange.join(", ")}`);
    for (const option of Object.keys(EnvOptionsSchema.shape)) expect(docs).toMatch(new RegExp(`^\\| ${option} \\| `, "m"));
    env.close();
  });
});
