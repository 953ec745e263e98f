/**
 * Kernel engine, JS kernel: plain Float32Array loops over a batch of B independent network states that share one
 * parameter vector. No allocation per step. Event-driven where it pays: presynaptic rows whose delivered
 * signal is zero are skipped in the synaptic sum and in the plastic updates (which only touch the
 * synapses a rule can change this step). Every operation that feeds the network state (currents, membranes,
 * traces, E, H, modulator) is one float32 operation in the tensor engine's order (tensor.ts; tanh and exp as
 * its WASM backend computes them, f32math.ts), so the two engines give identical spike trains even for
 * Izhikevich neurons, whose upstroke amplifies a 1-ulp difference into a spike one step apart; only the final
 * action tanh is taken in float64. Semantics: see spec.ts; the float64 reference (reference.ts) states them
 * densely. The WASM SIMD kernel (wasm/kernel.c, kernel-wasm.ts) is this file operation for operation; change both.
 */
import { netConstants, type NetConstants } from "./constants.ts";
import { expf, tanhf } from "./f32math.ts";
import type { KernelNet } from "./kernel.ts";
import { checkBatch, checkBatchIndex, checkStepArrays, meanPlasticDelta, neuronConstants } from "./kernel-common.ts";
import { buildLayout, checkParams, hasModulator } from "./layout.ts";
import { isPlastic, type NetworkSpec, type ProjectionName } from "./spec.ts";

const f32 = Math.fround;
/** rows per partial sum in the synaptic current of plastic projections (tfjs-backend-wasm's batched matMul block). */
const SUM_BLOCK = 48;

interface Projection {
  name: ProjectionName;
  plastic: boolean;
  nPre: number;
  delayKind: "none" | "axon" | "synapse";
  histLen: number;
  dmax: number;
  W: Float32Array;
  A: Float32Array;
  eta: Float32Array;
  etaPerSyn: boolean;
  aPlus: Float32Array;
  aMinus: Float32Array;
  delay: Float32Array;
  H: Float32Array;
  /** cached effective weights W + alpha*H per batch element, updated with every write to H. */
  WE: Float32Array;
  /** eligibility trace E per batch element (decayed every step, as the tensor engine rounds it). */
  E: Float32Array;
  preTrace: Float32Array;
  hist: Float32Array;
  lastSpike: Int32Array;
  /** delivered presynaptic signal this step: x[i] (none/axon) or X[i*nHid+j] (synapse). */
  x: Float32Array;
  X: Float32Array;
  rowActive: Uint8Array;
}

/** The kernel in plain TypeScript: the fallback where WASM SIMD is unavailable, and the WASM kernel's specification. */
export function createJsKernelNet(spec: NetworkSpec, params: Float32Array, batch = 1): KernelNet {
  checkBatch(batch);
  const layout = buildLayout(spec);
  checkParams(layout, params);
  const c: NetConstants = netConstants(spec);
  const { nEnc, nHid, nOut, nIn } = c;
  const B = batch;
  const neuron = spec.hidden.neuron;
  const model = neuron.model;
  const rule = spec.plasticity.rule;
  const modulated = hasModulator(spec);
  const elig = spec.plasticity.eligibilityTau !== null;
  const leak = spec.plasticity.decayTau !== null;
  const clipF = f32(spec.plasticity.clip);
  const decoderCount = spec.decoder.kind === "count";
  const window = spec.decoder.kind === "count" ? spec.decoder.window : 0;
  const refSteps = c.refractorySteps;
  const resetZero = neuron.model === "stdpLif" || ((neuron.model === "lif" || neuron.model === "alif") && neuron.reset === "zero");

  // ---- state
  let nonFiniteInputs = 0;
  const vIn = new Float32Array(B * nEnc);
  const sIn = new Uint8Array(B * nEnc);
  const v = new Float32Array(B * nHid);
  const z = new Uint8Array(B * nHid);
  const zPrev = new Uint8Array(B * nHid);
  const ref = new Int32Array(B * nHid);
  const adapt = new Float32Array(model === "alif" ? B * nHid : 0);
  const u = new Float32Array(model === "izhikevich" ? B * nHid : 0);
  const postTrace = new Float32Array(rule === "stdp" ? B * nHid : 0);
  const rate = new Float32Array(rule === "bcm" ? B * nHid : 0);
  const theta = new Float32Array(rule === "bcm" ? B * nHid : 0);
  const y = new Float32Array(B * nOut);
  const outV = new Float32Array(decoderCount ? B * nOut : 0);
  const outRing = new Uint8Array(decoderCount ? B * window * nOut : 0);
  const outCount = new Int32Array(decoderCount ? B * nOut : 0);
  const modulator = new Float32Array(B);
  // ---- scratch
  const current = new Float32Array(nHid);
  const sumW = new Float32Array(nHid);
  const blockSum = new Float32Array(nHid);
  const Mpost = new Float32Array(nHid).fill(1);
  const phi = new Float32Array(nHid);
  const ltpCoef = new Float32Array(nHid);
  const ltdCoef = new Float32Array(nHid);
  const active = new Int32Array(nHid);
  const acc = new Float32Array(nOut);
  const beta = new Float32Array(nHid);
  const thr = new Float32Array(nHid);

  // constants rounded to float32 exactly as the tensor engine's scalar operands are
  const iz = neuron.model === "izhikevich" ? neuron : { a: 0, b: 0, c: 0, d: 0, threshold: 0, inputScale: 0 };
  const IZ_004 = f32(0.04), izScale = f32(iz.inputScale), izDt = f32(spec.dt), izB = f32(iz.b), izDtA = f32(spec.dt * iz.a);
  const izPeak = f32(iz.threshold), izC = f32(iz.c), izD = f32(iz.d);
  const adaptBeta = f32(neuron.model === "alif" ? neuron.beta : 0);
  let t = 0;
  let frozen = false;
  let P = params;
  let encGain = layout.view(P, "encoder.gain");
  let encBias = layout.view(P, "encoder.bias");
  let hBias = layout.view(P, "hidden.bias");
  let modW: Float32Array = new Float32Array(0);
  let modB: Float32Array = new Float32Array(1);
  let fanout: Float32Array | null = null;
  let decW = layout.view(P, "decoder.W");
  let decB = layout.view(P, "decoder.b");
  const empty = new Float32Array(0);

  const projections: Projection[] = [];
  for (const name of ["input", "recurrent"] as const) {
    const ps = spec.projections[name];
    if (!ps.enabled) continue;
    const nPre = c.nPre[name];
    const plastic = isPlastic(spec, name);
    const n = nPre * nHid;
    projections.push({
      name,
      plastic,
      nPre,
      delayKind: ps.delay.kind,
      histLen: c.historyLength[name],
      dmax: c.delayMax[name],
      W: empty, A: empty, eta: empty, etaPerSyn: spec.plasticity.eta === "synapse", aPlus: empty, aMinus: empty, delay: empty,
      H: new Float32Array(plastic ? B * n : 0),
      WE: new Float32Array(plastic ? B * n : 0),
      E: new Float32Array(plastic && elig ? B * n : 0),
      preTrace: new Float32Array(plastic && rule === "stdp" ? B * nPre : 0),
      hist: new Float32Array(B * nPre * c.historyLength[name]),
      lastSpike: new Int32Array(ps.delay.kind === "synapse" ? B * nPre : 0).fill(-1 << 30),
      x: new Float32Array(nPre),
      X: new Float32Array(ps.delay.kind === "synapse" ? n : 0),
      rowActive: new Uint8Array(nPre),
    });
  }

  function bindParams(p: Float32Array): void {
    checkParams(layout, p);
    P = p;
    encGain = layout.view(P, "encoder.gain");
    encBias = layout.view(P, "encoder.bias");
    hBias = layout.view(P, "hidden.bias");
    decW = layout.view(P, "decoder.W");
    decB = layout.view(P, "decoder.b");
    if (modulated) {
      modW = layout.view(P, "modulator.w");
      modB = layout.view(P, "modulator.b");
      fanout = layout.has("modulator.fanout") ? layout.view(P, "modulator.fanout") : null;
    }
    for (const pr of projections) {
      pr.W = layout.view(P, `${pr.name}.W`);
      if (pr.plastic) {
        pr.A = layout.view(P, `${pr.name}.alpha`);
        pr.eta = layout.view(P, `${pr.name}.eta`);
        if (rule === "stdp") {
          pr.aPlus = layout.view(P, `${pr.name}.aPlus`);
          pr.aMinus = layout.view(P, `${pr.name}.aMinus`);
        }
      }
      if (pr.delayKind !== "none") pr.delay = layout.view(P, `${pr.name}.delay`);
    }
    neuronConstants(spec, layout, P, c.betaMem, beta, thr);
    for (const pr of projections) {
      if (!pr.plastic) continue;
      const n = pr.nPre * nHid;
      for (let b = 0; b < B; b++) for (let k = 0; k < n; k++) pr.WE[b * n + k] = f32(pr.W[k]! + f32(pr.A[k]! * pr.H[b * n + k]!));
    }
  }

  function reset(batchIndex?: number): void {
    checkBatchIndex(batchIndex, B);
    const lo = batchIndex ?? 0;
    const hi = batchIndex === undefined ? B : batchIndex + 1;
    for (let b = lo; b < hi; b++) {
      vIn.fill(0, b * nEnc, (b + 1) * nEnc);
      sIn.fill(0, b * nEnc, (b + 1) * nEnc);
      const h0 = b * nHid;
      const h1 = h0 + nHid;
      v.fill(neuron.model === "izhikevich" ? neuron.c : 0, h0, h1);
      if (neuron.model === "izhikevich") u.fill(neuron.b * neuron.c, h0, h1);
      z.fill(0, h0, h1);
      zPrev.fill(0, h0, h1);
      ref.fill(0, h0, h1);
      if (adapt.length) adapt.fill(0, h0, h1);
      if (postTrace.length) postTrace.fill(0, h0, h1);
      if (rate.length) { rate.fill(0, h0, h1); theta.fill(0, h0, h1); }
      y.fill(0, b * nOut, (b + 1) * nOut);
      if (decoderCount) {
        outV.fill(0, b * nOut, (b + 1) * nOut);
        outCount.fill(0, b * nOut, (b + 1) * nOut);
        outRing.fill(0, b * window * nOut, (b + 1) * window * nOut);
      }
      modulator[b] = 0;
      for (const pr of projections) {
        const n = pr.nPre * nHid;
        if (pr.plastic) {
          pr.H.fill(0, b * n, (b + 1) * n);
          for (let k = 0; k < n; k++) pr.WE[b * n + k] = f32(pr.W[k]! + f32(pr.A[k]! * 0)); // W + alpha * H, as bindParams forms it
        }
        if (pr.E.length) pr.E.fill(0, b * n, (b + 1) * n);
        if (pr.preTrace.length) pr.preTrace.fill(0, b * pr.nPre, (b + 1) * pr.nPre);
        pr.hist.fill(0, b * pr.nPre * pr.histLen, (b + 1) * pr.nPre * pr.histLen);
        if (pr.lastSpike.length) pr.lastSpike.fill(-1 << 30, b * pr.nPre, (b + 1) * pr.nPre);
      }
    }
  }

  /** Fill pr.x (or pr.X + rowActive) with the signal delivered to the synapses this step. */
  function deliver(pr: Projection, b: number, src: Uint8Array, srcOff: number): void {
    const nPre = pr.nPre;
    const x = pr.x;
    if (pr.delayKind === "none") {
      for (let i = 0; i < nPre; i++) x[i] = src[srcOff + i]!;
      return;
    }
    const L = pr.histLen;
    const slot = t % L;
    const hOff = b * nPre * L;
    const hist = pr.hist;
    for (let i = 0; i < nPre; i++) hist[hOff + i * L + slot] = src[srcOff + i]!;
    const dmax = pr.dmax;
    const delay = pr.delay;
    if (pr.delayKind === "axon") {
      for (let i = 0; i < nPre; i++) {
        let d = delay[i]!;
        d = d < 0 ? 0 : d > dmax ? dmax : d;
        const k0 = Math.floor(d);
        const wA = f32(1 - f32(d - k0));
        const wB = f32(1 - f32(f32(k0 + 1) - d));
        const base = hOff + i * L;
        const h0 = hist[base + ((slot - k0 + L) % L)]!;
        const h1 = hist[base + ((slot - k0 - 1 + L) % L)]!;
        x[i] = f32(wA * h0 + wB * h1);
      }
      return;
    }
    const last = pr.lastSpike;
    const X = pr.X;
    const rowActive = pr.rowActive;
    for (let i = 0; i < nPre; i++) {
      if (src[srcOff + i]) last[b * nPre + i] = t;
      const on = t - last[b * nPre + i]! <= dmax + 1;
      rowActive[i] = on ? 1 : 0;
      if (!on) continue;
      const base = hOff + i * L;
      const row = i * nHid;
      for (let j = 0; j < nHid; j++) {
        let d = delay[row + j]!;
        d = d < 0 ? 0 : d > dmax ? dmax : d;
        const k0 = Math.floor(d);
        const wA = f32(1 - f32(d - k0));
        const wB = f32(1 - f32(f32(k0 + 1) - d));
        X[row + j] = f32(wA * hist[base + ((slot - k0 + L) % L)]! + wB * hist[base + ((slot - k0 - 1 + L) % L)]!);
      }
    }
  }

  /**
   * current[j] += sum_i x_ij (W_ij + alpha_ij H_ij), skipping rows with nothing delivered. The sums run in
   * float32 over i in the tensor engine's order, so both engines round alike; that matters for models that
   * amplify rounding (Izhikevich's upstroke). That order is i = 0, 1, ... for static projections (XNNPACK
   * matMul) and per-synapse delays (tf.sum); plastic projections without per-synapse delays go through
   * tfjs-backend-wasm's batched matMul loop, which sums blocks of SUM_BLOCK rows from 0 and then adds the
   * block sums in order (tensor.ts), so here too. At most nHid extra additions per block; none when nPre <= 48.
   */
  function accumulate(pr: Projection, b: number): void {
    const nPre = pr.nPre;
    const n = nPre * nHid;
    // plastic projections read the cached W + alpha*H of this batch element
    const Wv = pr.plastic ? pr.WE : pr.W;
    const off = pr.plastic ? b * n : 0;
    sumW.fill(0);
    if (pr.delayKind === "synapse") {
      const X = pr.X;
      for (let i = 0; i < nPre; i++) {
        if (!pr.rowActive[i]) continue;
        const row = i * nHid;
        for (let j = 0; j < nHid; j++) {
          const xv = X[row + j]!;
          if (xv !== 0) sumW[j]! += f32(xv * Wv[off + row + j]!);
        }
      }
    } else {
      const x = pr.x;
      const block = pr.plastic ? SUM_BLOCK : nPre;
      for (let i0 = 0; i0 < nPre; i0 += block) {
        const i1 = Math.min(nPre, i0 + block);
        // the first block sums straight into sumW (it starts at 0); later ones into blockSum, then added
        const acc = i0 === 0 ? sumW : blockSum;
        let any = false;
        for (let i = i0; i < i1; i++) {
          const xi = x[i]!;
          if (xi === 0) continue;
          if (!any && i0 > 0) blockSum.fill(0);
          any = true;
          const r = off + i * nHid;
          if (xi === 1) for (let j = 0; j < nHid; j++) acc[j]! += Wv[r + j]!;
          else for (let j = 0; j < nHid; j++) acc[j]! += f32(xi * Wv[r + j]!);
        }
        if (any && i0 > 0) for (let j = 0; j < nHid; j++) sumW[j]! += blockSum[j]!;
      }
    }
    for (let j = 0; j < nHid; j++) current[j]! += sumW[j]!;
  }

  /** Hidden neuron update from `current`; writes z, v, ref for batch b; returns the active count. */
  function updateNeurons(b: number): number {
    const o = b * nHid;
    let nActive = 0;
    for (let j = 0; j < nHid; j++) {
      const I = current[j]!;
      const k = o + j;
      let spike = 0;
      switch (model) {
        case "lif":
        case "alif": {
          const threshold = model === "alif" ? f32(thr[j]! + f32(adapt[k]! * adaptBeta)) : thr[j]!;
          if (ref[k]! > 0) {
            ref[k] = ref[k]! - 1;
          } else {
            const vn = f32(f32(beta[j]! * v[k]!) + I);
            if (vn >= threshold) {
              spike = 1;
              v[k] = resetZero ? 0 : f32(vn - thr[j]!);
              ref[k] = refSteps;
            } else v[k] = vn;
          }
          if (model === "alif") adapt[k] = f32(f32(c.rhoAdapt * adapt[k]!) + spike);
          break;
        }
        case "stdpLif": {
          const vn = f32(f32(beta[j]! * v[k]!) + I);
          const r = ref[k]!;
          if (r === 0 && vn >= thr[j]!) {
            spike = 1;
            v[k] = 0;
            ref[k] = refSteps;
          } else {
            v[k] = r === 1 ? 0 : vn;
            if (r > 0) ref[k] = r - 1;
          }
          break;
        }
        case "izhikevich": {
          const vo = v[k]!;
          const uo = u[k]!;
          const vn = f32(vo + f32(f32(f32(f32(f32(f32(f32(IZ_004 * vo) * vo) + f32(5 * vo)) + 140) - uo) + f32(I * izScale)) * izDt));
          const un = f32(uo + f32(f32(f32(vo * izB) - uo) * izDtA));
          if (vn >= izPeak) {
            spike = 1;
            v[k] = izC;
            u[k] = f32(un + izD);
          } else {
            v[k] = vn;
            u[k] = un;
          }
          break;
        }
      }
      z[k] = spike;
      if (spike) active[nActive++] = j;
    }
    return nActive;
  }

  /**
   * H = f32(l_h * H) + 0 over len synapses from H[hr] (weights from W[row]), and their cached effective weights.
   * The + 0 turns an underflowed -0 into +0, so a later exact + 0 (the WASM kernel's whole-row updates) cannot
   * change its bits.
   */
  function decayH(pr: Projection, hr: number, row: number, len: number): void {
    const H = pr.H, WE = pr.WE, Wm = pr.W, Am = pr.A, lD = c.lambdaDecay;
    for (let k = 0; k < len; k++) {
      const h = f32(H[hr + k]! * lD) + 0;
      H[hr + k] = h;
      WE[hr + k] = Wm[row + k]! + f32(Am[row + k]! * h);
    }
  }

  /**
   * Plastic update of H for batch element b, rounded like the tensor engine: every product, sum and
   * difference is one float32 operation in the tensor engine's order, i.e.
   *   term (rule, rules.ts) -> [E = l_e * E + term] -> dh = eta * (term | E) -> dh = dh * M_j -> H = clip(H + dh).
   * Rules whose term is zero for a synapse leave it untouched (the tensor engine adds an exact 0); with an
   * eligibility trace every synapse's E decays every step, so that update is dense. A value stored into a
   * Float32Array is rounded by the store, so a sum stored directly (WE = W + f32(alpha * H)) is one float32
   * operation; only intermediate results need Math.fround. Per-postsynaptic coefficients are precomputed
   * where the tensor engine's operands make them exact (x = 1, one eta per projection).
   * With decayTau, H = clip(f32(l_h * H) + dh) for every synapse, which is dense: decayH first takes every H to
   * f32(l_h * H) (no clip needed: |l_h H| <= |H| <= clip), then the rule's own update adds dh where it is nonzero;
   * Oja's term reads H before its decay, so Oja decays and updates synapse by synapse.
   */
  function plasticity(pr: Projection, b: number, nActive: number): void {
    const nPre = pr.nPre;
    const n = nPre * nHid;
    const hOff = b * n;
    const H = pr.H;
    const WE = pr.WE, Wm = pr.W, Am = pr.A;
    const etaArr = pr.eta;
    const perSyn = pr.etaPerSyn;
    const eta0 = etaArr[0]!;
    const synapse = pr.delayKind === "synapse";
    const x = pr.x, X = pr.X, rowActive = pr.rowActive;
    const post = b * nHid;
    const aP = rule === "stdp" ? pr.aPlus[0]! : 0;
    const pre = pr.preTrace;
    const po = b * nPre;
    // per-postsynaptic factors, rounded as the tensor engine's broadcast operands
    if (rule === "bcm") {
      for (let j = 0; j < nHid; j++) {
        const r = rate[post + j]!;
        phi[j] = f32(r * f32(r - f32(theta[post + j]! / c.bcmTargetRate))); // rate * (rate - <r^2>/r0)
      }
    } else if (rule === "stdp") {
      const aM = pr.aMinus[0]!;
      for (let j = 0; j < nHid; j++) ltdCoef[j] = f32(aM * postTrace[post + j]!); // aMinus * postTrace
    }
    if (!elig) {
      if (leak && rule !== "oja") decayH(pr, hOff, 0, n);
      switch (rule) {
        case "hebb":
          // term = x (y = 1); for x = 1 and one eta per projection dh = (eta * 1) * M_j = eta * M_j
          if (!perSyn) for (let a = 0; a < nActive; a++) ltpCoef[active[a]!] = f32(eta0 * Mpost[active[a]!]!);
          for (let i = 0; i < nPre; i++) {
            if (synapse ? !rowActive[i] : x[i] === 0) continue;
            const row = i * nHid;
            const hr = hOff + row;
            const xi = x[i]!;
            if (!perSyn && !synapse && xi === 1) {
              for (let a = 0; a < nActive; a++) {
                const j = active[a]!;
                const h = f32(H[hr + j]! + ltpCoef[j]!);
                const hc = h > clipF ? clipF : h < -clipF ? -clipF : h;
                H[hr + j] = hc;
                WE[hr + j] = Wm[row + j]! + f32(Am[row + j]! * hc);
              }
            } else {
              for (let a = 0; a < nActive; a++) {
                const j = active[a]!;
                const k = row + j;
                const dh = f32(f32((perSyn ? etaArr[k]! : eta0) * (synapse ? X[k]! : xi)) * Mpost[j]!);
                const h = f32(H[hr + j]! + dh);
                const hc = h > clipF ? clipF : h < -clipF ? -clipF : h;
                H[hr + j] = hc;
                WE[hr + j] = Wm[k]! + f32(Am[k]! * hc);
              }
            }
          }
          return;
        case "oja":
          if (leak) {
            // the term reads H before its decay, so decay and update go together, synapse by synapse
            const lD = c.lambdaDecay;
            for (let i = 0; i < nPre; i++) {
              const row = i * nHid;
              const hr = hOff + row;
              const on = synapse ? rowActive[i] === 1 : true;
              const xi = x[i]!;
              for (let j = 0; j < nHid; j++) {
                const k = row + j;
                const ho = H[hr + j]!;
                const hd = f32(ho * lD) + 0;
                let hc = hd;
                if (z[post + j]) {
                  const d = f32((perSyn ? etaArr[k]! : eta0) * f32((synapse ? (on ? X[k]! : 0) : xi) - ho));
                  const h = f32(hd + (modulated ? f32(d * Mpost[j]!) : d));
                  hc = h > clipF ? clipF : h < -clipF ? -clipF : h;
                }
                H[hr + j] = hc;
                WE[hr + j] = Wm[k]! + f32(Am[k]! * hc);
              }
            }
            return;
          }
          // term = y (x - y H) = x - H (y = 1); row by row (the active columns of a row share cache lines)
          for (let i = 0; i < nPre; i++) {
            const row = i * nHid;
            const hr = hOff + row;
            const on = synapse ? rowActive[i] === 1 : true;
            const xi = x[i]!;
            for (let a = 0; a < nActive; a++) {
              const j = active[a]!;
              const k = row + j;
              const ho = H[hr + j]!;
              const d = f32((perSyn ? etaArr[k]! : eta0) * f32((synapse ? (on ? X[k]! : 0) : xi) - ho));
              const h = ho + (modulated ? f32(d * Mpost[j]!) : d); // M = 1 without a modulator
              const hc = h > clipF ? clipF : h < -clipF ? -clipF : f32(h);
              H[hr + j] = hc;
              WE[hr + j] = Wm[k]! + f32(Am[k]! * hc);
            }
          }
          return;
        case "bcm":
          // term = x phi_j; for x = 1 and one eta per projection dh = (eta * phi_j) * M_j
          if (!perSyn) for (let j = 0; j < nHid; j++) ltpCoef[j] = f32(f32(eta0 * phi[j]!) * Mpost[j]!);
          for (let i = 0; i < nPre; i++) {
            if (synapse ? !rowActive[i] : x[i] === 0) continue;
            const row = i * nHid;
            const hr = hOff + row;
            const xi = x[i]!;
            if (!perSyn && !synapse && xi === 1) {
              for (let j = 0; j < nHid; j++) {
                const dh = ltpCoef[j]!;
                if (dh === 0) continue;
                const h = f32(H[hr + j]! + dh);
                const hc = h > clipF ? clipF : h < -clipF ? -clipF : h;
                H[hr + j] = hc;
                WE[hr + j] = Wm[row + j]! + f32(Am[row + j]! * hc);
              }
            } else {
              for (let j = 0; j < nHid; j++) {
                const k = row + j;
                const dh = f32(f32((perSyn ? etaArr[k]! : eta0) * f32((synapse ? X[k]! : xi) * phi[j]!)) * Mpost[j]!);
                if (dh === 0) continue;
                const h = f32(H[hr + j]! + dh);
                const hc = h > clipF ? clipF : h < -clipF ? -clipF : h;
                H[hr + j] = hc;
                WE[hr + j] = Wm[k]! + f32(Am[k]! * hc);
              }
            }
          }
          return;
        case "stdp": {
          // term = (aPlus preTrace_i) y_j - (aMinus postTrace_j) x_i
          // synapses with an active presynaptic signal: both parts. For x_i = 1, y_j = 0 and one eta per
          // projection the term is -ltd_j exactly, so dh = -((eta * ltd_j) * M_j), precomputed per j ...
          if (!perSyn) for (let j = 0; j < nHid; j++) ltpCoef[j] = f32(f32(eta0 * ltdCoef[j]!) * Mpost[j]!);
          for (let i = 0; i < nPre; i++) {
            const xi = x[i]!;
            if (xi === 0) continue;
            const row = i * nHid;
            const hr = hOff + row;
            const ltp = f32(aP * pre[po + i]!);
            const fast = !perSyn && xi === 1;
            for (let j = 0; j < nHid; j++) {
              let dh: number;
              if (fast && !z[post + j]) dh = -ltpCoef[j]!;
              else {
                const term = f32((z[post + j] ? ltp : 0) - (xi === 1 ? ltdCoef[j]! : f32(ltdCoef[j]! * xi)));
                dh = f32(f32((perSyn ? etaArr[row + j]! : eta0) * term) * Mpost[j]!);
              }
              if (dh === 0) continue;
              const h = f32(H[hr + j]! + dh);
              const hc = h > clipF ? clipF : h < -clipF ? -clipF : h;
              H[hr + j] = hc;
              WE[hr + j] = Wm[row + j]! + f32(Am[row + j]! * hc);
            }
          }
          // ... the others only potentiate through an active postsynaptic neuron (term = aPlus preTrace_i).
          for (let i = 0; i < nPre; i++) {
            if (x[i] !== 0) continue;
            const tr = pre[po + i]!;
            if (tr === 0) continue;
            const ltp = f32(aP * tr);
            const etaLtp = f32(eta0 * ltp);
            const row = i * nHid;
            const hr = hOff + row;
            for (let a = 0; a < nActive; a++) {
              const j = active[a]!;
              const d = perSyn ? f32(etaArr[row + j]! * ltp) : etaLtp;
              const dh = modulated ? f32(d * Mpost[j]!) : d;
              const h = f32(H[hr + j]! + dh);
              const hc = h > clipF ? clipF : h < -clipF ? -clipF : h;
              H[hr + j] = hc;
              WE[hr + j] = Wm[row + j]! + f32(Am[row + j]! * hc);
            }
          }
          return;
        }
      }
      return;
    }
    // eligibility: E = l_e E + term for every synapse, then H += (eta E) M_j where E != 0. Float32Array stores
    // round, so `E[k] = E[k] * lE` and `E[k] += term` are the tensor engine's two float32 operations.
    const E = pr.E;
    const lE = c.lambdaElig;
    for (let i = 0; i < nPre; i++) {
      const row = i * nHid;
      const hr = hOff + row;
      const on = synapse ? rowActive[i] === 1 : x[i] !== 0;
      const xi = x[i]!;
      for (let j = 0; j < nHid; j++) E[hr + j] = E[hr + j]! * lE;
      switch (rule) {
        case "hebb": // term = x y
          if (on) for (let a = 0; a < nActive; a++) { const j = active[a]!; E[hr + j]! += synapse ? X[row + j]! : xi; }
          break;
        case "oja": // term = y (x - y H)
          for (let a = 0; a < nActive; a++) {
            const j = active[a]!;
            E[hr + j]! += f32((synapse ? (on ? X[row + j]! : 0) : xi) - H[hr + j]!);
          }
          break;
        case "bcm": // term = x phi_j
          if (on) for (let j = 0; j < nHid; j++) E[hr + j]! += synapse ? f32(X[row + j]! * phi[j]!) : xi === 1 ? phi[j]! : f32(xi * phi[j]!);
          break;
        case "stdp": { // term = (aPlus preTrace_i) y_j - (aMinus postTrace_j) x_i
          const ltp = f32(aP * pre[po + i]!);
          if (on) for (let j = 0; j < nHid; j++) E[hr + j]! += f32((z[post + j] ? ltp : 0) - (xi === 1 ? ltdCoef[j]! : f32(ltdCoef[j]! * xi)));
          else if (ltp !== 0) for (let a = 0; a < nActive; a++) E[hr + active[a]!]! += ltp;
          break;
        }
      }
      if (leak) decayH(pr, hr, row, nHid); // after the term (Oja's reads H before its decay)
      for (let j = 0; j < nHid; j++) {
        const e = E[hr + j]!;
        if (e === 0) continue;
        const k = row + j;
        const d = f32((perSyn ? etaArr[k]! : eta0) * e);
        const h = H[hr + j]! + (modulated ? f32(d * Mpost[j]!) : d); // M = 1 without a modulator
        const hc = h > clipF ? clipF : h < -clipF ? -clipF : f32(h);
        H[hr + j] = hc;
        WE[hr + j] = Wm[k]! + f32(Am[k]! * hc);
      }
    }
  }

  function step(input: Float32Array, output: Float32Array): void {
    checkStepArrays(input, output, B, nIn, nOut);
    const enc = spec.encoder;
    for (let b = 0; b < B; b++) {
      // 1. encoder population
      const eo = b * nEnc;
      if (enc.kind === "direct") {
        for (let e = 0; e < nEnc; e++) {
          let x = input[b * nIn + e]!;
          if (!Number.isFinite(x)) {
            x = 0;
            nonFiniteInputs++;
          }
          const cur = f32(f32(encGain[e]! * x) + encBias[e]!);
          let vv = f32(f32(c.lambdaIn * vIn[eo + e]!) + cur);
          const s = vv >= 1 ? 1 : 0;
          if (s) vv = f32(vv - 1);
          vIn[eo + e] = vv;
          sIn[eo + e] = s;
        }
      } else {
        const K = enc.centers;
        for (let d = 0; d < nIn; d++) {
          let xd = input[b * nIn + d]!;
          if (!Number.isFinite(xd)) {
            xd = 0;
            nonFiniteInputs++;
          }
          for (let q = 0; q < K; q++) {
            const e = d * K + q;
            const diff = f32(xd - c.grfCenters[q]!);
            const g = expf(f32(-f32(f32(diff * diff) * c.grfInvTwoSigma2)));
            const cur = f32(f32(encGain[e]! * g) + encBias[e]!);
            let vv = f32(f32(c.lambdaIn * vIn[eo + e]!) + cur);
            const s = vv >= 1 ? 1 : 0;
            if (s) vv = f32(vv - 1);
            vIn[eo + e] = vv;
            sIn[eo + e] = s;
          }
        }
      }
      // 2-3. delivered signals and synaptic current
      for (let j = 0; j < nHid; j++) current[j] = hBias[j]!;
      for (const pr of projections) {
        if (pr.name === "input") deliver(pr, b, sIn, eo);
        else deliver(pr, b, zPrev, b * nHid);
        accumulate(pr, b);
      }
      // 4. neurons
      const nActive = updateNeurons(b);
      const ho = b * nHid;
      // 5. modulator
      if (modulated) {
        // as the tensor engine: tanh(z . w + b), the dot product summed in float32 in index order, tanh as
        // the WASM backend's tanhf (f32math.ts)
        let m = 0;
        for (let a = 0; a < nActive; a++) m = f32(m + modW[active[a]!]!);
        m = tanhf(f32(m + modB[0]!));
        modulator[b] = m;
        if (fanout) for (let j = 0; j < nHid; j++) Mpost[j] = f32(m * fanout[j]!);
        else Mpost.fill(m);
      }
      // 6. plasticity (traces first)
      if (rule === "bcm") {
        const oneMinus = f32(1 - c.lambdaRate), oneMinusT = f32(1 - c.lambdaTheta);
        for (let j = 0; j < nHid; j++) {
          const r = f32(f32(c.lambdaRate * rate[ho + j]!) + f32(oneMinus * z[ho + j]!));
          rate[ho + j] = r;
          theta[ho + j] = f32(f32(c.lambdaTheta * theta[ho + j]!) + f32(oneMinusT * f32(r * r)));
        }
      }
      if (rule === "stdp") {
        for (let j = 0; j < nHid; j++) postTrace[ho + j] = f32(c.lambdaMinus * postTrace[ho + j]!);
        for (const pr of projections) {
          if (!pr.plastic) continue;
          const po = b * pr.nPre;
          for (let i = 0; i < pr.nPre; i++) pr.preTrace[po + i] = f32(c.lambdaPlus * pr.preTrace[po + i]!);
        }
      }
      if (!frozen) for (const pr of projections) if (pr.plastic) plasticity(pr, b, nActive);
      if (rule === "stdp") {
        for (let a = 0; a < nActive; a++) postTrace[ho + active[a]!] = postTrace[ho + active[a]!]! + 1;
        for (const pr of projections) {
          if (!pr.plastic) continue;
          const po = b * pr.nPre;
          for (let i = 0; i < pr.nPre; i++) if (pr.x[i] !== 0) pr.preTrace[po + i] = f32(pr.preTrace[po + i]! + pr.x[i]!);
        }
      }
      // 7. decoder
      acc.fill(0);
      for (let a = 0; a < nActive; a++) {
        const row = active[a]! * nOut;
        for (let q = 0; q < nOut; q++) acc[q]! += decW[row + q]!;
      }
      const oo = b * nOut;
      if (!decoderCount) {
        const oneMinus = f32(1 - c.lambdaOut);
        for (let q = 0; q < nOut; q++) {
          const yy = f32(f32(c.lambdaOut * y[oo + q]!) + f32(oneMinus * acc[q]!));
          y[oo + q] = yy;
          output[oo + q] = Math.tanh(f32(yy + decB[q]!));
        }
      } else {
        const slot = (t % window) * nOut + b * window * nOut;
        for (let q = 0; q < nOut; q++) {
          let vv = f32(f32(f32(c.lambdaOut * outV[oo + q]!) + acc[q]!) + decB[q]!);
          const s = vv >= 1 ? 1 : 0;
          if (s) vv = f32(vv - 1);
          outV[oo + q] = vv;
          outCount[oo + q] = outCount[oo + q]! + s - outRing[slot + q]!;
          outRing[slot + q] = s;
          output[oo + q] = (2 * outCount[oo + q]!) / window - 1;
        }
      }
      for (let j = 0; j < nHid; j++) zPrev[ho + j] = z[ho + j]!;
    }
    t++;
  }

  bindParams(params);
  reset();

  return {
    kernel: "js",
    spec,
    layout,
    batch: B,
    inputSize: nIn,
    outputSize: nOut,
    hiddenSize: nHid,
    encodedSize: nEnc,
    hiddenSpikes: z,
    inputSpikes: sIn,
    hiddenVoltage: v,
    modulator,
    get plasticityFrozen() { return frozen; },
    get nonFiniteInputs() { return nonFiniteInputs; },
    reset,
    step,
    setParams: bindParams,
    freezePlasticity(f: boolean) { frozen = f; },
    clearPlasticTraces() {
      for (const pr of projections) {
        if (pr.plastic) {
          pr.H.fill(0);
          for (let b = 0; b < B; b++) pr.WE.set(pr.W, b * pr.nPre * nHid);
        }
        if (pr.E.length) pr.E.fill(0);
      }
    },
    plasticTrace(name, b) {
      const pr = projections.find((p) => p.name === name);
      if (!pr || !pr.plastic) return null;
      const n = pr.nPre * nHid;
      return pr.H.subarray(b * n, (b + 1) * n);
    },
    plasticDelta(b) {
      return meanPlasticDelta(projections.filter((p) => p.plastic).map((p) => ({ A: p.A, H: p.H })), b);
    },
  };
}
