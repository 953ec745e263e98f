/**
 * The order-swap harness (order-swap.ts) on the shared network description: a NetworkSpec with two
 * direct-encoded inputs, two hidden neurons (pre = 0, post = 1) and one recurrent synapse pre -> post,
 * run by SpecEpropNet (forward identical to the kernel engine). Each input's encoder neuron fires on every
 * step of its kick (gain 1, bias 0, x = 1), so the kick reaches its hidden neuron as input.W * 1 per step.
 * Neuron parameters follow neurons.ts's defaults in the spec's names; pseudo-derivatives are spec
 * surrogates: triangular (width = threshold, gamma 0.3) for LIF/ALIF, refractoryNegative for stdpLif,
 * fastSigmoid with scale 1/|peak| for Izhikevich (its exponential pseudo-derivative is not a spec kind).
 */
import { Rng } from "../../core/rng.ts";
import { buildLayout } from "../../snn/layout.ts";
import { parseNetworkSpec, type NetworkSpec, type NeuronModel } from "../../snn/spec.ts";
import { driveFor, kickSchedule, measureOrderSwap, type OrderSwapOptions, type OrderSwapResult } from "./order-swap.ts";
import { SpecEpropNet } from "./spec-net.ts";

const PRE = 0;
const POST = 1;

export function orderSwapSpec(model: NeuronModel): NetworkSpec {
  const neuron =
    model === "izhikevich" ? { model, a: 0.02, b: 0.2, c: -65, d: 8, threshold: 30, inputScale: 1 }
    : model === "stdpLif" ? { model, tau: 20, threshold: 1, refractory: 10 }
    : model === "alif" ? { model, tau: 20, threshold: 1, reset: "subtract" as const, refractory: 0, tauAdapt: 200, beta: 0.5 }
    : { model, tau: 20, threshold: 1, reset: "subtract" as const, refractory: 10 };
  const surrogate =
    model === "izhikevich" ? { kind: "fastSigmoid" as const, scale: 1 / 30, gamma: 0.3 }
    : { kind: model === "stdpLif" ? ("refractoryNegative" as const) : ("triangular" as const), scale: 1, gamma: 0.3 };
  return parseNetworkSpec({
    dt: model === "izhikevich" ? 0.5 : 1,
    encoder: { kind: "direct", size: 2, tau: 5 },
    hidden: { size: 2, neuron },
    surrogate,
    decoder: { kind: "leaky", size: 1, tau: 20 },
  });
}

/** The order-swap run on a spec-built network; the jitter draws match runOrderSwap's for the same seed. */
export function runOrderSwapOnSpec(options: OrderSwapOptions): OrderSwapResult {
  const model = options.model;
  const spec = orderSwapSpec(model);
  const layout = buildLayout(spec);
  const params = new Float32Array(layout.size);
  layout.view(params, "encoder.gain").fill(1);
  const drive = driveFor(model);
  const wIn = layout.view(params, "input.W");
  wIn[0 * 2 + PRE] = options.kick ?? drive.kick;
  wIn[1 * 2 + POST] = options.kick ?? drive.kick;
  layout.view(params, "recurrent.W")[PRE * 2 + POST] = drive.weight;
  const net = new SpecEpropNet(spec, params);
  const dt = spec.dt;
  const kickSteps = Math.max(1, Math.round((options.kickMs ?? drive.kickMs) / dt));
  const rng = new Rng(options.seed).fork("order-swap", model);
  const { kicks, totalSteps, stepsPerPeriod } = kickSchedule(options, dt, kickSteps, rng);
  const e = net.eligibility("recurrent.W", "step");
  const synapse = PRE * 2 + POST;
  const x = new Float32Array(2);
  return measureOrderSwap(model, { totalSteps, stepsPerPeriod, dt, points: options.curvePoints ?? 40 }, (t, spikes) => {
    x[0] = kicks[t * 2]!;
    x[1] = kicks[t * 2 + 1]!;
    net.step(x);
    spikes[0] = net.hiddenSpikes[PRE]!;
    spikes[1] = net.hiddenSpikes[POST]!;
    return e[synapse]!;
  });
}
