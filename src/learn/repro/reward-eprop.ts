/**
 * `spikeloco repro reward-eprop`: reward-based (actor-critic) e-prop trains a recurrent LIF spiking
 * controller on a reduced Ant objective from the env layer; return before and after on held-out reset
 * seeds with the deterministic (mean) action, 3 training seeds.
 */
import type { EnvOptions } from "../../env/options.ts";
import { RewardEprop } from "../eprop/actor-critic.ts";
import { EnvTask } from "../eprop/env-task.ts";
import { mean, std } from "../eprop/stats.ts";
import type { ReproExperiment } from "./experiment.ts";

const SEEDS = 3;
const EPISODES = 400;
const EVAL_EVERY = 100;
const EVAL_SEEDS = [100001, 100002, 100003];
const ENV_OPTIONS: EnvOptions = {
  maxSteps: 60,
  healthyReward: 0,
  ctrlCostWeight: 0.02,
  contactCostWeight: 0,
  terminateWhenUnhealthy: false,
};
const AGENT = {
  nRec: 64, lr: 0.003, sigma: 0.3, gamma: 0.95, lambda: 0.9, episodesPerUpdate: 4, substeps: 5, dt: 10, clockPeriods: [500],
};

interface Score { return: number; distance: number; healthyFraction: number }
interface SeedRun { seed: number; before: Score; after: Score; curve: Array<Score & { episode: number }> }

function evaluate(agent: RewardEprop, task: EnvTask): Score {
  const r: Score = { return: 0, distance: 0, healthyFraction: 0 };
  for (const s of EVAL_SEEDS) {
    r.return += agent.episode(s, false).return / EVAL_SEEDS.length;
    r.distance += task.distance / EVAL_SEEDS.length;
    r.healthyFraction += task.healthySteps / task.steps / EVAL_SEEDS.length;
  }
  return r;
}

export const experiment: ReproExperiment = {
  name: "reward-eprop",
  summary: "reward-based e-prop (actor-critic) improves a spiking Ant controller on a reduced objective, 3 seeds",
  async run({ seed, log }) {
    const { makeEnv } = await import("../../env/registry.ts");
    const env = await makeEnv("ant", ENV_OPTIONS);
    const task = new EnvTask(env);
    const runs: SeedRun[] = [];
    try {
      for (let k = 0; k < SEEDS; k++) {
        const s = seed + k;
        const agent = new RewardEprop(task, { seed: s, model: "lif", feedback: "symmetric", obsScale: task.observationScales(), ...AGENT });
        const before = evaluate(agent, task);
        const curve = [{ episode: 0, ...before }];
        log(`reward-eprop seed ${s}: before return ${before.return.toFixed(2)} distance ${before.distance.toFixed(2)} m`);
        for (let e = 0; e < EPISODES; e++) {
          agent.episode(s * 100000 + e, true);
          if ((e + 1) % EVAL_EVERY === 0) {
            const sc = evaluate(agent, task);
            curve.push({ episode: e + 1, ...sc });
            log(`reward-eprop seed ${s}: episode ${e + 1} return ${sc.return.toFixed(2)} distance ${sc.distance.toFixed(2)} m`);
          }
        }
        runs.push({ seed: s, before, after: curve[curve.length - 1], curve });
      }
    } finally {
      env.close();
    }
    const stat = (f: (r: SeedRun) => number) => ({ mean: mean(runs.map(f)), std: std(runs.map(f)) });
    return {
      task:
        "Ant (env layer, makeEnv('ant')) with its own reward terms reweighted to forward velocity - 0.02 |a|^2: alive bonus 0, " +
        "contact cost 0, no termination, 60 control steps (3 s) per episode",
      whyFair:
        "the reward is the env layer's physics-computed forward progress, unchanged apart from dropping the constant alive bonus " +
        "(which rewards nothing the controller learns) and shortening the horizon; before and after are measured the same way, " +
        "with the deterministic mean action on reset seeds never used in training, so the gain cannot come from exploration noise " +
        "or from memorising training starts; the controller is the same spiking network throughout, only its weights change",
      controller:
        `recurrent LIF layer (${AGENT.nRec} neurons, ${AGENT.substeps} x ${AGENT.dt} ms SNN steps per 50 ms control step), tanh-encoded ` +
        "observations + a 2 Hz clock as input currents, 8 leaky action readouts + 1 value readout; Gaussian exploration sigma " +
        `${AGENT.sigma}; TD(lambda=${AGENT.lambda}) actor-critic with e-prop eligibility traces, symmetric feedback, Adam lr ${AGENT.lr} on the update summed over ${AGENT.episodesPerUpdate} episodes`,
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
