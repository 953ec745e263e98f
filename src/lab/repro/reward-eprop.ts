/**
 * `spikeloco repro reward-eprop`: reward-based (actor-critic) e-prop trains the `static` agent preset
 * (the same NetworkSpec the other learners use, resized) on a reduced Ant objective from the env layer.
 * Return before and after on held-out reset seeds with the deterministic (mean) action, measured by running
 * the flat parameter vector on the kernel engine; 3 training seeds.
 */
import { loadAgent } from "../../../agents/index.ts";
import type { EnvOptions } from "../../env/options.ts";
import { createKernelNet } from "../../snn/kernel.ts";
import { initParams } from "../../snn/layout.ts";
import type { NetworkSpec } from "../../snn/spec.ts";
import { EnvTask } from "../eprop/env-task.ts";
import { SpecActorCritic } from "../eprop/spec-actor-critic.ts";
import { mean, std } from "../eprop/stats.ts";
import type { ReproExperiment } from "./experiment.ts";

const SEEDS = 3;
const EPISODES = 400;
const EVAL_EVERY = 100;
/** Held-out reset seeds; training episodes use trainSeed() >= 1e6, so the two sets never meet. */
const EVAL_SEEDS = [1, 2, 3];
const trainSeed = (runSeed: number, episode: number) => 1_000_000 * (runSeed + 1) + episode;
const CLOCK_HZ = 2;
const ENV_OPTIONS: EnvOptions = {
  maxSteps: 60,
  healthyReward: 0,
  ctrlCostWeight: 0.02,
  contactCostWeight: 0,
  terminateWhenUnhealthy: false,
};
const PRESET = "static";
/** Preset overrides: 64 hidden LIF neurons, 10 ms SNN step (dt in ms; taus unchanged in ms). */
const OVERRIDES = {
  dt: 10,
  encoder: { tau: 20 },
  hidden: { size: 64, neuron: { tau: 20 } },
  projections: { input: { initScale: 3 }, recurrent: { initScale: 1 } },
  decoder: { tau: 20 },
};
const AGENT = { substeps: 5, lr: 0.003, sigma: 0.3, gamma: 0.95, lambda: 0.9, episodesPerUpdate: 4, obsClip: 3 };

interface Score { return: number; distance: number; healthyFraction: number }
interface SeedRun { seed: number; before: Score; after: Score; curve: Array<Score & { episode: number }> }

/** Mean-action episodes on the kernel engine with the given flat parameters. */
function evaluateOnKernel(spec: NetworkSpec, params: Float32Array, task: EnvTask, obsScale: Float32Array): Score {
  const kernel = createKernelNet(spec, params, 1);
  const input = new Float32Array(task.obsDim), out = new Float32Array(task.actDim);
  const clip = AGENT.obsClip;
  const r: Score = { return: 0, distance: 0, healthyFraction: 0 };
  for (const s of EVAL_SEEDS) {
    kernel.reset();
    let obs = task.reset(s);
    let total = 0;
    for (let done = false; !done;) {
      for (let i = 0; i < input.length; i++) input[i] = Math.max(-clip, Math.min(clip, obs[i]! * obsScale[i]!));
      for (let k = 0; k < AGENT.substeps; k++) kernel.step(input, out);
      const st = task.step(out);
      total += st.reward;
      obs = st.obs;
      done = st.done;
    }
    r.return += total / EVAL_SEEDS.length;
    r.distance += task.distance / EVAL_SEEDS.length;
    r.healthyFraction += task.healthySteps / task.steps / EVAL_SEEDS.length;
  }
  return r;
}

export const experiment: ReproExperiment = {
  name: "reward-eprop",
  summary: "reward-based e-prop (actor-critic) improves the 'static' spiking agent preset on a reduced Ant objective, 3 seeds",
  async run({ seed, log }) {
    const { makeEnv } = await import("../../../envs/index.ts");
    const env = await makeEnv("ant", ENV_OPTIONS);
    const task = new EnvTask(env, { clockHz: CLOCK_HZ });
    const spec = loadAgent(PRESET, { obsDim: task.obsDim, actDim: task.actDim }, OVERRIDES);
    const obsScale = task.observationScales().map((s) => 1 / s);
    const runs: SeedRun[] = [];
    try {
      for (let k = 0; k < SEEDS; k++) {
        const s = seed + k;
        const params = initParams(spec, s);
        const agent = new SpecActorCritic(task, spec, params, { seed: s, feedback: "symmetric", obsScale, ...AGENT });
        const before = evaluateOnKernel(spec, params, task, obsScale);
        const curve = [{ episode: 0, ...before }];
        log(`reward-eprop seed ${s}: before return ${before.return.toFixed(2)} distance ${before.distance.toFixed(2)} m`);
        for (let e = 0; e < EPISODES; e++) {
          agent.episode(trainSeed(s, e), true);
          if ((e + 1) % EVAL_EVERY === 0) {
            const sc = evaluateOnKernel(spec, params, task, obsScale);
            curve.push({ episode: e + 1, ...sc });
            log(`reward-eprop seed ${s}: episode ${e + 1} return ${sc.return.toFixed(2)} distance ${sc.distance.toFixed(2)} m`);
          }
        }
        runs.push({ seed: s, before, after: curve[curve.length - 1]!, curve });
      }
    } finally {
      env.close();
    }
    const stat = (f: (r: SeedRun) => number) => ({ mean: mean(runs.map(f)), std: std(runs.map(f)) });
    return {
      task:
        "Ant (env layer, makeEnv('ant')) with its own reward terms reweighted to forward velocity - 0.02 |a|^2: alive bonus 0, " +
        `contact cost 0, no termination, 60 control steps (3 s) per episode; the observation gets a ${CLOCK_HZ} Hz clock (sin, cos) appended`,
      whyFair:
        "the reward is the env layer's physics-computed forward progress, unchanged apart from dropping the constant alive bonus " +
        "(which rewards nothing the controller learns) and shortening the horizon; before and after are measured the same way, " +
        "with the deterministic mean action on reset seeds never used in training, so the gain cannot come from exploration noise " +
        "or from memorising training starts; the controller is the same spiking network throughout, only its weights change, " +
        "and both scores are measured by running the flat parameter vector on the kernel engine (not on the learner's own copy)",
      controller:
        `agent preset '${PRESET}' (loadAgent) with overrides ${JSON.stringify(OVERRIDES)}: direct-encoded observations (x * scale, clipped to ` +
        `±${AGENT.obsClip}) -> 64 recurrent LIF -> leaky tanh readout; ${AGENT.substeps} SNN steps of 10 ms per 50 ms control step; ` +
        `Gaussian exploration sigma ${AGENT.sigma}; TD(lambda=${AGENT.lambda}) actor-critic: e-prop eligibility traces for the actor ` +
        `(SpecActorCritic, symmetric feedback), linear critic on filtered spikes; Adam lr ${AGENT.lr} on the update summed over ${AGENT.episodesPerUpdate} episodes`,
      episodes: EPISODES,
      evalSeeds: EVAL_SEEDS,
      returnBefore: stat((r) => r.before.return),
      returnAfter: stat((r) => r.after.return),
      distanceBefore: stat((r) => r.before.distance),
      distanceAfter: stat((r) => r.after.distance),
      improvedSeeds: runs.filter((r) => r.after.return > r.before.return).length,
      runs,
    };
  },
  format(r) {
    const f = (x: unknown) => {
      const s = x as { mean: number; std: number };
      return `${s.mean.toFixed(2)} ± ${s.std.toFixed(2)}`;
    };
    const runs = r.runs as Array<{ seed: number; before: Score; after: Score }>;
    return [
      `task: ${r.task}`,
      `return   before ${f(r.returnBefore)}  ->  after ${f(r.returnAfter)}   (improved on ${r.improvedSeeds}/${runs.length} seeds)`,
      `distance before ${f(r.distanceBefore)} m -> after ${f(r.distanceAfter)} m`,
      ...runs.map((x) => `  seed ${x.seed}: return ${x.before.return.toFixed(2)} -> ${x.after.return.toFixed(2)}, distance ${x.before.distance.toFixed(2)} -> ${x.after.distance.toFixed(2)} m, healthy ${(x.after.healthyFraction * 100).toFixed(0)}%`),
    ].join("\n");
  },
};
