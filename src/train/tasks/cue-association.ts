/**
 * cue-association: every episode draws a fresh random one-to-one pairing of K cues to K targets.
 * Presentation phase: each (cue, target) pair is shown `repeats` times in shuffled order
 * (cue channel k and target channel π(k) on for `showSteps`, then `gapSteps` of silence).
 * After `delaySteps`, each cue is queried once (shuffled) with the query flag on and no target;
 * the answer is read from the K outputs averaged over the query window.
 * All input channels carry Gaussian noise of std `noise` throughout. Because the pairing is new every
 * episode, only within-episode memory (e.g. plasticity) can beat chance (1/K).
 */
import type { Rng } from "../../core/rng.ts";
import { SpikelocoError } from "../../core/errors.ts";
import type { TaskScore, TemporalBatch, TemporalTask } from "./types.ts";

export interface CueAssociationOptions {
  K?: number;
  repeats?: number;
  showSteps?: number;
  gapSteps?: number;
  delaySteps?: number;
  queryShow?: number;
  noise?: number;
}

export const CUE_ASSOCIATION_DEFAULTS: Required<CueAssociationOptions> = {
  K: 4,
  repeats: 2,
  showSteps: 4,
  gapSteps: 2,
  delaySteps: 6,
  queryShow: 4,
  noise: 0.1,
};

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new SpikelocoError(`must be an integer >= ${min}, got ${v}`, name);
}

export function cueAssociation(options: CueAssociationOptions = {}): TemporalTask {
  const o = { ...CUE_ASSOCIATION_DEFAULTS, ...options };
  checkInt("K", o.K, 2);
  for (const k of ["repeats", "showSteps", "queryShow"] as const) checkInt(k, o[k], 1);
  for (const k of ["gapSteps", "delaySteps"] as const) checkInt(k, o[k], 0);
  if (!(o.noise >= 0)) throw new SpikelocoError(`must be >= 0, got ${o.noise}`, "noise");
  const K = o.K;
  const nIn = 2 * K + 1;
  const queryFlag = 2 * K;
  const presentLen = K * o.repeats * (o.showSteps + o.gapSteps);
  const T = presentLen + o.delaySteps + K * (o.queryShow + o.gapSteps);
  const inputNames = [
    ...Array.from({ length: K }, (_, k) => `cue${k}`),
    ...Array.from({ length: K }, (_, k) => `target${k}`),
    "query",
  ];

  function sample(rng: Rng, batch: number): TemporalBatch {
    const inputs = new Float32Array(T * batch * nIn);
    const targets = new Float32Array(T * batch * K);
    const mask = new Float32Array(T * batch);
    const queries: TemporalBatch["queries"] = [];
    const at = (t: number, b: number, c: number) => (t * batch + b) * nIn + c;
    for (let b = 0; b < batch; b++) {
      const pairing = rng.shuffle(Array.from({ length: K }, (_, k) => k));
      let t = 0;
      for (let r = 0; r < o.repeats; r++) {
        for (const cue of rng.shuffle(Array.from({ length: K }, (_, k) => k))) {
          for (let s = 0; s < o.showSteps; s++, t++) {
            inputs[at(t, b, cue)] = 1;
            inputs[at(t, b, K + pairing[cue]!)] = 1;
          }
          t += o.gapSteps;
        }
      }
      t += o.delaySteps;
      for (const cue of rng.shuffle(Array.from({ length: K }, (_, k) => k))) {
        const start = t;
        for (let s = 0; s < o.queryShow; s++, t++) {
          inputs[at(t, b, cue)] = 1;
          inputs[at(t, b, queryFlag)] = 1;
          targets[(t * batch + b) * K + pairing[cue]!] = 1;
          mask[t * batch + b] = 1;
        }
        queries.push({ b, start, end: t, label: pairing[cue]! });
        t += o.gapSteps;
      }
    }
    if (o.noise > 0) for (let i = 0; i < inputs.length; i++) inputs[i]! += o.noise * rng.normal();
    return { T, batch, nIn, nOut: K, inputs, targets, mask, queries };
  }

  function score(outputs: Float32Array, data: TemporalBatch): TaskScore {
    let correct = 0;
    const mean = new Float64Array(K);
    for (const q of data.queries) {
      mean.fill(0);
      for (let t = q.start; t < q.end; t++) for (let k = 0; k < K; k++) mean[k]! += outputs[(t * data.batch + q.b) * K + k]!;
      let best = 0;
      for (let k = 1; k < K; k++) if (mean[k]! > mean[best]!) best = k;
      if (best === q.label) correct++;
    }
    return { accuracy: correct / data.queries.length, chance: 1 / K };
  }

  return { name: "cue-association", nIn, nOut: K, T, loss: "classification", chance: 1 / K, inputNames, sample, score };
}
