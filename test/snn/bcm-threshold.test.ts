/**
 * BCM with its threshold in target-rate units: theta = <r^2> / r0. With r0 = 1 (specs made before r0) the
 * threshold <r^2> stays below r for any rate r <= 1 spike per step, so the rule almost never depresses; with
 * a target rate the sign follows 1 - r/r0. Measured here on the Ant preset network driven by real episodes.
 */
import { describe, expect, it } from "vitest";
import { createKernelNet } from "../../src/snn/kernel.ts";
import { buildLayout, initParams } from "../../src/snn/layout.ts";
import { parseNetworkSpec } from "../../src/snn/spec.ts";
import { loadAgentSpec } from "../../src/policy/presets.ts";
import { makeEnv } from "../../envs/index.ts";
import { createPolicy } from "../../src/policy/policy.ts";
import { sinusoidalGait } from "../../src/env/gait.ts";

/** Share of H updates (synapse x step) that are negative, for the unmodulated bcm preset on Ant episodes. */
async function depressionShare(bcmTargetRate: number | undefined): Promise<{ share: number; meanRate: number; updates: number }> {
  const base = await loadAgentSpec("bcm", { obsDim: 27, actDim: 8 });
  const json = structuredClone(base) as { plasticity: Record<string, unknown> };
  if (bcmTargetRate !== undefined) json.plasticity.bcmTargetRate = bcmTargetRate;
  const spec = parseNetworkSpec(json);
  const params = initParams(spec, 3);
  const env = await makeEnv("ant");
  const policy = createPolicy(spec, params, null, env.actionSpace);
  const gait = sinusoidalGait(env.robot);
  const g = new Float32Array(8);
  let neg = 0, pos = 0, spikes = 0, steps = 0;
  const action = new Float32Array(8);
  for (let ep = 0; ep < 1; ep++) {
    let obs = env.reset({ seed: ep }).obs;
    policy.reset();
    for (let t = 0; t < 200; t++) {
      const before = policy.net.plasticTrace("input", 0)!.slice();
      policy.act(obs, action);
      const after = policy.net.plasticTrace("input", 0)!;
      for (let k = 0; k < after.length; k++) {
        if (Math.abs(before[k]) >= 2 || Math.abs(after[k]) >= 2) continue; // clipped
        if (after[k] < before[k]) neg++;
        else if (after[k] > before[k]) pos++;
      }
      for (let j = 0; j < policy.net.hiddenSize; j++) spikes += policy.net.hiddenSpikes[j];
      steps++;
      // drive the robot with a scripted gait so the observations are those of a walking robot
      const r = env.step(gait.action(t * env.controlDt, g));
      obs = r.obs;
      if (r.terminated || r.truncated) break;
    }
  }
  env.close();
  return { share: neg / Math.max(1, neg + pos), meanRate: spikes / (steps * policy.net.hiddenSize), updates: neg + pos };
}

describe("BCM threshold in target-rate units", () => {
  it("kernel and float64 reference follow theta = <r^2>/r0 in closed form (one synapse, post driven on then off)", () => {
    const spec = parseNetworkSpec({
      encoder: { kind: "direct", size: 2, tau: 1e-3 },
      hidden: { size: 1, neuron: { model: "lif", tau: 1e-3, threshold: 0.5, refractory: 0 } },
      projections: { input: { initScale: 1 }, recurrent: { enabled: false } },
      plasticity: { rule: "bcm", etaInit: 1, clip: 100, tauRate: 10, tauTheta: 30, bcmTargetRate: 0.25 },
      decoder: { kind: "leaky", size: 1, tau: 2 },
    });
    const params = initParams(spec, 0);
    const view = (name: string) => buildLayout(spec).entry(name).offset;
    params.fill(0);
    params[view("encoder.gain")] = 1;
    params[view("encoder.gain") + 1] = 1;
    params[view("input.W") + 1] = 1; // input 1 drives the neuron; input 0 (measured synapse) spikes every step
    params[view("input.eta")] = 1;
    const net = createKernelNet(spec, params, 1);
    const out = new Float32Array(1);
    const lr = Math.exp(-1 / 10), lt = Math.exp(-1 / 30);
    let r = 0, theta = 0, h = 0, depressed = false;
    for (let t = 0; t < 120; t++) {
      const post = t < 60 ? 1 : 0;
      net.step(new Float32Array([1.5, 1.5 * post]), out);
      expect(net.hiddenSpikes[0]).toBe(post);
      r = lr * r + (1 - lr) * post;
      theta = lt * theta + (1 - lt) * r * r;
      const dh = r * (r - theta / 0.25);
      if (post === 1 && dh < 0) depressed = true;
      h += dh;
      expect(net.plasticTrace("input", 0)![0]!).toBeCloseTo(h, 4);
    }
    // firing at 1 spike/step, far above r0 = 0.25: the threshold overtakes the rate and the synapse depresses
    expect(depressed).toBe(true);
  });

  it("on Ant episodes the old threshold (r0 = 1) almost never depresses; the preset's target rate does", async () => {
    const before = await depressionShare(1);
    const after = await depressionShare(undefined); // the preset's bcmTargetRate
    console.log(`BCM depression share: r0 = 1 ${before.share.toExponential(2)} (${before.updates} updates, mean rate ${before.meanRate.toFixed(3)}); preset r0: ${after.share.toFixed(3)} (${after.updates} updates, mean rate ${after.meanRate.toFixed(3)})`);
    expect(before.share).toBeLessThan(1e-3);
    expect(after.share).toBeGreaterThan(0.1);
    expect(after.share).toBeLessThan(0.9);
  });
});
