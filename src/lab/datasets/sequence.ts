/**
 * Sequence detection whose intervals only delays can bridge: each class is an ordering of the same
 * input channels, one spike per channel, separated by gaps much longer than the neurons' time constants.
 * Every class delivers the same spikes on the same synapses, only their order differs, so without
 * delays a neuron sees isolated PSPs and cannot tell classes apart; delays that re-align one ordering
 * into a coincidence can. Onset jitter, per-spike jitter and distractor spikes make timing cues noisy.
 *
 * The default gap (40) is 10 membrane time constants of the networks that use it (tau_m = 4): a PSP has
 * decayed to e^{-10} ~ 5e-5 of its size when the next pattern spike arrives. With a gap of 20 (e^{-5} ~ 0.7 %)
 * a weights-only three-factor learner reached 75 % by growing its weights until that residual reordered its
 * readout peaks (at chance when tested with gap 40), so the gap is what keeps the task delay-only.
 * The tail leaves room after the last pattern spike for the coincidence a learned delay creates.
 */
import { Rng } from "../../core/rng.ts";
import type { LabelledSpikes } from "../eventprop/network.ts";

export interface SequenceTaskOptions {
  channels: number;
  /** Orderings (permutations of 0..channels-1), one per class. */
  orderings: number[][];
  gap: number;
  onsetJitter: number;
  spikeJitter: number;
  distractors: number;
  /** Time after the last pattern spike before the trial ends. */
  tail: number;
}

export const DEFAULT_SEQUENCE_TASK: SequenceTaskOptions = {
  channels: 3,
  orderings: [
    [0, 1, 2],
    [2, 1, 0],
    [1, 0, 2],
    [0, 2, 1],
  ],
  gap: 40,
  onsetJitter: 10,
  spikeJitter: 0.5,
  distractors: 1,
  tail: 20,
};

export function sequenceTrialEnd(o: SequenceTaskOptions): number {
  return o.onsetJitter + (o.channels - 1) * o.gap + o.tail;
}

export function makeSequenceTask(size: number, seed: number, o: SequenceTaskOptions = DEFAULT_SEQUENCE_TASK): LabelledSpikes[] {
  const rng = new Rng(seed);
  const out: LabelledSpikes[] = [];
  const patternEnd = o.onsetJitter + (o.channels - 1) * o.gap;
  for (let n = 0; n < size; n++) {
    const label = n % o.orderings.length;
    const order = o.orderings[label]!;
    const onset = rng.uniform() * o.onsetJitter;
    const spikes: Array<[number, number]> = [];
    for (let r = 0; r < order.length; r++) {
      spikes.push([Math.max(0, onset + r * o.gap + o.spikeJitter * rng.normal()), order[r]!]);
    }
    for (let k = 0; k < o.distractors; k++) spikes.push([rng.uniform() * patternEnd, rng.int(o.channels)]);
    spikes.sort((a, b) => a[0] - b[0]);
    out.push({
      times: Float64Array.from(spikes, (s) => s[0]),
      neurons: Int32Array.from(spikes, (s) => s[1]),
      label,
    });
  }
  return out;
}
