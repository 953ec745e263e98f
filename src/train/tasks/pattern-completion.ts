/**
 * pattern-completion (after Miconi et al.'s differentiable-plasticity task): each episode draws
 * `patterns` random ±1 patterns of `bits` bits, shows each `repeats` times (shuffled order, `showSteps`
 * on, `gapSteps` off; every shown bit is flipped with probability `flip`), then after `delaySteps`
 * presents one stored pattern with half its bits zeroed, the query flag on, for `queryShow` steps.
 * The target is the full pattern on the query steps; accuracy counts the restored (zeroed) bits
 * whose output sign matches. Gaussian input noise of std `noise` on every channel. Chance is 50%.
 */
import type { Rng } from "../../core/rng.ts";
import { SpikelocoError } from "../../core/errors.ts";
import type { TaskScore, TemporalBatch, TemporalTask } from "./types.ts";

export interface PatternCompletionOptions {
  bits?: number;
  patterns?: number;
  repeats?: number;
  showSteps?: number;
  gapSteps?: number;
  delaySteps?: number;
  queryShow?: number;
  flip?: number;
  noise?: number;
}

export const PATTERN_COMPLETION_DEFAULTS: Required<PatternCompletionOptions> = {
  bits: 8,
  patterns: 3,
  repeats: 2,
  showSteps: 3,
  gapSteps: 2,
  delaySteps: 4,
  queryShow: 4,
  flip: 0,
  noise: 0.1,
};

export function patternCompletion(options: PatternCompletionOptions = {}): TemporalTask {
  const o = { ...PATTERN_COMPLETION_DEFAULTS, ...options };
  for (const k of ["bits", "patterns", "repeats", "showSteps", "queryShow"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < (k === "bits" ? 2 : 1)) throw new SpikelocoError(`must be a positive integer, got ${o[k]}`, k);
  }
  for (const k of ["gapSteps", "delaySteps"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new SpikelocoError(`must be an integer >= 0, got ${o[k]}`, k);
  }
  if (!(o.flip >= 0 && o.flip <= 0.5)) throw new SpikelocoError(`must be in [0, 0.5], got ${o.flip}`, "flip");
  if (!(o.noise >= 0)) throw new SpikelocoError(`must be >= 0, got ${o.noise}`, "noise");
  const N = o.bits;
  const nIn = N + 1;
  const T = o.patterns * o.repeats * (o.showSteps + o.gapSteps) + o.delaySteps + o.queryShow;
  const inputNames = [...Array.from({ length: N }, (_, i) => `bit${i}`), "query"];

  function sample(rng: Rng, batch: number): TemporalBatch {
    const inputs = new Float32Array(T * batch * nIn);
    const targets = new Float32Array(T * batch * N);
    const mask = new Float32Array(T * batch);
    const queries: TemporalBatch["queries"] = [];
    for (let b = 0; b < batch; b++) {
      const stored = Array.from({ length: o.patterns }, () => Array.from({ length: N }, () => (rng.uniform() < 0.5 ? -1 : 1)));
      let t = 0;
      for (let r = 0; r < o.repeats; r++) {
        for (const p of rng.shuffle(Array.from({ length: o.patterns }, (_, i) => i))) {
          const shown = stored[p]!.map((v) => (rng.uniform() < o.flip ? -v : v));
          for (let s = 0; s < o.showSteps; s++, t++) for (let i = 0; i < N; i++) inputs[(t * batch + b) * nIn + i] = shown[i]!;
          t += o.gapSteps;
        }
      }
      t += o.delaySteps;
      const which = rng.int(o.patterns);
      const hidden = rng.shuffle(Array.from({ length: N }, (_, i) => i)).slice(0, N >> 1).sort((x, y) => x - y);
      const start = t;
      for (let s = 0; s < o.queryShow; s++, t++) {
        for (let i = 0; i < N; i++) {
          inputs[(t * batch + b) * nIn + i] = hidden.includes(i) ? 0 : stored[which]![i]!;
          targets[(t * batch + b) * N + i] = stored[which]![i]!;
        }
        inputs[(t * batch + b) * nIn + N] = 1;
        mask[t * batch + b] = 1;
      }
      queries.push({ b, start, end: t, label: which, bits: hidden.map((i) => i * 2 + (stored[which]![i]! > 0 ? 1 : 0)) });
    }
    if (o.noise > 0) for (let i = 0; i < inputs.length; i++) inputs[i]! += o.noise * rng.normal();
    return { T, batch, nIn, nOut: N, inputs, targets, mask, queries };
  }

  function score(outputs: Float32Array, data: TemporalBatch): TaskScore {
    let correct = 0;
    let total = 0;
    for (const q of data.queries) {
      for (const code of q.bits ?? []) {
        const i = code >> 1;
        const sign = code & 1 ? 1 : -1;
        let sum = 0;
        for (let t = q.start; t < q.end; t++) sum += outputs[(t * data.batch + q.b) * N + i]!;
        if (Math.sign(sum) === sign) correct++;
        total++;
      }
    }
    return { accuracy: total ? correct / total : 0, chance: 0.5 };
  }

  return { name: "pattern-completion", nIn, nOut: N, T, loss: "regression", chance: 0.5, inputNames, sample, score };
}
