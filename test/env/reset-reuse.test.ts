/**
 * The reset contract: reset({seed, conditions}) fully determines the episode. A reused env must give
 * bitwise the same trajectory as a freshly made one, whatever ran in it before (other seeds, terrains,
 * damage, latency, snapshots restored from elsewhere, live condition changes, episodes cut short).
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { makeEnv } from "../../envs/index.ts";
import { Rng } from "../../src/core/rng.ts";
import type { Conditions } from "../../src/env/conditions.ts";
import type { LocomotionEnv } from "../../src/env/locomotion.ts";
import type { EnvOptions } from "../../src/env/options.ts";
import type { EnvSnapshot, StepResult } from "../../src/env/types.ts";

interface Episode {
  seed: number;
  conditions: Conditions;
  steps: number;
  /** Something done to the reused env before this episode's reset (not to the fresh one). */
  before?: (env: LocomotionEnv) => Promise<void> | void;
  /** Something done mid-episode, to both envs at the same step. */
  at?: { t: number; run: (env: LocomotionEnv) => void };
}

function actions(n: number, nA: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: nA }, () => rng.range(-1.2, 1.2)));
}

/** Hash of everything an episode shows: obs, reward, flags, info (terms, conditions), contacts, poses. */
function trajectory(env: LocomotionEnv, ep: Episode): string {
  const h = createHash("sha256");
  const add = (r: Pick<StepResult, "obs" | "info"> & Partial<StepResult>) => {
    h.update(new Uint8Array(r.obs.buffer, r.obs.byteOffset, r.obs.byteLength));
    h.update(JSON.stringify([r.reward ?? null, r.terminated ?? null, r.truncated ?? null, r.info]));
    h.update(env.footContacts());
    h.update(new Uint8Array(env.bodyPoses().buffer));
    h.update(new Uint8Array(env.appliedAction().buffer));
    h.update(new Uint8Array(env.motorStrengths().buffer));
  };
  add(env.reset({ seed: ep.seed, conditions: ep.conditions }));
  const { heightfield, ...terrain } = env.terrain;
  h.update(JSON.stringify(terrain));
  if (heightfield) h.update(new Uint8Array(heightfield.heights.buffer));
  const acts = actions(ep.steps, env.actionSpace.shape[0], ep.seed ^ 0x55);
  for (let t = 0; t < ep.steps; t++) {
    if (ep.at?.t === t) ep.at.run(env);
    const r = env.step(acts[t]!);
    add(r);
    if (r.terminated || r.truncated) break;
  }
  return h.digest("hex");
}

async function checkSequence(id: string, options: EnvOptions, episodes: Episode[]): Promise<void> {
  const reused = await makeEnv(id, options);
  for (const [k, ep] of episodes.entries()) {
    await ep.before?.(reused);
    const fresh = await makeEnv(id, options);
    const expected = trajectory(fresh, ep);
    fresh.close();
    expect(trajectory(reused, ep), `${id} episode ${k} (seed ${ep.seed}, ${JSON.stringify(ep.conditions)})`).toBe(expected);
  }
  reused.close();
}

/** A snapshot taken mid-episode in another env, restored into the reused env before a reset. */
async function foreignSnapshot(id: string, options: EnvOptions, conditions: Conditions): Promise<EnvSnapshot> {
  const other = await makeEnv(id, options);
  other.reset({ seed: 77, conditions });
  const acts = actions(25, other.actionSpace.shape[0], 3);
  for (const a of acts) other.step(a);
  const snap = other.snapshot();
  other.close();
  return snap;
}

describe("reset() carries no state from earlier episodes", () => {
  it.each(["ant", "hexapod"])("%s: a reused env gives bitwise the trajectories of a fresh env over a mixed sequence", async (id) => {
    const options: EnvOptions = { terminateWhenUnhealthy: false, maxSteps: 70 };
    const damaged = { disabledLegs: [1], weakenedLegs: [{ leg: 0, scale: 0.4 }], onsetStep: 20 };
    const rough = { terrain: { kind: "rough" as const, amplitude: [0.03, 0.08] as [number, number] } };
    const snapRough = await foreignSnapshot(id, options, { ...rough, latency: { steps: 4 }, mass: 1.5 });
    const episodes: Episode[] = [
      { seed: 1, conditions: rough, steps: 40 },
      { seed: 2, conditions: {}, steps: 30 },
      { seed: 3, conditions: { latency: { steps: [2, 4] }, actionNoise: { sigma: 0.1 } }, steps: 50 },
      // cut short mid-episode with a damaged robot, then a clean episode on another terrain
      { seed: 4, conditions: damaged, steps: 35 },
      { seed: 5, conditions: { terrain: { kind: "stairs" } }, steps: 45 },
      { seed: 6, conditions: { friction: [0.3, 0.5], mass: [1.3, 1.6], motorStrength: 0.5, pushes: { interval: 10, impulse: 0.4 } }, steps: 40 },
      { seed: 1, conditions: rough, steps: 40 }, // the same rough terrain again (terrain description reused)
      { seed: 7, conditions: { terrain: { kind: "gaps" }, obsNoise: { sigma: { jointPos: 0.05, contacts: 0.1 } } }, steps: 40 },
      // a live condition change and a manual push, then a plain episode
      { seed: 8, conditions: { latency: { steps: 1 } }, steps: 40, at: { t: 15, run: (e) => (e.setConditions({ latency: { steps: 5 }, disabledLegs: [0] }), e.applyPush([0.3, 0, 0.2])) } },
      { seed: 9, conditions: {}, steps: 40 },
      // a snapshot of another episode restored into the reused env (and stepped) before this reset
      {
        seed: 10,
        conditions: { onsetStep: 10, disabledLegs: [2] },
        steps: 40,
        before: (e) => {
          e.restore(snapRough);
          for (const a of actions(5, e.actionSpace.shape[0], 4)) e.step(a);
        },
      },
      { seed: 11, conditions: { terrain: { kind: "slope", angle: 6 } }, steps: 40 },
      // a terrain that switches on mid-episode, then one built at reset
      { seed: 13, conditions: { terrain: { kind: "rough" }, terrainFromOnset: true, onsetStep: 12 }, steps: 30 },
      { seed: 14, conditions: { terrain: { kind: "gaps" }, terrainFromOnset: true, onsetStep: 8, mass: 1.2 }, steps: 30 },
      { seed: 15, conditions: { mixture: [{ weight: 1, latency: { steps: 2 } }, { weight: 2, disabledLegs: [0], onsetStep: 5 }] }, steps: 30 },
      // an episode that runs to its truncation, then the same seed as the first one
      { seed: 12, conditions: { latency: { steps: 3 }, onsetStep: 5 }, steps: 80 },
      { seed: 1, conditions: rough, steps: 40 },
    ];
    await checkSequence(id, options, episodes);
  });

  it("also with the contact cost (manifold contacts) and the clock channels, and after terminated episodes", async () => {
    const options: EnvOptions = { contactCostWeight: 5e-4, clockHz: 1.5, maxSteps: 60 };
    const episodes: Episode[] = [
      { seed: 21, conditions: { disabledLegs: [0, 1, 2] }, steps: 60 }, // falls and terminates
      { seed: 22, conditions: {}, steps: 60 },
      { seed: 23, conditions: { terrain: { kind: "rough" }, obsNoise: { sigma: 0.05, groups: ["clock", "contacts"] } }, steps: 60 },
      { seed: 22, conditions: {}, steps: 60 },
    ];
    await checkSequence("ant", options, episodes);
  });
});

describe("rejected calls change nothing", () => {
  it("a rejected reset or setConditions mid-episode leaves the running episode and the seed chain as they were", async () => {
    const conditions = { actionNoise: { sigma: 0.1 }, obsNoise: { sigma: 0.02 }, pushes: { interval: 7, impulse: 0.3 } };
    const acts = actions(40, 8, 12);
    const run = async (interrupt: boolean) => {
      const env = await makeEnv("ant", { terminateWhenUnhealthy: false });
      env.reset({ seed: 31, conditions });
      const out: number[][] = [];
      for (let t = 0; t < 40; t++) {
        if (interrupt && t === 15) {
          expect(() => env.reset({ seed: 99, conditions: { disabledLegs: [7] } })).toThrow("conditions.disabledLegs[0]: leg index 7 out of range [0, 3] for 'ant'");
          expect(() => env.setConditions({ weakenedLegs: [{ leg: 9, scale: 0.5 }] })).toThrow(/weakenedLegs\[0\]\.leg: leg index 9 out of range/);
        }
        out.push(Array.from(env.step(acts[t]!).obs));
      }
      out.push(Array.from(env.reset().obs)); // the next seed of the chain, under the same conditions
      return out;
    };
    expect(await run(true)).toEqual(await run(false));
  });
});

describe("snapshot = the episode state object, whole", () => {
  it("restores a latency ring that grew mid-episode into a fresh env, and refuses a snapshot missing a state field", async () => {
    const options = { terminateWhenUnhealthy: false };
    const acts = actions(60, 12, 21);
    const env = await makeEnv("hexapod", options);
    env.reset({ seed: 5, conditions: { latency: { steps: 1 }, actionNoise: { sigma: 0.05 } } });
    for (let t = 0; t < 10; t++) env.step(acts[t]!);
    env.setConditions({ latency: { steps: 4 }, actionNoise: { sigma: 0.05 } }); // the ring grows from 2 to 5 rows
    for (let t = 10; t < 20; t++) env.step(acts[t]!);
    const snap = env.snapshot();
    const tail = acts.slice(20).map((a) => Array.from(env.step(a).obs));
    const fresh = await makeEnv("hexapod", options);
    fresh.restore(snap);
    expect(Array.from(fresh.appliedAction())).not.toEqual(new Array(12).fill(0));
    expect(acts.slice(20).map((a) => Array.from(fresh.step(a).obs))).toEqual(tail);

    const state = JSON.parse(snap.state) as { state: Record<string, unknown> };
    delete state.state.latencyBuf;
    expect(() => fresh.restore({ world: snap.world, state: JSON.stringify(state) })).toThrow("restore: snapshot state lacks latencyBuf (made by another version?)");
  });
});
