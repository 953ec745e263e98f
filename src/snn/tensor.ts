/**
 * Tensor engine: the same network step as the kernel engine (spec.ts, reference.ts), written with
 * @tensorflow/tfjs ops so that reverse-mode autodiff runs through the whole episode, the plastic state
 * (H, eligibility, traces) and the delays included. Spikes use surrogate gradients (surrogate.ts) through
 * tf.customGrad. Backend: tfjs-node ("tensorflow") when installed, else WASM, else the plain CPU backend.
 */
import * as tf from "@tensorflow/tfjs";
import { SpikelocoError } from "../core/errors.ts";
import { netConstants, type NetConstants } from "./constants.ts";
import { buildLayout, checkParams, hasModulator, type ParamLayout } from "./layout.ts";
import { isPlastic, type NetworkSpec, type ProjectionName } from "./spec.ts";
import { relaxKappa } from "./surrogate.ts";

export type TensorBackend = "tensorflow" | "wasm" | "cpu";

let selected: TensorBackend | null = null;

/** Pick tfjs-node when it can load, else the WASM backend, else cpu; returns the name in use. */
export async function selectTensorBackend(): Promise<TensorBackend> {
  if (selected) return selected;
  try {
    const nodeBackend = "@tensorflow/tfjs-node";
    await import(nodeBackend);
    if (await tf.setBackend("tensorflow")) {
      await tf.ready();
      return (selected = "tensorflow");
    }
  } catch {
    // optional dependency missing: fall through to WASM
  }
  try {
    await import("@tensorflow/tfjs-backend-wasm");
    if (await tf.setBackend("wasm")) {
      await tf.ready();
      return (selected = "wasm");
    }
  } catch {
    // fall through
  }
  await useCpuBackend();
  return (selected = "cpu");
}

/**
 * Switch tfjs to its plain CPU backend (chosen on purpose: an exact float32 reference, or no WASM) without
 * the "install our node backend" banner it prints on first use in Node, which reads like a fault in test
 * and CLI output. The backend in use is reported by the callers that care (e.g. `bench snn`).
 */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend("cpu");
  const cpu = tf.findBackend("cpu") as { firstUse?: boolean } | null;
  if (cpu && cpu.firstUse === true) cpu.firstUse = false;
  await tf.ready();
}

export interface TensorRunOptions {
  /** relaxed spikes (gradient checks): see surrogate.ts. */
  relax?: boolean;
}

export interface TensorRun {
  outputs: Float32Array[];
  spikes: Float32Array[];
  modulator: Float32Array[];
}

export interface TensorNet {
  readonly spec: NetworkSpec;
  readonly layout: ParamLayout;
  /** Forward T steps from the episode start (per-step tidy; reads outputs and spikes back each step). */
  run(params: Float32Array, inputs: Float32Array[], batch: number, opts?: TensorRunOptions): TensorRun;
  /** Mean squared error of the actions against targets, and its gradient w.r.t. the flat parameter vector. */
  lossAndGrad(params: Float32Array, inputs: Float32Array[], targets: Float32Array[], batch: number, opts?: TensorRunOptions): { loss: number; grad: Float32Array };
  /** The differentiable episode: inputs [T, B, nIn] -> actions [T, B, nOut], for custom losses. */
  simulate(params: tf.Tensor1D, inputs: tf.Tensor3D, opts?: TensorRunOptions): tf.Tensor3D;
}

interface ProjState {
  H: tf.Tensor | null;
  E: tf.Tensor | null;
  pre: tf.Tensor | null;
  hist: tf.Tensor[];
}

interface State {
  vIn: tf.Tensor;
  v: tf.Tensor;
  u: tf.Tensor;
  a: tf.Tensor;
  ref: tf.Tensor;
  zPrev: tf.Tensor;
  post: tf.Tensor;
  rate: tf.Tensor;
  theta: tf.Tensor;
  y: tf.Tensor;
  outV: tf.Tensor;
  outHist: tf.Tensor[];
  proj: ProjState[];
}

interface Params {
  gain: tf.Tensor1D;
  ebias: tf.Tensor1D;
  hbias: tf.Tensor1D;
  thr: tf.Tensor;
  beta: tf.Tensor;
  decW: tf.Tensor2D;
  decB: tf.Tensor1D;
  modW: tf.Tensor2D | null;
  modB: tf.Tensor | null;
  fanout: tf.Tensor1D | null;
  proj: Array<{ name: ProjectionName; nPre: number; plastic: boolean; W: tf.Tensor2D; A: tf.Tensor2D | null; eta: tf.Tensor | null; aP: tf.Tensor | null; aM: tf.Tensor | null; tent: tf.Tensor | null; kind: string; L: number }>;
}

type SpikeFn = (x: tf.Tensor, mask: tf.Tensor) => tf.Tensor;

/** [x >= 0] as 0/1 through tf.step (whose gradient is zero). The refractory bookkeeping below uses only ops
 *  with registered gradients: tfjs fails on any op without one (Greater, Equal, ...) on a path to the loss. */
const atLeastZero = (x: tf.Tensor): tf.Tensor => tf.sub(1, tf.step(tf.neg(x)));

function makeSpikeFn(spec: NetworkSpec, relax: boolean): SpikeFn {
  const s = spec.surrogate;
  const k = relax ? relaxKappa(s) : 1;
  const negRef = s.kind === "refractoryNegative";
  const grad = (x: tf.Tensor): tf.Tensor => {
    const ax = tf.mul(tf.abs(x), s.scale);
    switch (s.kind) {
      case "fastSigmoid":
        return tf.div(s.gamma * k, tf.square(tf.add(ax, 1)));
      case "gaussian":
        return tf.mul(s.gamma * k, tf.exp(tf.mul(tf.square(ax), -0.5)));
      default:
        return tf.mul(s.gamma * k, tf.relu(tf.sub(1, ax)));
    }
  };
  const relaxed = (x: tf.Tensor): tf.Tensor => {
    const sx = tf.mul(x, s.scale);
    switch (s.kind) {
      case "fastSigmoid":
        return tf.mul(s.gamma, tf.where(tf.less(sx, 0), tf.div(0.5, tf.sub(1, sx)), tf.sub(1, tf.div(0.5, tf.add(1, sx)))));
      case "gaussian":
        return tf.mul(s.gamma * 0.5, tf.add(1, tf.erf(tf.mul(sx, Math.SQRT1_2))));
      default: {
        const q = tf.clipByValue(sx, -1, 1);
        return tf.mul(s.gamma, tf.where(tf.less(q, 0), tf.mul(0.5, tf.square(tf.add(1, q))), tf.sub(1, tf.mul(0.5, tf.square(tf.sub(1, q))))));
      }
    }
  };
  const body = (x: tf.Tensor, mask: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, mask]);
    const open = tf.sub(1, mask);
    let value = relax ? tf.mul(open, relaxed(x)) : tf.mul(open, tf.cast(tf.greaterEqual(x, 0), "float32"));
    if (relax && negRef) value = tf.add(value, tf.mul(mask, tf.mul(x, -s.gamma * k)));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, m] = saved as [tf.Tensor, tf.Tensor];
        let g = tf.mul(tf.sub(1, m), grad(sx));
        if (negRef) g = tf.add(g, tf.mul(m, -s.gamma * k));
        return [tf.mul(dy, g), tf.zerosLike(m)];
      },
    };
  };
  const f = tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x, mask) => f(x, mask) as tf.Tensor;
}

export function createTensorNet(spec: NetworkSpec): TensorNet {
  const layout = buildLayout(spec);
  const c: NetConstants = netConstants(spec);
  const { nEnc, nHid, nOut, nIn } = c;
  const neuron = spec.hidden.neuron;
  const pl = spec.plasticity;
  const modulated = hasModulator(spec);
  const elig = pl.eligibilityTau !== null;
  const leak = pl.decayTau !== null;
  const win = spec.decoder.kind === "count" ? spec.decoder.window : 0;

  function sliceParams(P: tf.Tensor1D): Params {
    const get = (name: string): tf.Tensor => {
      const e = layout.entry(name);
      return tf.reshape(tf.slice(P, e.offset, e.length), e.shape);
    };
    const beta = layout.has("hidden.tau")
      ? tf.exp(tf.div(-spec.dt, tf.maximum(get("hidden.tau"), Math.fround(spec.dt / 10))))
      : tf.scalar(c.betaMem);
    const proj: Params["proj"] = [];
    for (const name of ["input", "recurrent"] as const) {
      const ps = spec.projections[name];
      if (!ps.enabled) continue;
      const plastic = isPlastic(spec, name);
      const nPre = c.nPre[name];
      let tent: tf.Tensor | null = null;
      const L = c.historyLength[name];
      if (ps.delay.kind !== "none") {
        const d = tf.clipByValue(get(`${name}.delay`), 0, c.delayMax[name]);
        const ks = tf.range(0, L, 1, "float32");
        // tent[k, ...] = relu(1 - |d - k|): linear interpolation weights of the history slots
        const shape = ps.delay.kind === "axon" ? [L, 1] : [L, 1, 1];
        tent = tf.relu(tf.sub(1, tf.abs(tf.sub(tf.expandDims(d, 0), tf.reshape(ks, shape)))));
      }
      proj.push({
        name, nPre, plastic,
        W: get(`${name}.W`) as tf.Tensor2D,
        A: plastic ? (get(`${name}.alpha`) as tf.Tensor2D) : null,
        eta: plastic ? get(`${name}.eta`) : null,
        aP: plastic && pl.rule === "stdp" ? get(`${name}.aPlus`) : null,
        aM: plastic && pl.rule === "stdp" ? get(`${name}.aMinus`) : null,
        tent, kind: ps.delay.kind, L,
      });
    }
    return {
      gain: get("encoder.gain") as tf.Tensor1D,
      ebias: get("encoder.bias") as tf.Tensor1D,
      hbias: get("hidden.bias") as tf.Tensor1D,
      thr: layout.has("hidden.threshold") ? get("hidden.threshold") : tf.scalar(neuron.threshold),
      beta,
      decW: get("decoder.W") as tf.Tensor2D,
      decB: get("decoder.b") as tf.Tensor1D,
      modW: modulated ? (tf.reshape(get("modulator.w"), [nHid, 1]) as tf.Tensor2D) : null,
      modB: modulated ? get("modulator.b") : null,
      fanout: modulated && layout.has("modulator.fanout") ? (get("modulator.fanout") as tf.Tensor1D) : null,
      proj,
    };
  }

  function initialState(B: number, p: Params): State {
    const zeros = (n: number): tf.Tensor2D => tf.zeros([B, n]);
    const izh = neuron.model === "izhikevich";
    return {
      vIn: zeros(nEnc),
      v: izh ? tf.fill([B, nHid], neuron.c) : zeros(nHid),
      u: izh ? tf.fill([B, nHid], Math.fround(neuron.b * neuron.c)) : zeros(nHid),
      a: zeros(nHid),
      ref: zeros(nHid),
      zPrev: zeros(nHid),
      post: zeros(nHid),
      rate: zeros(nHid),
      theta: zeros(nHid),
      y: zeros(nOut),
      outV: zeros(nOut),
      outHist: [],
      proj: p.proj.map((pr) => ({
        H: pr.plastic ? tf.zeros([B, pr.nPre, nHid]) : null,
        E: pr.plastic && elig ? tf.zeros([B, pr.nPre, nHid]) : null,
        pre: pr.plastic && pl.rule === "stdp" ? zeros(pr.nPre) : null,
        hist: [],
      })),
    };
  }

  /** One network step; returns the new state, the actions [B, nOut], hidden spikes and modulator. */
  function step(p: Params, s: State, x: tf.Tensor2D, spike: SpikeFn): { state: State; out: tf.Tensor; z: tf.Tensor2D; m: tf.Tensor } {
    const B = x.shape[0];
    // 1. encoder
    let cur: tf.Tensor2D;
    if (spec.encoder.kind === "direct") cur = tf.add(tf.mul(x, p.gain), p.ebias);
    else {
      const diff = tf.sub(tf.expandDims(x, 2), tf.reshape(tf.tensor1d(c.grfCenters), [1, 1, -1]));
      const g = tf.reshape(tf.exp(tf.neg(tf.mul(tf.square(diff), c.grfInvTwoSigma2))), [B, nEnc]);
      cur = tf.add(tf.mul(g, p.gain), p.ebias);
    }
    const vvIn = tf.add(tf.mul(s.vIn, c.lambdaIn), cur);
    const sIn = spike(tf.sub(vvIn, 1), tf.zerosLike(vvIn)) as tf.Tensor2D;
    const vIn = tf.sub(vvIn, sIn);
    // 2-3. delivered signals and current
    let I: tf.Tensor2D = tf.add(tf.zeros([B, nHid]), p.hbias);
    const delivered: tf.Tensor[] = [];
    const newProj: ProjState[] = [];
    p.proj.forEach((pr, idx) => {
      const ps = s.proj[idx]!;
      const src = pr.name === "input" ? sIn : s.zPrev;
      const hist = pr.kind === "none" ? [] : [src, ...ps.hist].slice(0, pr.L);
      while (hist.length < pr.L) hist.push(tf.zerosLike(src));
      let xd: tf.Tensor;
      if (pr.kind === "none") xd = src;
      else if (pr.kind === "axon") xd = tf.sum(tf.mul(tf.stack(hist), tf.expandDims(pr.tent!, 1)), 0); // [B, nPre]
      else {
        // X[b,i,j] = sum_k hist_k[b,i] tent[k,i,j]
        const hs = tf.transpose(tf.stack(hist), [2, 1, 0]); // [nPre, B, L]
        const tt = tf.transpose(pr.tent!, [1, 0, 2]); // [nPre, L, nHid]
        xd = tf.transpose(tf.matMul(hs as tf.Tensor3D, tt as tf.Tensor3D), [1, 0, 2]); // [B, nPre, nHid]
      }
      delivered.push(xd);
      if (pr.kind === "synapse") {
        const weff = pr.plastic ? tf.add(pr.W, tf.mul(pr.A!, ps.H!)) : pr.W;
        I = tf.add(I, tf.sum(tf.mul(xd, weff), 1));
      } else if (pr.plastic) {
        // x . (W + alpha H) with per batch element weights. transposeA sends every batch size to tfjs-backend-wasm's
        // batched matMul loop, which sums over i in blocks of 48 (each block from 0, the block sums then in order);
        // without it B = 1 would run XNNPACK (in order) and B > 1 the blocked loop, so the rounding, and with it
        // Izhikevich spike trains, would depend on B once nPre > 48. The kernel sums in the same blocks (SUM_BLOCK).
        const weff = tf.add(pr.W, tf.mul(pr.A!, ps.H!)) as tf.Tensor3D;
        I = tf.add(I, tf.squeeze(tf.matMul(tf.expandDims(xd, 2) as tf.Tensor3D, weff, true, false), [1]));
      } else I = tf.add(I, tf.matMul(xd as tf.Tensor2D, pr.W));
      newProj.push({ H: ps.H, E: ps.E, pre: ps.pre, hist: hist as tf.Tensor2D[] });
    });
    // 4. neurons
    const refMask = tf.minimum(s.ref, 1); // ref counts whole steps, so min(ref, 1) = [ref > 0]
    let z: tf.Tensor2D;
    let v: tf.Tensor, u = s.u, a = s.a;
    let hard: tf.Tensor;
    switch (neuron.model) {
      case "lif":
      case "alif": {
        const A = neuron.model === "alif" ? tf.add(p.thr, tf.mul(s.a, neuron.beta)) : p.thr;
        const integrated = tf.add(tf.mul(p.beta, s.v), I);
        const vn = tf.add(tf.mul(refMask, s.v), tf.mul(tf.sub(1, refMask), integrated));
        z = spike(tf.sub(vn, A), refMask) as tf.Tensor2D;
        hard = tf.mul(tf.sub(1, refMask), atLeastZero(tf.sub(vn, A)));
        v = neuron.reset === "zero" ? tf.mul(vn, tf.sub(1, z)) : tf.sub(vn, tf.mul(z, p.thr));
        if (neuron.model === "alif") a = tf.add(tf.mul(s.a, c.rhoAdapt), z);
        break;
      }
      case "stdpLif": {
        const vn = tf.add(tf.mul(p.beta, s.v), I);
        z = spike(tf.sub(vn, p.thr), refMask) as tf.Tensor2D;
        hard = tf.mul(tf.sub(1, refMask), atLeastZero(tf.sub(vn, p.thr)));
        const ending = tf.sub(refMask, tf.minimum(tf.relu(tf.sub(s.ref, 1)), 1)); // [ref == 1]
        v = tf.mul(tf.mul(vn, tf.sub(1, z)), tf.sub(1, ending));
        break;
      }
      case "izhikevich": {
        const n = neuron;
        const vo = s.v, uo = s.u;
        const dv = tf.add(tf.sub(tf.add(tf.add(tf.mul(tf.mul(vo, 0.04), vo), tf.mul(vo, 5)), 140), uo), tf.mul(I, n.inputScale));
        const vn = tf.add(vo, tf.mul(dv, spec.dt));
        const un = tf.add(uo, tf.mul(tf.sub(tf.mul(vo, n.b), uo), Math.fround(spec.dt * n.a)));
        z = spike(tf.sub(vn, n.threshold), tf.zerosLike(vn)) as tf.Tensor2D;
        hard = atLeastZero(tf.sub(vn, n.threshold));
        v = tf.add(tf.mul(vn, tf.sub(1, z)), tf.mul(z, n.c));
        u = tf.add(un, tf.mul(z, n.d));
        break;
      }
    }
    const ref = tf.add(tf.mul(hard, c.refractorySteps), tf.mul(tf.sub(1, hard), tf.relu(tf.sub(s.ref, 1))));
    // 5. modulator
    let m: tf.Tensor = tf.zeros([B]);
    let M3: tf.Tensor | null = null;
    if (modulated) {
      m = tf.tanh(tf.add(tf.reshape(tf.matMul(z, p.modW!), [B]), p.modB!));
      const M = p.fanout ? tf.mul(tf.expandDims(m, 1), p.fanout) : tf.expandDims(m, 1);
      M3 = tf.expandDims(M, 1); // [B, 1, nHid] or [B, 1, 1]
    }
    // 6. traces and plasticity
    const stdp = pl.rule === "stdp", bcm = pl.rule === "bcm";
    const postDecayed = stdp ? tf.mul(s.post, c.lambdaMinus) : s.post;
    const rate = bcm ? tf.add(tf.mul(s.rate, c.lambdaRate), tf.mul(z, Math.fround(1 - c.lambdaRate))) : s.rate;
    const theta = bcm ? tf.add(tf.mul(s.theta, c.lambdaTheta), tf.mul(tf.square(rate), Math.fround(1 - c.lambdaTheta))) : s.theta;
    const y3 = tf.expandDims(z, 1);
    p.proj.forEach((pr, idx) => {
      const ps = newProj[idx]!;
      if (!pr.plastic) return;
      const preDecayed = ps.pre ? tf.mul(ps.pre, c.lambdaPlus) : null;
      const xd = delivered[idx]!;
      const X3 = pr.kind === "synapse" ? xd : tf.expandDims(xd, 2);
      let term: tf.Tensor;
      switch (pl.rule) {
        case "hebb": term = tf.mul(X3, y3); break;
        case "oja": term = tf.mul(y3, tf.sub(X3, tf.mul(y3, ps.H!))); break;
        case "bcm": term = tf.mul(X3, tf.expandDims(tf.mul(rate, tf.sub(rate, c.bcmTargetRate === 1 ? theta : tf.div(theta, c.bcmTargetRate))), 1)); break;
        default: term = tf.sub(tf.mul(tf.mul(pr.aP!, tf.expandDims(preDecayed!, 2)), y3), tf.mul(tf.mul(pr.aM!, tf.expandDims(postDecayed, 1)), X3));
      }
      let E = ps.E;
      let base = term;
      if (elig) { E = tf.add(tf.mul(ps.E!, c.lambdaElig), term) as tf.Tensor3D; base = E; }
      let dh = tf.mul(pr.eta!, base);
      if (M3) dh = tf.mul(dh, M3);
      const H = tf.clipByValue(tf.add(leak ? tf.mul(ps.H!, c.lambdaDecay) : ps.H!, dh), -pl.clip, pl.clip) as tf.Tensor3D;
      const pre = preDecayed ? (tf.add(preDecayed, xd) as tf.Tensor2D) : null;
      newProj[idx] = { H, E, pre, hist: ps.hist };
    });
    const post = stdp ? tf.add(postDecayed, z) : s.post;
    // 7. decoder
    const drive = tf.matMul(z, p.decW);
    let out: tf.Tensor;
    let y: tf.Tensor = s.y, outV: tf.Tensor = s.outV, outHist: tf.Tensor[] = s.outHist;
    if (spec.decoder.kind === "leaky") {
      y = tf.add(tf.mul(s.y, c.lambdaOut), tf.mul(drive, Math.fround(1 - c.lambdaOut)));
      out = tf.tanh(tf.add(y, p.decB));
    } else {
      const vv = tf.add(tf.add(tf.mul(s.outV, c.lambdaOut), drive), p.decB);
      const so = spike(tf.sub(vv, 1), tf.zerosLike(vv)) as tf.Tensor2D;
      outV = tf.sub(vv, so);
      outHist = [so, ...s.outHist].slice(0, win);
      out = tf.sub(tf.mul(tf.addN(outHist), 2 / win), 1);
    }
    return {
      state: { vIn, v, u, a, ref, zPrev: z, post, rate, theta, y, outV, outHist, proj: newProj },
      out, z, m,
    };
  }

  function checkInputs(params: Float32Array, inputs: Float32Array[], batch: number): void {
    checkParams(layout, params);
    if (!Number.isInteger(batch) || batch < 1) throw new SpikelocoError(`must be an integer >= 1, got ${batch}`, "batch");
    inputs.forEach((x, t) => {
      if (x.length !== batch * nIn) throw new SpikelocoError(`expected ${batch * nIn} values (batch ${batch} x ${nIn}), got ${x.length}`, `inputs[${t}]`);
      // The kernel engine reads non-finite observations as 0 (a rollout must go on); here they are a data bug.
      const bad = x.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new SpikelocoError(`must be finite, got ${x[bad]}`, `inputs[${t}][${bad}]`);
    });
  }

  function collect(s: State, into: Set<tf.Tensor>): void {
    for (const t of [s.vIn, s.v, s.u, s.a, s.ref, s.zPrev, s.post, s.rate, s.theta, s.y, s.outV, ...s.outHist]) into.add(t);
    for (const p of s.proj) {
      for (const t of [p.H, p.E, p.pre, ...p.hist]) if (t) into.add(t);
    }
  }

  function simulate(P: tf.Tensor1D, inputs: tf.Tensor3D, opts: TensorRunOptions = {}): tf.Tensor3D {
    const [T, B] = inputs.shape;
    const p = sliceParams(P);
    const spike = makeSpikeFn(spec, opts.relax === true);
    let s = initialState(B, p);
    const outs: tf.Tensor[] = [];
    const xs = tf.unstack(inputs) as tf.Tensor2D[];
    for (let t = 0; t < T; t++) {
      const r = step(p, s, xs[t]!, spike);
      s = r.state;
      outs.push(r.out);
    }
    return tf.stack(outs) as tf.Tensor3D;
  }

  return {
    spec,
    layout,
    simulate,
    run(params, inputs, batch, opts = {}) {
      checkInputs(params, inputs, batch);
      const P = tf.tensor1d(params);
      const p = sliceParams(P);
      const spike = makeSpikeFn(spec, opts.relax === true);
      let s = initialState(batch, p);
      const res: TensorRun = { outputs: [], spikes: [], modulator: [] };
      // steps per tidy scope: bounded so that a scope's intermediates stay around 10 MB
      const synapses = p.proj.reduce((n, pr) => n + pr.nPre * nHid, 0);
      const chunk = Math.max(1, Math.min(200, Math.floor(250_000 / (batch * Math.max(synapses, 1)))));
      for (let t0 = 0; t0 < inputs.length; t0 += chunk) {
        const t1 = Math.min(inputs.length, t0 + chunk);
        const r = tf.tidy(() => {
          let st = s;
          const outs: tf.Tensor[] = [], zs: tf.Tensor[] = [], ms: tf.Tensor[] = [];
          for (let t = t0; t < t1; t++) {
            const o = step(p, st, tf.tensor2d(inputs[t]!, [batch, nIn]), spike);
            st = o.state;
            outs.push(o.out);
            zs.push(o.z);
            ms.push(o.m);
          }
          return { state: st as unknown as tf.TensorContainer, out: tf.stack(outs), z: tf.stack(zs), m: tf.stack(ms) };
        }) as unknown as { state: State; out: tf.Tensor; z: tf.Tensor; m: tf.Tensor };
        const keep = new Set<tf.Tensor>();
        collect(r.state, keep);
        const old = new Set<tf.Tensor>();
        collect(s, old);
        for (const t of old) if (!keep.has(t)) t.dispose();
        s = r.state;
        const out = r.out.dataSync() as Float32Array, z = r.z.dataSync() as Float32Array, m = r.m.dataSync() as Float32Array;
        for (let k = 0; k < t1 - t0; k++) {
          res.outputs.push(out.slice(k * batch * nOut, (k + 1) * batch * nOut));
          res.spikes.push(z.slice(k * batch * nHid, (k + 1) * batch * nHid));
          res.modulator.push(m.slice(k * batch, (k + 1) * batch));
        }
        tf.dispose([r.out, r.z, r.m]);
      }
      const all = new Set<tf.Tensor>();
      collect(s, all);
      for (const t of all) t.dispose();
      tf.dispose(p as unknown as tf.TensorContainer);
      P.dispose();
      return res;
    },
    lossAndGrad(params, inputs, targets, batch, opts = {}) {
      checkInputs(params, inputs, batch);
      if (targets.length !== inputs.length) throw new SpikelocoError(`expected ${inputs.length} steps, got ${targets.length}`, "targets");
      const T = inputs.length;
      const flatIn = new Float32Array(T * batch * nIn);
      inputs.forEach((x, t) => flatIn.set(x, t * batch * nIn));
      const flatTg = new Float32Array(T * batch * nOut);
      targets.forEach((x, t) => {
        if (x.length !== batch * nOut) throw new SpikelocoError(`expected ${batch * nOut} values, got ${x.length}`, `targets[${t}]`);
        flatTg.set(x, t * batch * nOut);
      });
      const P = tf.tensor1d(params);
      const X = tf.tensor3d(flatIn, [T, batch, nIn]);
      const Y = tf.tensor3d(flatTg, [T, batch, nOut]);
      const { value, grad } = tf.valueAndGrad((q: tf.Tensor) => tf.mean(tf.square(tf.sub(simulate(q as tf.Tensor1D, X, opts), Y))))(P);
      const loss = value.dataSync()[0]!;
      const g = grad.dataSync() as Float32Array;
      tf.dispose([value, grad, P, X, Y]);
      return { loss, grad: Float32Array.from(g) };
    },
  };
}
