/*
 * The kernel engine's step in C, compiled to WASM SIMD (src/snn/wasm/build.ts). It is the JS kernel
 * (src/snn/kernel-js.ts) operation for operation: every float operation here is the float32 operation the
 * JS kernel rounds with Math.fround or a Float32Array store, in the same order, so the two kernels (and the
 * tensor engine) give identical states bit for bit. Build flags keep it that way: no -ffast-math,
 * -ffp-contract=off (no fused multiply-add), and SIMD only across postsynaptic neurons j, where every lane is
 * its own IEEE float32 operation and the order of the sums over presynaptic rows i is unchanged. One difference
 * in form, not in value: the JS kernel caches the effective weights W + alpha H in an array it updates with every
 * write to H; here they are formed where the synaptic current needs them (the same float32 multiply and add),
 * which halves the per-element memory and its traffic.
 *
 * Memory: the host (kernel-wasm.ts) gives each network its own WebAssembly.Memory, lays out every array
 * after __heap_base and writes their addresses into a Net record (NET_FIELDS / PROJ_FIELDS below, all
 * 4-byte fields; the build script copies these lists into the generated TypeScript). Nothing is allocated here.
 * The final tanh of the leaky decoder is left to the host, which takes it in float64 as the JS kernel does.
 */
#include <wasm_simd128.h>
#include "mathf.h"

typedef unsigned char u8;

/* I: int32, F: float32, P: pointer (a byte address in this memory). model and rule are indices into spec.ts's
 * NEURON_MODELS and RULES (the enums below), delayKind into none / axon / synapse. */
#define NET_FIELDS(I, F, P) \
  I(batch) I(nEnc) I(nHid) I(nOut) I(nIn) \
  I(model) I(rule) I(modulated) I(elig) I(grf) I(grfCenters) I(decoderCount) I(window) I(refSteps) I(resetZero) \
  I(hasFanout) I(frozen) I(nonFinite) I(denseFactor) I(leak) \
  F(lambdaIn) F(lambdaOut) F(lambdaRate) F(lambdaTheta) F(bcmTargetRate) F(lambdaPlus) F(lambdaMinus) F(lambdaElig) F(lambdaDecay) F(rhoAdapt) \
  F(clip) F(adaptBeta) F(grfInvTwoSigma2) \
  F(iz004) F(izScale) F(izDt) F(izB) F(izDtA) F(izPeak) F(izC) F(izD) F(izV0) F(izU0) \
  P(float, input) P(float, output) \
  P(float, encGain) P(float, encBias) P(float, hBias) P(float, modW) P(float, modB) P(float, fanout) \
  P(float, decW) P(float, decB) P(float, beta) P(float, thr) P(float, centers) \
  P(float, vIn) P(u8, sIn) P(float, v) P(u8, z) P(u8, zPrev) P(int, ref) P(float, adapt) P(float, u) \
  P(float, postTrace) P(float, rate) P(float, theta) P(float, y) P(float, outV) P(u8, outRing) P(int, outCount) \
  P(float, modulator) \
  P(float, current) P(float, sumW) P(float, Mpost) P(float, phi) P(float, ltpCoef) P(float, ltdCoef) \
  P(float, dhv) P(int, zmask) P(int, active) P(float, acc) P(int, rows) P(float, rowX)

#define PROJ_FIELDS(I, F, P) \
  I(enabled) I(plastic) I(nPre) I(delayKind) I(histLen) I(dmax) I(etaPerSyn) \
  P(float, W) P(float, A) P(float, eta) P(float, aPlus) P(float, aMinus) P(float, delay) \
  P(float, H) P(float, E) P(float, preTrace) P(float, hist) P(int, lastSpike) \
  P(float, x) P(float, X) P(u8, rowActive)

#define DECL_I(name) int name;
#define DECL_F(name) float name;
#define DECL_P(type, name) type *name;

typedef struct { PROJ_FIELDS(DECL_I, DECL_F, DECL_P) } Proj;
typedef struct { NET_FIELDS(DECL_I, DECL_F, DECL_P) Proj proj[2]; } Net;

enum { LIF, ALIF, IZHIKEVICH, STDP_LIF };
enum { RULE_NONE, HEBB, OJA, BCM, STDP };
enum { DELAY_NONE, DELAY_AXON, DELAY_SYNAPSE };

/* rows per partial sum in the synaptic current of plastic projections (tfjs-backend-wasm's batched matMul block) */
#define SUM_BLOCK 48

/* steps since the network was created (the JS kernel's t; in this instance's memory, one instance per network) */
static long long T;

#define EXPORT(name) __attribute__((export_name(#name)))

EXPORT(net_size) int net_size(void) { return sizeof(Net); }
EXPORT(expf32) float expf32(float x) { return k_expf(x); }
EXPORT(tanhf32) float tanhf32(float x) { return k_tanhf(x); }

static inline float clampf(float h, float c) { return h > c ? c : h < -c ? -c : h; }

static void fill_f(float *a, int n, float v) { for (int k = 0; k < n; k++) a[k] = v; }
static void fill_i(int *a, int n, int v) { for (int k = 0; k < n; k++) a[k] = v; }
static void fill_u8(u8 *a, int n) { for (int k = 0; k < n; k++) a[k] = 0; }

/* Clear the episode state of batch elements [lo, hi). */
EXPORT(reset) void reset(Net *n, int lo, int hi) {
  int nEnc = n->nEnc, nHid = n->nHid, nOut = n->nOut, W = n->window;
  for (int b = lo; b < hi; b++) {
    fill_f(n->vIn + b * nEnc, nEnc, 0);
    fill_u8(n->sIn + b * nEnc, nEnc);
    int h0 = b * nHid;
    fill_f(n->v + h0, nHid, n->model == IZHIKEVICH ? n->izV0 : 0);
    if (n->model == IZHIKEVICH) fill_f(n->u + h0, nHid, n->izU0);
    fill_u8(n->z + h0, nHid);
    fill_u8(n->zPrev + h0, nHid);
    fill_i(n->ref + h0, nHid, 0);
    if (n->model == ALIF) fill_f(n->adapt + h0, nHid, 0);
    if (n->rule == STDP) fill_f(n->postTrace + h0, nHid, 0);
    if (n->rule == BCM) { fill_f(n->rate + h0, nHid, 0); fill_f(n->theta + h0, nHid, 0); }
    fill_f(n->y + b * nOut, nOut, 0);
    if (n->decoderCount) {
      fill_f(n->outV + b * nOut, nOut, 0);
      fill_i(n->outCount + b * nOut, nOut, 0);
      fill_u8(n->outRing + b * W * nOut, W * nOut);
    }
    n->modulator[b] = 0;
    for (int q = 0; q < 2; q++) {
      Proj *p = &n->proj[q];
      if (!p->enabled) continue;
      int nPre = p->nPre, nn = nPre * nHid;
      if (p->plastic) fill_f(p->H + b * nn, nn, 0);
      if (p->plastic && n->elig) fill_f(p->E + b * nn, nn, 0);
      if (p->plastic && n->rule == STDP) fill_f(p->preTrace + b * nPre, nPre, 0);
      fill_f(p->hist + b * nPre * p->histLen, nPre * p->histLen, 0);
      if (p->delayKind == DELAY_SYNAPSE) fill_i(p->lastSpike + b * nPre, nPre, -(1 << 30));
    }
  }
}

/* Fill p->x (or p->X and rowActive) with the signal delivered to the synapses this step. */
static void deliver(Net *n, Proj *p, int b, const u8 *src) {
  int nPre = p->nPre, nHid = n->nHid;
  float *x = p->x;
  if (p->delayKind == DELAY_NONE) {
    for (int i = 0; i < nPre; i++) x[i] = src[i];
    return;
  }
  int L = p->histLen;
  int slot = (int)(T % L);
  int hOff = b * nPre * L;
  float *hist = p->hist;
  for (int i = 0; i < nPre; i++) hist[hOff + i * L + slot] = src[i];
  float dmax = (float)p->dmax;
  const float *delay = p->delay;
  if (p->delayKind == DELAY_AXON) {
    for (int i = 0; i < nPre; i++) {
      float d = delay[i];
      d = d < 0 ? 0 : d > dmax ? dmax : d;
      if (d != d) { x[i] = d; continue; } /* NaN delay: the JS kernel reads undefined history, giving NaN */
      int k0 = (int)__builtin_floorf(d);
      float wA = 1.0f - (d - (float)k0);
      float wB = 1.0f - ((float)(k0 + 1) - d);
      int base = hOff + i * L;
      float h0 = hist[base + (slot - k0 + L) % L];
      float h1 = hist[base + (slot - k0 - 1 + L) % L];
      x[i] = (float)((double)wA * h0 + (double)wB * h1);
    }
    return;
  }
  int *last = p->lastSpike + b * nPre;
  float *X = p->X;
  u8 *rowActive = p->rowActive;
  for (int i = 0; i < nPre; i++) {
    if (src[i]) last[i] = (int)T;
    int on = T - (long long)last[i] <= p->dmax + 1;
    rowActive[i] = on;
    if (!on) continue;
    int base = hOff + i * L, row = i * nHid;
    for (int j = 0; j < nHid; j++) {
      float d = delay[row + j];
      d = d < 0 ? 0 : d > dmax ? dmax : d;
      if (d != d) { X[row + j] = d; continue; }
      int k0 = (int)__builtin_floorf(d);
      float wA = 1.0f - (d - (float)k0);
      float wB = 1.0f - ((float)(k0 + 1) - d);
      X[row + j] = (float)((double)wA * hist[base + (slot - k0 + L) % L] + (double)wB * hist[base + (slot - k0 - 1 + L) % L]);
    }
  }
}

/* s[j] = sum over the listed rows r (in order) of xs[r] * M[rows[r] * nHid + j] (x = 1: the weight itself), from 0. */
static void sum_rows(float *restrict s, const float *restrict M, const int *restrict rows, const float *restrict xs, int nRows, int nHid) {
  int j = 0;
  for (; j + 16 <= nHid; j += 16) {
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (int r = 0; r < nRows; r++) {
      const float *w = M + rows[r] * nHid + j;
      float xi = xs[r];
      v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 4), w2 = wasm_v128_load(w + 8), w3 = wasm_v128_load(w + 12);
      if (xi != 1) {
        v128_t xv = wasm_f32x4_splat(xi);
        w0 = wasm_f32x4_mul(w0, xv); w1 = wasm_f32x4_mul(w1, xv); w2 = wasm_f32x4_mul(w2, xv); w3 = wasm_f32x4_mul(w3, xv);
      }
      a0 = wasm_f32x4_add(a0, w0); a1 = wasm_f32x4_add(a1, w1); a2 = wasm_f32x4_add(a2, w2); a3 = wasm_f32x4_add(a3, w3);
    }
    wasm_v128_store(s + j, a0); wasm_v128_store(s + j + 4, a1); wasm_v128_store(s + j + 8, a2); wasm_v128_store(s + j + 12, a3);
  }
  for (; j + 4 <= nHid; j += 4) {
    v128_t a0 = wasm_f32x4_splat(0);
    for (int r = 0; r < nRows; r++) {
      v128_t w0 = wasm_v128_load(M + rows[r] * nHid + j);
      float xi = xs[r];
      if (xi != 1) w0 = wasm_f32x4_mul(w0, wasm_f32x4_splat(xi));
      a0 = wasm_f32x4_add(a0, w0);
    }
    wasm_v128_store(s + j, a0);
  }
  for (; j < nHid; j++) {
    float a = 0;
    for (int r = 0; r < nRows; r++) {
      float w = M[rows[r] * nHid + j], xi = xs[r];
      a += xi == 1 ? w : xi * w;
    }
    s[j] = a;
  }
}

/* As sum_rows, the weights being W + alpha * H (one float32 multiply and add, as the tensor engine forms them). */
static void sum_rows_plastic(float *restrict s, const float *restrict Wm, const float *restrict Am, const float *restrict H, const int *restrict rows, const float *restrict xs, int nRows, int nHid) {
  int j = 0;
  for (; j + 8 <= nHid; j += 8) {
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
    for (int r = 0; r < nRows; r++) {
      int o = rows[r] * nHid + j;
      float xi = xs[r];
      v128_t w0 = wasm_f32x4_add(wasm_v128_load(Wm + o), wasm_f32x4_mul(wasm_v128_load(Am + o), wasm_v128_load(H + o)));
      v128_t w1 = wasm_f32x4_add(wasm_v128_load(Wm + o + 4), wasm_f32x4_mul(wasm_v128_load(Am + o + 4), wasm_v128_load(H + o + 4)));
      if (xi != 1) {
        v128_t xv = wasm_f32x4_splat(xi);
        w0 = wasm_f32x4_mul(w0, xv); w1 = wasm_f32x4_mul(w1, xv);
      }
      a0 = wasm_f32x4_add(a0, w0); a1 = wasm_f32x4_add(a1, w1);
    }
    wasm_v128_store(s + j, a0); wasm_v128_store(s + j + 4, a1);
  }
  for (; j < nHid; j++) {
    float a = 0;
    for (int r = 0; r < nRows; r++) {
      int o = rows[r] * nHid + j;
      float w = Wm[o] + Am[o] * H[o], xi = xs[r];
      a += xi == 1 ? w : xi * w;
    }
    s[j] = a;
  }
}

/*
 * current[j] += sum_i x_ij (W_ij + alpha_ij H_ij), skipping rows with nothing delivered, summed in float32 over i
 * in the tensor engine's order (see the JS kernel's accumulate): i = 0, 1, ... for static projections and
 * per-synapse delays; for plastic projections without per-synapse delays, blocks of SUM_BLOCK rows each summed
 * from 0, the block sums then added in order.
 */
static void accumulate(Net *n, Proj *p, int b) {
  int nPre = p->nPre, nHid = n->nHid, nn = nPre * nHid;
  int plastic = p->plastic;
  const float *Wv = p->W, *Av = p->A, *Hv = plastic ? p->H + b * nn : 0;
  float *sumW = n->sumW, *current = n->current;
  if (p->delayKind == DELAY_SYNAPSE) {
    fill_f(sumW, nHid, 0);
    const float *X = p->X;
    for (int i = 0; i < nPre; i++) {
      if (!p->rowActive[i]) continue;
      int row = i * nHid;
      for (int j = 0; j < nHid; j++) {
        float xv = X[row + j];
        if (xv != 0) sumW[j] += xv * (plastic ? Wv[row + j] + Av[row + j] * Hv[row + j] : Wv[row + j]);
      }
    }
    for (int j = 0; j < nHid; j++) current[j] += sumW[j];
    return;
  }
  const float *x = p->x;
  int block = p->plastic ? SUM_BLOCK : nPre;
  int *rows = n->rows;
  float *rowX = n->rowX;
  for (int i0 = 0; i0 < nPre; i0 += block) {
    int i1 = i0 + block < nPre ? i0 + block : nPre;
    int nRows = 0;
    for (int i = i0; i < i1; i++) {
      float xi = x[i];
      if (xi == 0) continue;
      rows[nRows] = i;
      rowX[nRows++] = xi;
    }
    /* the first block sums straight into sumW (from 0); later ones into a block sum (dhv is free until the plastic update) */
    float *s = i0 == 0 ? sumW : n->dhv;
    if (i0 > 0 && nRows == 0) continue;
    if (plastic) sum_rows_plastic(s, Wv, Av, Hv, rows, rowX, nRows, nHid);
    else sum_rows(s, Wv, rows, rowX, nRows, nHid);
    if (i0 > 0) {
      float *bs = n->dhv;
      for (int j = 0; j < nHid; j++) sumW[j] += bs[j];
    }
  }
  int j = 0;
  for (; j + 4 <= nHid; j += 4) wasm_v128_store(current + j, wasm_f32x4_add(wasm_v128_load(current + j), wasm_v128_load(sumW + j)));
  for (; j < nHid; j++) current[j] += sumW[j];
}

/* Hidden neuron update from current; writes z, v, ref (and adapt / u) of batch element b; returns the active count. */
static int update_neurons(Net *n, int b) {
  int nHid = n->nHid, o = b * nHid, nActive = 0;
  const float *current = n->current, *beta = n->beta, *thr = n->thr;
  float *v = n->v + o, *adapt = n->adapt + o;
  int *ref = n->ref + o, *active = n->active;
  u8 *z = n->z + o;
  switch (n->model) {
    case LIF:
    case ALIF: {
      int alif = n->model == ALIF, resetZero = n->resetZero, refSteps = n->refSteps;
      float adaptBeta = n->adaptBeta, rho = n->rhoAdapt;
      for (int j = 0; j < nHid; j++) {
        float I = current[j];
        int spike = 0;
        float threshold = alif ? thr[j] + adapt[j] * adaptBeta : thr[j];
        if (ref[j] > 0) ref[j] = ref[j] - 1;
        else {
          float vn = beta[j] * v[j] + I;
          if (vn >= threshold) {
            spike = 1;
            v[j] = resetZero ? 0 : vn - thr[j];
            ref[j] = refSteps;
          } else v[j] = vn;
        }
        if (alif) adapt[j] = rho * adapt[j] + (float)spike;
        z[j] = spike;
        if (spike) active[nActive++] = j;
      }
      break;
    }
    case STDP_LIF: {
      int refSteps = n->refSteps;
      for (int j = 0; j < nHid; j++) {
        float vn = beta[j] * v[j] + current[j];
        int r = ref[j], spike = 0;
        if (r == 0 && vn >= thr[j]) {
          spike = 1;
          v[j] = 0;
          ref[j] = refSteps;
        } else {
          v[j] = r == 1 ? 0 : vn;
          if (r > 0) ref[j] = r - 1;
        }
        z[j] = spike;
        if (spike) active[nActive++] = j;
      }
      break;
    }
    case IZHIKEVICH: {
      float *u = n->u + o;
      float c004 = n->iz004, scale = n->izScale, dt = n->izDt, bb = n->izB, dtA = n->izDtA, peak = n->izPeak, cc = n->izC, dd = n->izD;
      for (int j = 0; j < nHid; j++) {
        float vo = v[j], uo = u[j], I = current[j];
        float vn = vo + ((((c004 * vo) * vo + 5 * vo) + 140 - uo) + I * scale) * dt;
        float un = uo + (vo * bb - uo) * dtA;
        int spike = 0;
        if (vn >= peak) {
          spike = 1;
          v[j] = cc;
          u[j] = un + dd;
        } else {
          v[j] = vn;
          u[j] = un;
        }
        z[j] = spike;
        if (spike) active[nActive++] = j;
      }
      break;
    }
  }
  return nActive;
}

/* H = clip(H + dhv) over a whole row (dhv = 0 leaves a synapse as it was, bit for bit). */
static void dense_row_update(float *restrict H, const float *restrict dhv, float clip, int nHid) {
  v128_t hi = wasm_f32x4_splat(clip), lo = wasm_f32x4_splat(-clip);
  int j = 0;
  for (; j + 4 <= nHid; j += 4) {
    v128_t h = wasm_f32x4_add(wasm_v128_load(H + j), wasm_v128_load(dhv + j));
    h = wasm_f32x4_min(wasm_f32x4_max(h, lo), hi);
    wasm_v128_store(H + j, h);
  }
  for (; j < nHid; j++) H[j] = clampf(H[j] + dhv[j], clip);
}


static inline v128_t clampv(v128_t h, v128_t lo, v128_t hi) { return wasm_f32x4_min(wasm_f32x4_max(h, lo), hi); }

/*
 * STDP, a row whose presynaptic signal is 1 (one eta per projection): dh_j = (eta (ltp - ltd_j)) M_j where neuron j
 * spiked, else -((eta ltd_j) M_j) = -ltpCoef_j; H = clip(H + dh) (dh = 0 leaves H as it was).
 */
static void stdp_row_fast(float *restrict H, const int *restrict zmask, const float *restrict ltdCoef, const float *restrict ltpCoef, const float *restrict Mpost, float ltp, float eta0, float clip, int nHid) {
  v128_t hi = wasm_f32x4_splat(clip), lo = wasm_f32x4_splat(-clip), vl = wasm_f32x4_splat(ltp), ve = wasm_f32x4_splat(eta0);
  int j = 0;
  for (; j + 4 <= nHid; j += 4) {
    v128_t on = wasm_f32x4_mul(wasm_f32x4_mul(ve, wasm_f32x4_sub(vl, wasm_v128_load(ltdCoef + j))), wasm_v128_load(Mpost + j));
    v128_t dh = wasm_v128_bitselect(on, wasm_f32x4_neg(wasm_v128_load(ltpCoef + j)), wasm_v128_load(zmask + j));
    wasm_v128_store(H + j, clampv(wasm_f32x4_add(wasm_v128_load(H + j), dh), lo, hi));
  }
  for (; j < nHid; j++) {
    float dh = zmask[j] ? (eta0 * (ltp - ltdCoef[j])) * Mpost[j] : -ltpCoef[j];
    H[j] = clampf(H[j] + dh, clip);
  }
}

/* STDP, a row without presynaptic signal but with a trace: H_j += d_j (times M_j if modulated) where neuron j spiked,
 * d_j = eta_j ltp (per-synapse eta) or etaLtp; the other synapses get +0. */
static void stdp_row_trace(float *restrict H, const int *restrict zmask, const float *restrict eta, const float *restrict Mpost, float ltp, float etaLtp, int modulated, float clip, int nHid) {
  v128_t hi = wasm_f32x4_splat(clip), lo = wasm_f32x4_splat(-clip), vl = wasm_f32x4_splat(ltp), vd = wasm_f32x4_splat(etaLtp);
  int j = 0;
  for (; j + 4 <= nHid; j += 4) {
    v128_t d = eta ? wasm_f32x4_mul(wasm_v128_load(eta + j), vl) : vd;
    if (modulated) d = wasm_f32x4_mul(d, wasm_v128_load(Mpost + j));
    d = wasm_v128_and(d, wasm_v128_load(zmask + j));
    wasm_v128_store(H + j, clampv(wasm_f32x4_add(wasm_v128_load(H + j), d), lo, hi));
  }
  for (; j < nHid; j++) {
    if (!zmask[j]) continue;
    float d = eta ? eta[j] * ltp : etaLtp;
    H[j] = clampf(H[j] + (modulated ? d * Mpost[j] : d), clip);
  }
}

/*
 * Decay of the plastic trace: H = l_h H + 0 over len synapses (no clip needed: |l_h H| <= |H| <= clip). The + 0 turns
 * an underflowed -0 into +0, so the whole-row updates' exact + 0 cannot change its bits (the JS kernel's decayH).
 */
static void decay_h(float *restrict H, float l, int len) {
  v128_t vl = wasm_f32x4_splat(l), zero = wasm_f32x4_splat(0);
  int k = 0;
  for (; k + 4 <= len; k += 4) wasm_v128_store(H + k, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(H + k), vl), zero));
  for (; k < len; k++) H[k] = H[k] * l + 0.0f;
}

/* Eligibility: H_j = clip(H_j + (eta_j E_j) M_j) where E_j != 0 (eta_j: per-synapse or the projection's). */
static void elig_row(float *restrict H, const float *restrict E, const float *restrict eta, float eta0, const float *restrict Mpost, int modulated, float clip, int nHid) {
  v128_t hi = wasm_f32x4_splat(clip), lo = wasm_f32x4_splat(-clip), ve = wasm_f32x4_splat(eta0), zero = wasm_f32x4_splat(0);
  int j = 0;
  for (; j + 4 <= nHid; j += 4) {
    v128_t e = wasm_v128_load(E + j);
    v128_t d = wasm_f32x4_mul(eta ? wasm_v128_load(eta + j) : ve, e);
    if (modulated) d = wasm_f32x4_mul(d, wasm_v128_load(Mpost + j));
    v128_t h = wasm_v128_load(H + j);
    wasm_v128_store(H + j, wasm_v128_bitselect(clampv(wasm_f32x4_add(h, d), lo, hi), h, wasm_f32x4_ne(e, zero)));
  }
  for (; j < nHid; j++) {
    float e = E[j];
    if (e == 0) continue;
    float d = (eta ? eta[j] : eta0) * e;
    H[j] = clampf(H[j] + (modulated ? d * Mpost[j] : d), clip);
  }
}

/*
 * Plastic update of H for batch element b, the JS kernel's plasticity() case by case (same skips, same
 * float32 operations in the same order): term (rule) -> [E = l_e E + term] -> dh = eta (term | E) -> dh *= M_j
 * -> H = clip(H + dh). With decayTau: H = clip(l_h H + dh) for every synapse, as decay_h then the rule's update
 * (Oja, whose term reads H before its decay: synapse by synapse).
 */
static void plasticity(Net *n, Proj *p, int b, int nActive) {
  int nPre = p->nPre, nHid = n->nHid, nn = nPre * nHid;
  int hOff = b * nn;
  float *H = p->H, *E = p->E;
  const float *etaArr = p->eta;
  int perSyn = p->etaPerSyn;
  float eta0 = etaArr[0];
  int synapse = p->delayKind == DELAY_SYNAPSE;
  const float *x = p->x, *X = p->X;
  const u8 *rowActive = p->rowActive;
  int post = b * nHid;
  const u8 *z = n->z + post;
  const int *active = n->active;
  const float *Mpost = n->Mpost;
  float *phi = n->phi, *ltpCoef = n->ltpCoef, *ltdCoef = n->ltdCoef;
  float aP = n->rule == STDP ? p->aPlus[0] : 0;
  const float *pre = p->preTrace + b * nPre;
  float clip = n->clip;
  int modulated = n->modulated;
  int rule = n->rule;
  if (rule == BCM) {
    const float *rate = n->rate + post, *theta = n->theta + post;
    for (int j = 0; j < nHid; j++) { float r = rate[j]; phi[j] = r * (r - theta[j] / n->bcmTargetRate); }
  } else if (rule == STDP) {
    float aM = p->aMinus[0];
    const float *postTrace = n->postTrace + post;
    for (int j = 0; j < nHid; j++) ltdCoef[j] = aM * postTrace[j];
  }
  if (!n->elig) {
    if (n->leak && rule != OJA) decay_h(H + hOff, n->lambdaDecay, nn);
    switch (rule) {
      case HEBB: {
        int dense = !perSyn && !synapse && nActive * n->denseFactor >= nHid;
        if (!perSyn) {
          for (int a = 0; a < nActive; a++) ltpCoef[active[a]] = eta0 * Mpost[active[a]];
          if (dense) {
            float *dhv = n->dhv;
            fill_f(dhv, nHid, 0);
            for (int a = 0; a < nActive; a++) dhv[active[a]] = ltpCoef[active[a]];
          }
        }
        for (int i = 0; i < nPre; i++) {
          if (synapse ? !rowActive[i] : x[i] == 0) continue;
          int row = i * nHid, hr = hOff + row;
          float xi = x[i];
          if (!perSyn && !synapse && xi == 1) {
            if (dense) dense_row_update(H + hr, n->dhv, clip, nHid);
            else for (int a = 0; a < nActive; a++) {
              int j = active[a];
              H[hr + j] = clampf(H[hr + j] + ltpCoef[j], clip);
            }
          } else {
            for (int a = 0; a < nActive; a++) {
              int j = active[a], k = row + j;
              float dh = ((perSyn ? etaArr[k] : eta0) * (synapse ? X[k] : xi)) * Mpost[j];
              H[hr + j] = clampf(H[hr + j] + dh, clip);
            }
          }
        }
        return;
      }
      case OJA: {
        if (n->leak) {
          float lD = n->lambdaDecay;
          for (int i = 0; i < nPre; i++) {
            int row = i * nHid, hr = hOff + row;
            int on = synapse ? rowActive[i] == 1 : 1;
            float xi = x[i];
            for (int j = 0; j < nHid; j++) {
              int k = row + j;
              float ho = H[hr + j];
              float hd = ho * lD + 0.0f;
              if (z[j]) {
                float d = (perSyn ? etaArr[k] : eta0) * ((synapse ? (on ? X[k] : 0) : xi) - ho);
                hd = clampf(hd + (modulated ? d * Mpost[j] : d), clip);
              }
              H[hr + j] = hd;
            }
          }
          return;
        }
        for (int i = 0; i < nPre; i++) {
          int row = i * nHid, hr = hOff + row;
          int on = synapse ? rowActive[i] == 1 : 1;
          float xi = x[i];
          for (int a = 0; a < nActive; a++) {
            int j = active[a], k = row + j;
            float ho = H[hr + j];
            float d = (perSyn ? etaArr[k] : eta0) * ((synapse ? (on ? X[k] : 0) : xi) - ho);
            H[hr + j] = clampf(ho + (modulated ? d * Mpost[j] : d), clip);
          }
        }
        return;
      }
      case BCM:
        if (!perSyn) for (int j = 0; j < nHid; j++) ltpCoef[j] = (eta0 * phi[j]) * Mpost[j];
        for (int i = 0; i < nPre; i++) {
          if (synapse ? !rowActive[i] : x[i] == 0) continue;
          int row = i * nHid, hr = hOff + row;
          float xi = x[i];
          if (!perSyn && !synapse && xi == 1) {
            dense_row_update(H + hr, ltpCoef, clip, nHid); /* dh = ltpCoef_j, 0 where it is 0 */
          } else {
            for (int j = 0; j < nHid; j++) {
              int k = row + j;
              float dh = ((perSyn ? etaArr[k] : eta0) * ((synapse ? X[k] : xi) * phi[j])) * Mpost[j];
              if (dh == 0) continue;
              H[hr + j] = clampf(H[hr + j] + dh, clip);
            }
          }
        }
        return;
      case STDP: {
        if (!perSyn) for (int j = 0; j < nHid; j++) ltpCoef[j] = (eta0 * ltdCoef[j]) * Mpost[j];
        int *zmask = n->zmask;
        for (int j = 0; j < nHid; j++) zmask[j] = z[j] ? -1 : 0;
        int dense = nActive * n->denseFactor >= nHid;
        for (int i = 0; i < nPre; i++) {
          float xi = x[i];
          if (xi == 0) continue;
          int row = i * nHid, hr = hOff + row;
          float ltp = aP * pre[i];
          int fast = !perSyn && xi == 1;
          if (fast) {
            stdp_row_fast(H + hr, zmask, ltdCoef, ltpCoef, Mpost, ltp, eta0, clip, nHid);
            continue;
          }
          for (int j = 0; j < nHid; j++) {
            float dh;
            if (fast && !z[j]) dh = -ltpCoef[j];
            else {
              float term = (z[j] ? ltp : 0) - (xi == 1 ? ltdCoef[j] : ltdCoef[j] * xi);
              dh = ((perSyn ? etaArr[row + j] : eta0) * term) * Mpost[j];
            }
            if (dh == 0) continue;
            H[hr + j] = clampf(H[hr + j] + dh, clip);
          }
        }
        for (int i = 0; i < nPre; i++) {
          if (x[i] != 0) continue;
          float tr = pre[i];
          if (tr == 0) continue;
          float ltp = aP * tr;
          float etaLtp = eta0 * ltp;
          int row = i * nHid, hr = hOff + row;
          if (dense) {
            stdp_row_trace(H + hr, zmask, perSyn ? etaArr + row : 0, Mpost, ltp, etaLtp, modulated, clip, nHid);
            continue;
          }
          for (int a = 0; a < nActive; a++) {
            int j = active[a];
            float d = perSyn ? etaArr[row + j] * ltp : etaLtp;
            float dh = modulated ? d * Mpost[j] : d;
            H[hr + j] = clampf(H[hr + j] + dh, clip);
          }
        }
        return;
      }
    }
    return;
  }
  /* eligibility: E = l_e E + term for every synapse, then H += (eta E) M_j where E != 0 */
  float lE = n->lambdaElig;
  for (int i = 0; i < nPre; i++) {
    int row = i * nHid, hr = hOff + row;
    int on = synapse ? rowActive[i] == 1 : x[i] != 0;
    float xi = x[i];
    float *Er = E + hr;
    {
      v128_t l = wasm_f32x4_splat(lE);
      int j = 0;
      for (; j + 4 <= nHid; j += 4) wasm_v128_store(Er + j, wasm_f32x4_mul(wasm_v128_load(Er + j), l));
      for (; j < nHid; j++) Er[j] = Er[j] * lE;
    }
    switch (rule) {
      case HEBB:
        if (on) for (int a = 0; a < nActive; a++) { int j = active[a]; Er[j] += synapse ? X[row + j] : xi; }
        break;
      case OJA:
        for (int a = 0; a < nActive; a++) {
          int j = active[a];
          Er[j] += (synapse ? (on ? X[row + j] : 0) : xi) - H[hr + j];
        }
        break;
      case BCM:
        if (on) for (int j = 0; j < nHid; j++) Er[j] += synapse ? X[row + j] * phi[j] : xi == 1 ? phi[j] : xi * phi[j];
        break;
      case STDP: {
        float ltp = aP * pre[i];
        if (on) for (int j = 0; j < nHid; j++) Er[j] += (z[j] ? ltp : 0) - (xi == 1 ? ltdCoef[j] : ltdCoef[j] * xi);
        else if (ltp != 0) for (int a = 0; a < nActive; a++) Er[active[a]] += ltp;
        break;
      }
    }
    if (n->leak) decay_h(H + hr, n->lambdaDecay, nHid); /* after the term (Oja's reads H before its decay) */
    elig_row(H + hr, Er, perSyn ? etaArr + row : 0, eta0, Mpost, modulated, clip, nHid);
  }
}

/* One step of every batch element: n->input [B * nIn] -> n->output [B * nOut] (pre-tanh for the leaky decoder). */
EXPORT(step) void step(Net *n) {
  int B = n->batch, nEnc = n->nEnc, nHid = n->nHid, nOut = n->nOut, nIn = n->nIn;
  for (int b = 0; b < B; b++) {
    /* 1. encoder population */
    int eo = b * nEnc;
    float *vIn = n->vIn + eo;
    u8 *sIn = n->sIn + eo;
    const float *in = n->input + b * nIn;
    float lIn = n->lambdaIn;
    if (!n->grf) {
      for (int e = 0; e < nEnc; e++) {
        float xv = in[e];
        if (!__builtin_isfinite(xv)) { xv = 0; n->nonFinite++; } /* NaN or infinite */
        float cur = n->encGain[e] * xv + n->encBias[e];
        float vv = lIn * vIn[e] + cur;
        int s = vv >= 1;
        if (s) vv = vv - 1;
        vIn[e] = vv;
        sIn[e] = s;
      }
    } else {
      int K = n->grfCenters;
      for (int d = 0; d < nIn; d++) {
        float xd = in[d];
        if (!__builtin_isfinite(xd)) { xd = 0; n->nonFinite++; }
        for (int q = 0; q < K; q++) {
          int e = d * K + q;
          float diff = xd - n->centers[q];
          float g = k_expf(-((diff * diff) * n->grfInvTwoSigma2));
          float cur = n->encGain[e] * g + n->encBias[e];
          float vv = lIn * vIn[e] + cur;
          int s = vv >= 1;
          if (s) vv = vv - 1;
          vIn[e] = vv;
          sIn[e] = s;
        }
      }
    }
    /* 2-3. delivered signals and synaptic current */
    for (int j = 0; j < nHid; j++) n->current[j] = n->hBias[j];
    for (int q = 0; q < 2; q++) {
      Proj *p = &n->proj[q];
      if (!p->enabled) continue;
      deliver(n, p, b, q == 0 ? sIn : n->zPrev + b * nHid);
      accumulate(n, p, b);
    }
    /* 4. neurons */
    int nActive = update_neurons(n, b);
    int ho = b * nHid;
    const int *active = n->active;
    const u8 *z = n->z + ho;
    /* 5. modulator: tanh(z . w + b), the dot product summed in float32 in index order */
    if (n->modulated) {
      float m = 0;
      for (int a = 0; a < nActive; a++) m = m + n->modW[active[a]];
      m = k_tanhf(m + n->modB[0]);
      n->modulator[b] = m;
      if (n->hasFanout) for (int j = 0; j < nHid; j++) n->Mpost[j] = m * n->fanout[j];
      else fill_f(n->Mpost, nHid, m);
    }
    /* 6. plasticity (traces first) */
    if (n->rule == BCM) {
      float lR = n->lambdaRate, lT = n->lambdaTheta;
      float oneMinus = 1 - lR, oneMinusT = 1 - lT;
      float *rate = n->rate + ho, *theta = n->theta + ho;
      for (int j = 0; j < nHid; j++) {
        float r = lR * rate[j] + oneMinus * (float)z[j];
        rate[j] = r;
        theta[j] = lT * theta[j] + oneMinusT * (r * r);
      }
    }
    if (n->rule == STDP) {
      float *postTrace = n->postTrace + ho;
      for (int j = 0; j < nHid; j++) postTrace[j] = n->lambdaMinus * postTrace[j];
      for (int q = 0; q < 2; q++) {
        Proj *p = &n->proj[q];
        if (!p->enabled || !p->plastic) continue;
        float *pt = p->preTrace + b * p->nPre;
        for (int i = 0; i < p->nPre; i++) pt[i] = n->lambdaPlus * pt[i];
      }
    }
    if (!n->frozen) {
      for (int q = 0; q < 2; q++) {
        Proj *p = &n->proj[q];
        if (p->enabled && p->plastic) plasticity(n, p, b, nActive);
      }
    }
    if (n->rule == STDP) {
      float *postTrace = n->postTrace + ho;
      for (int a = 0; a < nActive; a++) postTrace[active[a]] = postTrace[active[a]] + 1;
      for (int q = 0; q < 2; q++) {
        Proj *p = &n->proj[q];
        if (!p->enabled || !p->plastic) continue;
        float *pt = p->preTrace + b * p->nPre;
        for (int i = 0; i < p->nPre; i++) if (p->x[i] != 0) pt[i] = pt[i] + p->x[i];
      }
    }
    /* 7. decoder */
    float *acc = n->acc;
    fill_f(acc, nOut, 0);
    for (int a = 0; a < nActive; a++) {
      const float *row = n->decW + active[a] * nOut;
      for (int q = 0; q < nOut; q++) acc[q] += row[q];
    }
    int oo = b * nOut;
    float *out = n->output + oo;
    if (!n->decoderCount) {
      float lO = n->lambdaOut, oneMinus = 1 - lO;
      float *y = n->y + oo;
      for (int q = 0; q < nOut; q++) {
        float yy = lO * y[q] + oneMinus * acc[q];
        y[q] = yy;
        out[q] = yy + n->decB[q]; /* the host takes tanh in float64 */
      }
    } else {
      int W = n->window;
      u8 *ring = n->outRing + (int)(T % W) * nOut + b * W * nOut;
      float *outV = n->outV + oo;
      int *count = n->outCount + oo;
      for (int q = 0; q < nOut; q++) {
        float vv = n->lambdaOut * outV[q] + acc[q] + n->decB[q];
        int s = vv >= 1;
        if (s) vv = vv - 1;
        outV[q] = vv;
        count[q] = count[q] + s - ring[q];
        ring[q] = s;
        out[q] = (float)((2.0 * count[q]) / W - 1);
      }
    }
    u8 *zPrev = n->zPrev + ho;
    for (int j = 0; j < nHid; j++) zPrev[j] = z[j];
  }
  T++;
}
