/**
 * e-prop on the shared network description: a `NetworkSpec` (src/snn/spec.ts) and its flat parameter
 * vector (src/snn/layout.ts). The forward step mirrors the kernel engine (src/snn/kernel.ts) operation
 * by operation in float32 (encoder population, hidden current bias + x.W_in + z(t-1).W_rec, the hidden
 * neuron update with the spec's reset convention, leaky decoder, action = tanh(y + b)), so the spike
 * trains equal the kernel's. Gradients are accumulated into one vector of the layout's size, and the
 * learner updates `params` in place, so a spec trained by e-prop runs on the kernel engine and is
 * checkpointed like any other. `step`, `supervise` and `backpropReadout` allocate nothing (parameter views are
 * cached at construction; `params` is updated in place, never replaced).
 *
 * Eligibility (per synapse i -> j, pre = delivered presynaptic signal: encoder spikes, z(t-1), or 1 for
 * hidden.bias). State per synapse: A = d v_j / dW (membrane after reset), C = d c_j / dW (ALIF adaptation
 * or Izhikevich recovery). Each step, with per-neuron coefficients from the model (see `coefficients`):
 *   n   = nA A + nC C + g pre          (d vPre / dW, vPre = membrane before the spike test)
 *   e   = psi (n - eC C)               (eligibility trace dz / dW; psi = spec surrogate)
 *   A'  = rN n + rE e                  (rE = the reset's dependence on the spike: 0 when the path is cut)
 *   C'  = cC C + cA A + cE e
 *   ebar = l_o ebar + e                (filtered like the decoder's y)
 * Learning signal L_j = (1 - l_o) sum_q B_jq delta_q with delta_q = dLoss/dy_q at this step, B = decoder.W
 * (symmetric) or a fixed random matrix; dLoss/dW_ij += L_j ebar_ij. With `resetPath: "keep"` the recursion
 * is the exact forward-mode gradient of a feed-forward layer (no recurrent projection), hence equal to BPTT;
 * with "cut" (e-prop's choice for LIF, Bellec et al. 2020) the reset is held fixed.
 *
 * Supported specs: plasticity rule "none", no delays, leaky decoder. Encoder gain/bias, learned thresholds
 * and time constants are used in the forward pass but get no e-prop gradient (zero in `grad`).
 */
import { SpikelocoError } from "../../core/errors.ts";
import { Rng, deriveSeed } from "../../core/rng.ts";
import { netConstants, type NetConstants } from "../../snn/constants.ts";
import { buildLayout, checkParams, type ParamLayout } from "../../snn/layout.ts";
import type { NetworkSpec } from "../../snn/spec.ts";
import { surrogateGrad, type SurrogateSpec } from "../../snn/surrogate.ts";
import { expf } from "../../snn/f32math.ts";

const f32 = Math.fround;

export type FeedbackKind = "symmetric" | "random";
export type ResetPath = "cut" | "keep";

export interface SpecEpropOptions {
  feedback?: FeedbackKind;
  feedbackSeed?: number;
  resetPath?: ResetPath;
}

/** Layout entries that receive an e-prop gradient. */
export const EPROP_TRAINED = ["input.W", "recurrent.W", "hidden.bias", "decoder.W", "decoder.b"] as const;

interface EligGroup {
  name: string;
  nPre: number;
  /** offset of the entry in the flat vector. */
  offset: number;
  pre: Float32Array;
  A: Float64Array;
  C: Float64Array;
  /** eligibility trace e of this step (unfiltered). */
  e: Float64Array;
  ebar: Float64Array;
}

/** Throws a SpikelocoError naming the spec field e-prop cannot handle. */
export function checkEpropSpec(spec: NetworkSpec): void {
  if (spec.plasticity.rule !== "none") {
    throw new SpikelocoError(`e-prop trains static weights; plasticity rule must be 'none', got '${spec.plasticity.rule}'`, "spec.plasticity.rule");
  }
  for (const name of ["input", "recurrent"] as const) {
    if (spec.projections[name].enabled && spec.projections[name].delay.kind !== "none") {
      throw new SpikelocoError("e-prop does not support delayed projections", `spec.projections.${name}.delay.kind`);
    }
  }
  if (spec.decoder.kind !== "leaky") {
    throw new SpikelocoError("e-prop needs the leaky decoder (count readouts have no learning signal)", "spec.decoder.kind");
  }
}

export class SpecEpropNet {
  readonly spec: NetworkSpec;
  readonly layout: ParamLayout;
  /** The flat parameter vector (updated in place by `applyGradient`). */
  readonly params: Float32Array;
  /** Accumulated gradient, one value per parameter of the layout (float64). */
  readonly grad: Float64Array;
  readonly resetPath: ResetPath;
  readonly feedback: FeedbackKind;
  /** Random feedback matrix [nHid, nOut] (used when feedback is "random"). */
  readonly feedbackMatrix: Float32Array;
  readonly nIn: number;
  readonly nEnc: number;
  readonly nHid: number;
  readonly nOut: number;

  // forward state, same meaning as the kernel's
  readonly inputSpikes: Uint8Array;
  readonly hiddenSpikes: Uint8Array;
  /** hidden membrane after the step (after reset), like KernelNet.hiddenVoltage. */
  readonly hiddenVoltage: Float32Array;
  readonly output: Float32Array;
  readonly psi: Float64Array;
  readonly learningSignal: Float64Array;
  /** sum over steps of the supervised loss since reset(). */
  loss = 0;
  steps = 0;

  private readonly c: NetConstants;
  private readonly surrogate: SurrogateSpec;
  private readonly vIn: Float32Array;
  private readonly zPrev: Float32Array;
  private readonly vPre: Float32Array;
  private readonly ref: Int32Array;
  private readonly adapt: Float32Array;
  private readonly u: Float32Array;
  private readonly y: Float32Array;
  private readonly current: Float32Array;
  private readonly sumW: Float32Array;
  private readonly acc: Float32Array;
  private readonly beta: Float32Array;
  private readonly thr: Float32Array;
  private readonly zbar: Float64Array;
  private readonly delta: Float64Array;
  private readonly groups: EligGroup[];
  // per-neuron eligibility coefficients of the current step
  private readonly nA: Float64Array;
  private readonly nC: Float64Array;
  private readonly gIn: Float64Array;
  private readonly eC: Float64Array;
  private readonly rN: Float64Array;
  private readonly rE: Float64Array;
  private readonly cC: Float64Array;
  private readonly cA: Float64Array;
  private readonly cE: Float64Array;
  // views into `params` (same buffer, so in-place updates show through), cached so a step allocates nothing
  private readonly encGain: Float32Array;
  private readonly encBias: Float32Array;
  private readonly hBias: Float32Array;
  private readonly decW: Float32Array;
  private readonly decB: Float32Array;
  /** [input.W or null, recurrent.W or null] */
  private readonly projW: [Float32Array | null, Float32Array | null];
  private readonly inputGroup: EligGroup | null;
  private readonly offDecW: number;
  private readonly offDecB: number;

  constructor(spec: NetworkSpec, params: Float32Array, options: SpecEpropOptions = {}) {
    checkEpropSpec(spec);
    this.spec = spec;
    this.layout = buildLayout(spec);
    checkParams(this.layout, params);
    this.params = params;
    this.grad = new Float64Array(this.layout.size);
    this.resetPath = options.resetPath ?? "cut";
    this.feedback = options.feedback ?? "symmetric";
    const c = (this.c = netConstants(spec));
    const { nIn, nEnc, nHid, nOut } = c;
    this.nIn = nIn; this.nEnc = nEnc; this.nHid = nHid; this.nOut = nOut;
    this.surrogate = spec.surrogate;
    this.feedbackMatrix = new Float32Array(nHid * nOut);
    new Rng(deriveSeed(options.feedbackSeed ?? 0, "eprop", "feedback")).fillNormal(this.feedbackMatrix, 1 / Math.sqrt(nOut));
    const f = (n: number) => new Float32Array(n);
    const d = (n: number) => new Float64Array(n);
    this.inputSpikes = new Uint8Array(nEnc);
    this.hiddenSpikes = new Uint8Array(nHid);
    this.hiddenVoltage = f(nHid);
    this.output = f(nOut);
    this.psi = d(nHid);
    this.learningSignal = d(nHid);
    this.vIn = f(nEnc); this.zPrev = f(nHid); this.vPre = f(nHid); this.ref = new Int32Array(nHid);
    this.adapt = f(nHid); this.u = f(nHid); this.y = f(nOut);
    this.current = f(nHid); this.sumW = f(nHid); this.acc = f(nOut);
    this.beta = f(nHid); this.thr = f(nHid);
    this.zbar = d(nHid); this.delta = d(nOut);
    this.nA = d(nHid); this.nC = d(nHid); this.gIn = d(nHid); this.eC = d(nHid);
    this.rN = d(nHid); this.rE = d(nHid); this.cC = d(nHid); this.cA = d(nHid); this.cE = d(nHid);
    const group = (name: string, nPre: number, pre: Float32Array): EligGroup => ({
      name, nPre, offset: this.layout.entry(name).offset, pre, A: d(nPre * nHid), C: d(nPre * nHid), e: d(nPre * nHid), ebar: d(nPre * nHid),
    });
    this.groups = [];
    if (spec.projections.input.enabled) this.groups.push(group("input.W", nEnc, f(nEnc)));
    if (spec.projections.recurrent.enabled) this.groups.push(group("recurrent.W", nHid, this.zPrev));
    this.groups.push(group("hidden.bias", 1, new Float32Array([1])));
    this.inputGroup = this.groups.find((g) => g.name === "input.W") ?? null;
    const lay = this.layout;
    this.encGain = lay.view(params, "encoder.gain");
    this.encBias = lay.view(params, "encoder.bias");
    this.hBias = lay.view(params, "hidden.bias");
    this.decW = lay.view(params, "decoder.W");
    this.decB = lay.view(params, "decoder.b");
    this.projW = [
      spec.projections.input.enabled ? lay.view(params, "input.W") : null,
      spec.projections.recurrent.enabled ? lay.view(params, "recurrent.W") : null,
    ];
    this.offDecW = lay.entry("decoder.W").offset;
    this.offDecB = lay.entry("decoder.b").offset;
    this.bindParams();
    this.reset();
  }

  /** Re-read per-neuron constants derived from params (learned tau / threshold); call after editing them. */
  bindParams(): void {
    const { spec, layout, params, c } = this;
    if (spec.hidden.neuron.model !== "izhikevich" && layout.has("hidden.tau")) {
      const tau = layout.view(params, "hidden.tau");
      const minTau = f32(spec.dt / 10);
      for (let j = 0; j < this.nHid; j++) this.beta[j] = expf(f32(-spec.dt / f32(Math.max(tau[j]!, minTau))));
    } else this.beta.fill(c.betaMem);
    if (layout.has("hidden.threshold")) this.thr.set(layout.view(params, "hidden.threshold"));
    else this.thr.fill(spec.hidden.neuron.threshold);
  }

  /** Rest state; clears eligibilities and readout but not the accumulated gradient. */
  reset(): void {
    const neuron = this.spec.hidden.neuron;
    this.vIn.fill(0); this.inputSpikes.fill(0);
    this.hiddenVoltage.fill(neuron.model === "izhikevich" ? neuron.c : 0);
    this.u.fill(neuron.model === "izhikevich" ? f32(neuron.b * neuron.c) : 0);
    this.hiddenSpikes.fill(0); this.zPrev.fill(0); this.vPre.fill(0); this.ref.fill(0); this.adapt.fill(0);
    this.y.fill(0); this.output.fill(0); this.psi.fill(0); this.learningSignal.fill(0);
    this.zbar.fill(0); this.delta.fill(0);
    for (const g of this.groups) { g.A.fill(0); g.C.fill(0); g.e.fill(0); g.ebar.fill(0); }
    this.loss = 0;
    this.steps = 0;
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }

  /** Advance one step: observation x (length nIn) -> actions in `output`; eligibilities updated. */
  step(x: ArrayLike<number>): Float32Array {
    if (x.length !== this.nIn) throw new SpikelocoError(`expected ${this.nIn} values, got ${x.length}`, "input");
    const { spec, c, nEnc, nHid, nOut } = this;
    const sIn = this.inputSpikes, vIn = this.vIn, current = this.current, sumW = this.sumW;
    // 1. encoder population (as the kernel)
    const encGain = this.encGain, encBias = this.encBias;
    const enc = spec.encoder;
    for (let e = 0; e < nEnc; e++) {
      let drive: number;
      if (enc.kind === "direct") drive = x[e]!;
      else {
        const diff = f32(x[Math.floor(e / enc.centers)]! - c.grfCenters[e % enc.centers]!);
        drive = expf(f32(-f32(f32(diff * diff) * c.grfInvTwoSigma2)));
      }
      const cur = f32(f32(encGain[e]! * drive) + encBias[e]!);
      let vv = f32(f32(c.lambdaIn * vIn[e]!) + cur);
      const s = vv >= 1 ? 1 : 0;
      if (s) vv = f32(vv - 1);
      vIn[e] = vv;
      sIn[e] = s;
    }
    // 2-3. synaptic current, summed in the kernel's order and rounding
    const hBias = this.hBias;
    for (let j = 0; j < nHid; j++) current[j] = hBias[j]!;
    for (let pi = 0; pi < 2; pi++) {
      const W = this.projW[pi];
      if (!W) continue;
      const src = pi === 0 ? sIn : this.zPrev;
      sumW.fill(0);
      for (let i = 0; i < src.length; i++) {
        if (src[i] === 0) continue;
        const r = i * nHid;
        for (let j = 0; j < nHid; j++) sumW[j]! += W[r + j]!;
      }
      for (let j = 0; j < nHid; j++) current[j]! += sumW[j]!;
    }
    // 4. neurons and the per-neuron eligibility coefficients
    this.updateNeurons();
    // 5. eligibility vectors, traces and their readout-filtered versions
    const inputGroup = this.inputGroup;
    if (inputGroup) for (let i = 0; i < nEnc; i++) inputGroup.pre[i] = sIn[i]!;
    this.updateEligibility();
    // 6. decoder (as the kernel) and the readout's own trace
    const z = this.hiddenSpikes, decW = this.decW, decB = this.decB;
    const acc = this.acc, y = this.y, lo = c.lambdaOut, oneMinus = f32(1 - c.lambdaOut);
    acc.fill(0);
    for (let j = 0; j < nHid; j++) {
      if (!z[j]) continue;
      const row = j * nOut;
      for (let q = 0; q < nOut; q++) acc[q]! += decW[row + q]!;
    }
    for (let q = 0; q < nOut; q++) {
      const yy = f32(f32(lo * y[q]!) + f32(oneMinus * acc[q]!));
      y[q] = yy;
      this.output[q] = Math.tanh(f32(yy + decB[q]!));
    }
    for (let j = 0; j < nHid; j++) this.zbar[j] = lo * this.zbar[j]! + (1 - lo) * z[j]!;
    for (let j = 0; j < nHid; j++) this.zPrev[j] = z[j]!;
    this.steps++;
    return this.output;
  }

  private updateNeurons(): void {
    const { spec, c, nHid, current, beta, thr, ref, adapt, u, vPre, surrogate } = this;
    const v = this.hiddenVoltage, z = this.hiddenSpikes, psi = this.psi;
    const { nA, nC, gIn, eC, rN, rE, cC, cA, cE } = this;
    const keep = this.resetPath === "keep" ? 1 : 0;
    const neuron = spec.hidden.neuron;
    const refSteps = c.refractorySteps;
    for (let j = 0; j < nHid; j++) {
      const I = current[j]!;
      let spike = 0;
      nC[j] = 0; eC[j] = 0; cC[j] = 0; cA[j] = 0; cE[j] = 0;
      switch (neuron.model) {
        case "lif":
        case "alif": {
          const alif = neuron.model === "alif";
          const adaptBeta = alif ? f32(neuron.beta) : 0;
          const threshold = alif ? f32(thr[j]! + f32(adapt[j]! * adaptBeta)) : thr[j]!;
          const refractory = ref[j]! > 0;
          let vn: number;
          if (refractory) {
            vn = v[j]!;
            ref[j] = ref[j]! - 1;
          } else {
            vn = f32(f32(beta[j]! * v[j]!) + I);
            if (vn >= threshold) {
              spike = 1;
              ref[j] = refSteps;
            }
          }
          const zero = neuron.reset === "zero";
          v[j] = spike ? (zero ? 0 : f32(vn - thr[j]!)) : vn;
          if (alif) adapt[j] = f32(f32(c.rhoAdapt * adapt[j]!) + spike);
          psi[j] = surrogateGrad(surrogate, vn - threshold, refractory);
          nA[j] = refractory ? 1 : beta[j]!;
          gIn[j] = refractory ? 0 : 1;
          rN[j] = zero ? 1 - spike : 1;
          rE[j] = keep * (zero ? -vn : -thr[j]!);
          if (alif) { eC[j] = adaptBeta; cC[j] = c.rhoAdapt; cE[j] = 1; }
          vPre[j] = vn;
          break;
        }
        case "stdpLif": {
          const vn = f32(f32(beta[j]! * v[j]!) + I);
          const r = ref[j]!;
          const ending = r === 1 ? 1 : 0;
          if (r === 0 && vn >= thr[j]!) {
            spike = 1;
            v[j] = 0;
            ref[j] = refSteps;
          } else {
            v[j] = ending ? 0 : vn;
            if (r > 0) ref[j] = r - 1;
          }
          psi[j] = surrogateGrad(surrogate, vn - thr[j]!, r > 0);
          nA[j] = beta[j]!;
          gIn[j] = 1;
          rN[j] = (1 - ending) * (1 - spike);
          rE[j] = -keep * (1 - ending) * vn;
          vPre[j] = vn;
          break;
        }
        case "izhikevich": {
          const dt = spec.dt;
          const vo = v[j]!, uo = u[j]!;
          const vn = f32(vo + f32(f32(f32(f32(f32(f32(f32(f32(0.04) * vo) * vo) + f32(5 * vo)) + 140) - uo) + f32(I * f32(neuron.inputScale))) * f32(dt)));
          const un = f32(uo + f32(f32(f32(vo * f32(neuron.b)) - uo) * f32(dt * neuron.a)));
          if (vn >= f32(neuron.threshold)) {
            spike = 1;
            v[j] = f32(neuron.c);
            u[j] = f32(un + f32(neuron.d));
          } else {
            v[j] = vn;
            u[j] = un;
          }
          psi[j] = surrogateGrad(surrogate, vn - f32(neuron.threshold), false);
          nA[j] = 1 + dt * (0.08 * vo + 5);
          nC[j] = -dt;
          gIn[j] = dt * neuron.inputScale;
          rN[j] = 1 - spike;
          rE[j] = keep * (neuron.c - vn);
          cC[j] = 1 - dt * neuron.a;
          cA[j] = dt * neuron.a * neuron.b;
          cE[j] = keep * neuron.d;
          vPre[j] = vn;
          break;
        }
      }
      z[j] = spike;
    }
  }

  private updateEligibility(): void {
    const { nHid, psi, nA, nC, gIn, eC, rN, rE, cC, cA, cE } = this;
    const kappa = this.c.lambdaOut;
    for (const g of this.groups) {
      const { A, C, e: eNow, ebar, pre, nPre } = g;
      for (let i = 0; i < nPre; i++) {
        const p = pre[i]!;
        const row = i * nHid;
        for (let j = 0; j < nHid; j++) {
          const k = row + j;
          const a = A[k]!, cc = C[k]!;
          const n = nA[j]! * a + nC[j]! * cc + gIn[j]! * p;
          const e = psi[j]! * (n - eC[j]! * cc);
          A[k] = rN[j]! * n + rE[j]! * e;
          C[k] = cC[j]! * cc + cA[j]! * a + cE[j]! * e;
          eNow[k] = e;
          ebar[k] = kappa * ebar[k]! + e;
        }
      }
    }
  }

  /**
   * Supervised e-prop after `step`: loss 0.5 * scale * |action - target|^2, gradient of it accumulated
   * into `grad`. Returns this step's loss.
   */
  supervise(target: ArrayLike<number>, scale = 1): number {
    const { nOut, nHid, output, delta } = this;
    let loss = 0;
    for (let q = 0; q < nOut; q++) {
      const diff = output[q]! - target[q]!;
      loss += 0.5 * scale * diff * diff;
      delta[q] = scale * diff * (1 - output[q]! * output[q]!);
    }
    this.loss += loss;
    this.backpropReadout(delta);
    return loss;
  }

  /**
   * Accumulate the gradient of a loss whose derivative w.r.t. the pre-tanh readout y + b of this step is
   * `dy` (length nOut): readout weights and bias exactly, hidden weights through the learning signal.
   */
  backpropReadout(dy: ArrayLike<number>, scale = 1): void {
    const { nOut, nHid, grad, zbar, learningSignal } = this;
    const decW = this.decW;
    const oW = this.offDecW, oB = this.offDecB;
    const oneMinus = 1 - this.c.lambdaOut;
    const symmetric = this.feedback === "symmetric";
    const Bm = symmetric ? decW : this.feedbackMatrix;
    for (let j = 0; j < nHid; j++) {
      let s = 0;
      const row = j * nOut;
      for (let q = 0; q < nOut; q++) {
        const d = dy[q]! * scale;
        s += Bm[row + q]! * d;
        grad[oW + row + q]! += d * zbar[j]!;
      }
      learningSignal[j] = oneMinus * s;
    }
    for (let q = 0; q < nOut; q++) grad[oB + q]! += dy[q]! * scale;
    this.accumulate(learningSignal, 1);
  }

  /** grad_ij += scale * L_j * ebar_ij for every hidden-side group (input.W, recurrent.W, hidden.bias). */
  accumulate(learningSignal: ArrayLike<number>, scale: number): void {
    const { nHid, grad } = this;
    for (const g of this.groups) {
      const { ebar, nPre, offset } = g;
      for (let i = 0; i < nPre; i++) {
        const row = i * nHid;
        for (let j = 0; j < nHid; j++) grad[offset + row + j]! += scale * learningSignal[j]! * ebar[row + j]!;
      }
    }
  }

  /**
   * Eligibility of a group ("input.W" | "recurrent.W" | "hidden.bias"), [nPre * nHid] in the layout's order:
   * the readout-filtered trace ebar (default) or this step's trace e.
   */
  eligibility(name: string, which: "filtered" | "step" = "filtered"): Float64Array {
    const g = this.groups.find((x) => x.name === name);
    if (!g) throw new SpikelocoError(`no e-prop eligibility for '${name}' in this network`, "name");
    return which === "step" ? g.e : g.ebar;
  }

  /** The low-pass filtered hidden spikes (1 - l_o) sum l_o^k z(t-k): d y / d decoder.W. */
  get readoutTrace(): Float64Array {
    return this.zbar;
  }

  /** Membrane before the spike test of the last step. */
  get preResetVoltage(): Float32Array {
    return this.vPre;
  }

  /** params -= lr * grad on the trained entries (in place, so the flat vector stays the kernel's input). */
  applyGradient(lr: number): void {
    for (const name of EPROP_TRAINED) {
      if (!this.layout.has(name)) continue;
      const e = this.layout.entry(name);
      for (let k = e.offset; k < e.offset + e.length; k++) this.params[k] = this.params[k]! - lr * this.grad[k]!;
    }
  }
}
