/**
 * Float64 reference of one network step, written densely and plainly (no event skipping, no lazy decay).
 * It states the semantics the two engines implement and serves the finite-difference gradient checks
 * (`relax: true` swaps the spike for its relaxed form, see surrogate.ts). Slow: tests and tools only.
 */
import { netConstants } from "./constants.ts";
import { buildLayout, checkParams, hasModulator } from "./layout.ts";
import { isPlastic, type NetworkSpec, type ProjectionName } from "./spec.ts";
import { relaxedSpike } from "./surrogate.ts";
import { plasticTerm } from "./rules.ts";

export interface ReferenceRun {
  /** [T][B * nOut] actions. */
  outputs: Float64Array[];
  /** [T][B * nHid] hidden spikes (relaxed values in relax mode). */
  spikes: Float64Array[];
  /** [T][B] modulator m(t). */
  modulator: Float64Array[];
  /** final H per plastic projection, [B * nPre * nHid]. */
  H: Partial<Record<ProjectionName, Float64Array>>;
}

export interface ReferenceOptions {
  relax?: boolean;
  /** freeze H at zero (static network). */
  frozen?: boolean;
}

/** Run T steps from the episode start. inputs[t] has B * nIn values. */
export function runReference(spec: NetworkSpec, params: ArrayLike<number>, inputs: ArrayLike<number>[], batch: number, opts: ReferenceOptions = {}): ReferenceRun {
  const layout = buildLayout(spec);
  checkParams(layout, params);
  const P = Float64Array.from(params);
  const view = (name: string): Float64Array => { const e = layout.entry(name); return P.subarray(e.offset, e.offset + e.length); };
  const c = netConstants(spec);
  const { nEnc, nHid, nOut, nIn } = c;
  const B = batch;
  const relax = opts.relax === true;
  const neuron = spec.hidden.neuron;
  const pl = spec.plasticity;
  const sur = spec.surrogate;
  const modulated = hasModulator(spec);
  const elig = pl.eligibilityTau !== null;
  const leak = pl.decayTau !== null;
  const spike = (x: number, refr: boolean): number => relax ? relaxedSpike(sur, x, refr) : (!refr && x >= 0 ? 1 : 0);

  const gain = view("encoder.gain"), ebias = view("encoder.bias"), hbias = view("hidden.bias");
  const decW = view("decoder.W"), decB = view("decoder.b");
  const thr = layout.has("hidden.threshold") ? view("hidden.threshold") : new Float64Array(nHid).fill(neuron.threshold);
  const beta = new Float64Array(nHid).fill(c.betaMem);
  if (layout.has("hidden.tau")) { const tau = view("hidden.tau"); for (let j = 0; j < nHid; j++) beta[j] = Math.exp(-spec.dt / Math.max(tau[j]!, spec.dt / 10)); }

  interface Proj { name: ProjectionName; nPre: number; plastic: boolean; W: Float64Array; A: Float64Array; eta: Float64Array; aP: number; aM: number; delay: Float64Array | null; kind: string; H: Float64Array; E: Float64Array; pre: Float64Array; hist: Float64Array[]; X: Float64Array }
  const projs: Proj[] = [];
  for (const name of ["input", "recurrent"] as const) {
    const ps = spec.projections[name];
    if (!ps.enabled) continue;
    const nPre = c.nPre[name];
    const plastic = isPlastic(spec, name) && !opts.frozen;
    const n = nPre * nHid;
    projs.push({
      name, nPre, plastic: isPlastic(spec, name),
      W: view(`${name}.W`),
      A: isPlastic(spec, name) ? view(`${name}.alpha`) : new Float64Array(n),
      eta: isPlastic(spec, name) ? view(`${name}.eta`) : new Float64Array(1),
      aP: plastic && pl.rule === "stdp" ? view(`${name}.aPlus`)[0]! : 0,
      aM: plastic && pl.rule === "stdp" ? view(`${name}.aMinus`)[0]! : 0,
      delay: ps.delay.kind === "none" ? null : view(`${name}.delay`),
      kind: ps.delay.kind,
      H: new Float64Array(B * n), E: new Float64Array(B * n), pre: new Float64Array(B * nPre),
      hist: [], X: new Float64Array(n),
    });
  }
  const frozen = opts.frozen === true;

  const vIn = new Float64Array(B * nEnc), v = new Float64Array(B * nHid), u = new Float64Array(B * nHid);
  const a = new Float64Array(B * nHid), ref = new Int32Array(B * nHid), zPrev = new Float64Array(B * nHid);
  const post = new Float64Array(B * nHid), rate = new Float64Array(B * nHid), theta = new Float64Array(B * nHid);
  const y = new Float64Array(B * nOut), outV = new Float64Array(B * nOut);
  const win = spec.decoder.kind === "count" ? spec.decoder.window : 0;
  const outHist: Float64Array[] = [];
  if (neuron.model === "izhikevich") { v.fill(neuron.c); u.fill(neuron.b * neuron.c); }

  const run: ReferenceRun = { outputs: [], spikes: [], modulator: [], H: {} };
  const T = inputs.length;
  for (let t = 0; t < T; t++) {
    const inp = inputs[t]!;
    const sIn = new Float64Array(B * nEnc);
    for (let b = 0; b < B; b++) {
      for (let e = 0; e < nEnc; e++) {
        let cur: number;
        if (spec.encoder.kind === "direct") cur = gain[e]! * inp[b * nIn + e]!;
        else {
          const K = spec.encoder.centers;
          const d = Math.floor(e / K), q = e % K;
          const diff = inp[b * nIn + d]! - c.grfCenters[q]!;
          cur = gain[e]! * Math.exp(-diff * diff * c.grfInvTwoSigma2);
        }
        const vv = c.lambdaIn * vIn[b * nEnc + e]! + cur + ebias[e]!;
        const s = spike(vv - 1, false);
        sIn[b * nEnc + e] = s;
        vIn[b * nEnc + e] = vv - s;
      }
    }
    const z = new Float64Array(B * nHid);
    const mOut = new Float64Array(B);
    const out = new Float64Array(B * nOut);
    const outS = new Float64Array(B * nOut);
    // delivered signals
    for (const p of projs) {
      const src = p.name === "input" ? sIn : zPrev;
      p.hist.unshift(src.slice());
      const L = p.delay ? (spec.projections[p.name].delay as { max: number }).max + 2 : 1;
      if (p.hist.length > L) p.hist.pop();
    }
    for (let b = 0; b < B; b++) {
      const I = new Float64Array(nHid);
      for (let j = 0; j < nHid; j++) I[j] = hbias[j]!;
      const Xs: Float64Array[] = [];
      for (const p of projs) {
        const nPre = p.nPre;
        const X = new Float64Array(nPre * nHid);
        const dmax = c.delayMax[p.name];
        const at = (k: number, i: number): number => (p.hist[k] ? p.hist[k]![b * nPre + i]! : 0);
        for (let i = 0; i < nPre; i++) for (let j = 0; j < nHid; j++) {
          let xv: number;
          if (!p.delay) xv = at(0, i);
          else {
            const dRaw = p.kind === "axon" ? p.delay[i]! : p.delay[i * nHid + j]!;
            const d = Math.min(Math.max(dRaw, 0), dmax);
            xv = 0;
            for (let k = 0; k <= dmax + 1; k++) xv += Math.max(0, 1 - Math.abs(d - k)) * at(k, i);
          }
          X[i * nHid + j] = xv;
          const k = i * nHid + j;
          I[j]! += xv * (p.W[k]! + p.A[k]! * p.H[b * nPre * nHid + k]!);
        }
        Xs.push(X);
      }
      // neurons
      for (let j = 0; j < nHid; j++) {
        const k = b * nHid + j;
        const refr = ref[k]! > 0;
        let zz: number;
        let hard: boolean;
        switch (neuron.model) {
          case "lif":
          case "alif": {
            const A = neuron.model === "alif" ? thr[j]! + neuron.beta * a[k]! : thr[j]!;
            const vn = refr ? v[k]! : beta[j]! * v[k]! + I[j]!;
            zz = spike(vn - A, refr);
            hard = !refr && vn >= A;
            v[k] = neuron.reset === "zero" ? vn * (1 - zz) : vn - zz * thr[j]!;
            if (neuron.model === "alif") a[k] = c.rhoAdapt * a[k]! + zz;
            break;
          }
          case "stdpLif": {
            const vn = beta[j]! * v[k]! + I[j]!;
            zz = spike(vn - thr[j]!, refr);
            hard = !refr && vn >= thr[j]!;
            v[k] = vn * (1 - zz) * (ref[k] === 1 ? 0 : 1);
            break;
          }
          case "izhikevich": {
            const n = neuron;
            const vo = v[k]!, uo = u[k]!;
            const vn = vo + spec.dt * (0.04 * vo * vo + 5 * vo + 140 - uo + n.inputScale * I[j]!);
            const un = uo + spec.dt * n.a * (n.b * vo - uo);
            zz = spike(vn - n.threshold, false);
            hard = vn >= n.threshold;
            v[k] = vn * (1 - zz) + n.c * zz;
            u[k] = un + n.d * zz;
            break;
          }
        }
        ref[k] = hard ? c.refractorySteps : Math.max(ref[k]! - 1, 0);
        z[k] = zz;
      }
      // modulator
      const M = new Float64Array(nHid).fill(1);
      if (modulated) {
        const w = view("modulator.w");
        let m = view("modulator.b")[0]!;
        for (let j = 0; j < nHid; j++) m += w[j]! * z[b * nHid + j]!;
        m = Math.tanh(m);
        mOut[b] = m;
        const f = layout.has("modulator.fanout") ? view("modulator.fanout") : null;
        for (let j = 0; j < nHid; j++) M[j] = f ? m * f[j]! : m;
      }
      // traces
      for (let j = 0; j < nHid; j++) {
        const k = b * nHid + j;
        post[k] = c.lambdaMinus * post[k]!;
        rate[k] = c.lambdaRate * rate[k]! + (1 - c.lambdaRate) * z[k]!;
        theta[k] = c.lambdaTheta * theta[k]! + (1 - c.lambdaTheta) * rate[k]! * rate[k]!;
      }
      projs.forEach((p, pi) => {
        const nPre = p.nPre;
        for (let i = 0; i < nPre; i++) p.pre[b * nPre + i] = c.lambdaPlus * p.pre[b * nPre + i]!;
        if (!p.plastic || frozen) return;
        const X = Xs[pi]!;
        for (let i = 0; i < nPre; i++) for (let j = 0; j < nHid; j++) {
          const k = i * nHid + j;
          const hk = b * nPre * nHid + k;
          const term = plasticTerm(pl.rule, {
            x: X[k]!, y: z[b * nHid + j]!, h: p.H[hk]!, preTrace: p.pre[b * nPre + i]!, postTrace: post[b * nHid + j]!,
            rate: rate[b * nHid + j]!, theta: theta[b * nHid + j]! / c.bcmTargetRate, aPlus: p.aP, aMinus: p.aM,
          });
          const eta = p.eta.length === 1 ? p.eta[0]! : p.eta[k]!;
          let dh: number;
          if (elig) { p.E[hk] = c.lambdaElig * p.E[hk]! + term; dh = eta * M[j]! * p.E[hk]!; }
          else dh = eta * M[j]! * term;
          const h = leak ? c.lambdaDecay * p.H[hk]! : p.H[hk]!;
          p.H[hk] = Math.min(Math.max(h + dh, -pl.clip), pl.clip);
        }
      });
      for (const p of projs) {
        const X = Xs[projs.indexOf(p)]!;
        if (pl.rule === "stdp") for (let i = 0; i < p.nPre; i++) p.pre[b * p.nPre + i] = p.pre[b * p.nPre + i]! + X[i * nHid]!;
      }
      for (let j = 0; j < nHid; j++) post[b * nHid + j] = post[b * nHid + j]! + z[b * nHid + j]!;
      // decoder
      for (let q = 0; q < nOut; q++) {
        let s = 0;
        for (let j = 0; j < nHid; j++) s += decW[j * nOut + q]! * z[b * nHid + j]!;
        const o = b * nOut + q;
        if (spec.decoder.kind === "leaky") {
          y[o] = c.lambdaOut * y[o]! + (1 - c.lambdaOut) * s;
          out[o] = Math.tanh(y[o]! + decB[q]!);
        } else {
          const vv = c.lambdaOut * outV[o]! + s + decB[q]!;
          const sp = spike(vv - 1, false);
          outV[o] = vv - sp;
          outS[o] = sp;
        }
      }
    }
    if (spec.decoder.kind === "count") {
      outHist.unshift(outS);
      if (outHist.length > win) outHist.pop();
      for (let o = 0; o < B * nOut; o++) {
        let cnt = 0;
        for (const h of outHist) cnt += h[o]!;
        out[o] = (2 * cnt) / win - 1;
      }
    }
    zPrev.set(z);
    run.outputs.push(out);
    run.spikes.push(z);
    run.modulator.push(mOut);
  }
  for (const p of projs) if (p.plastic) run.H[p.name] = p.H;
  return run;
}

/** Mean squared error of the actions against targets ([T][B * nOut]). */
export function referenceLoss(spec: NetworkSpec, params: ArrayLike<number>, inputs: ArrayLike<number>[], targets: ArrayLike<number>[], batch: number, opts: ReferenceOptions = {}): number {
  const r = runReference(spec, params, inputs, batch, opts);
  let s = 0, n = 0;
  r.outputs.forEach((o, t) => { for (let k = 0; k < o.length; k++) { const d = o[k]! - targets[t]![k]!; s += d * d; n++; } });
  return s / n;
}
