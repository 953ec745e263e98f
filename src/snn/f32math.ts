/**
 * Float32 transcendental functions rounded exactly as the tensor engine's default backend computes them.
 * tfjs-backend-wasm evaluates Tanh and Exp with the C library's tanhf and expf, which are musl's (emscripten's
 * libc) compiled to WASM arithmetic. Math.fround(Math.tanh(x)) differs from tanhf by 1 ulp on about 10% of inputs,
 * Math.fround(Math.exp(x)) from expf on about 0.06%, and a 1-ulp modulator difference is enough to split the
 * engines' Izhikevich spike trains (the plastic update scales by M every step). The functions below are musl's
 * algorithms (tanhf/expm1f from FreeBSD msun, Sun Microsystems, freely redistributable; expf from ARM's
 * optimized-routines, MIT) with every float operation rounded by Math.fround and double operations left as
 * JS doubles; they match tf.tanh and tf.exp on the WASM backend bit for bit (checked on 2e6 and 3e6 inputs,
 * special values included). No allocation per call.
 */
const f32 = Math.fround;
const cast = new Float32Array(1);
const bits = new Uint32Array(cast.buffer);

function asUint(x: number): number {
  cast[0] = x;
  return bits[0]!;
}
function asFloat(u: number): number {
  bits[0] = u >>> 0;
  return cast[0]!;
}

// expm1f and tanhf: ported from musl src/math/expm1f.c and tanhf.c (origin: FreeBSD msun; conversion to float by
// Ian Lance Taylor, Cygnus Support), which carry this notice:
//   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//   Developed at SunPro, a Sun Microsystems, Inc. business.
//   Permission to use, copy, modify, and distribute this software is freely granted, provided that this notice
//   is preserved.
const LN2_HI = f32(6.9313812256e-01); // 0x3f317180
const LN2_LO = f32(9.0580006145e-06); // 0x3717f7d1
const INV_LN2 = f32(1.4426950216e+00); // 0x3fb8aa3b
const Q1 = f32(-3.3333212137e-2);
const Q2 = f32(1.5807170421e-3);
const O_THRESHOLD = f32(8.8721679688e+01);

/** musl expm1f (float32 argument and result). */
export function expm1f(xIn: number): number {
  let x = f32(xIn);
  const ui = asUint(x);
  const hx = ui & 0x7fffffff;
  const sign = ui >>> 31;
  if (hx >= 0x4195b844) {
    // |x| >= 27 ln2
    if (hx > 0x7f800000) return x;
    if (sign) return -1;
    if (x > O_THRESHOLD) return Infinity;
  }
  let k: number, c = 0;
  if (hx > 0x3eb17218) {
    // |x| > 0.5 ln2
    let hi: number, lo: number;
    if (hx < 0x3f851592) {
      // and |x| < 1.5 ln2
      if (!sign) { hi = f32(x - LN2_HI); lo = LN2_LO; k = 1; }
      else { hi = f32(x + LN2_HI); lo = -LN2_LO; k = -1; }
    } else {
      k = Math.trunc(f32(f32(INV_LN2 * x) + (sign ? -0.5 : 0.5)));
      const t = k;
      hi = f32(x - f32(t * LN2_HI));
      lo = f32(t * LN2_LO);
    }
    x = f32(hi - lo);
    c = f32(f32(hi - x) - lo);
  } else if (hx < 0x33000000) {
    return x; // |x| < 2^-25
  } else k = 0;
  const hfx = f32(0.5 * x);
  const hxs = f32(x * hfx);
  const r1 = f32(1 + f32(hxs * f32(Q1 + f32(hxs * Q2))));
  const t = f32(3 - f32(r1 * hfx));
  let e = f32(hxs * f32(f32(r1 - t) / f32(6 - f32(x * t))));
  if (k === 0) return f32(x - f32(f32(x * e) - hxs));
  e = f32(f32(x * f32(e - c)) - c);
  e = f32(e - hxs);
  if (k === -1) return f32(f32(0.5 * f32(x - e)) - 0.5);
  if (k === 1) {
    if (x < -0.25) return f32(-2 * f32(e - f32(x + 0.5)));
    return f32(1 + f32(2 * f32(x - e)));
  }
  const twopk = asFloat((0x7f + k) << 23);
  let y: number;
  if (k < 0 || k > 56) {
    y = f32(f32(x - e) + 1);
    y = k === 128 ? f32(f32(y * 2) * 1.7014118346046923e38) : f32(y * twopk);
    return f32(y - 1);
  }
  const u = asFloat((0x7f - k) << 23);
  if (k < 23) y = f32(f32(f32(x - e) + f32(1 - u)) * twopk);
  else y = f32(f32(f32(x - f32(e + u)) + 1) * twopk);
  return y;
}

/** musl tanhf: tanh of a float32, rounded as tf.tanh on the WASM backend. */
export function tanhf(xIn: number): number {
  const ui = asUint(xIn);
  const sign = ui >>> 31;
  const w = ui & 0x7fffffff;
  const x = asFloat(w);
  let t: number;
  if (w > 0x3f0c9f54) {
    // |x| > log(3)/2 ~= 0.5493 or NaN
    if (w > 0x41200000) t = w > 0x7f800000 ? NaN : 1; // |x| > 10
    else {
      t = expm1f(f32(2 * x));
      t = f32(1 - f32(2 / f32(t + 2)));
    }
  } else if (w > 0x3e82c578) {
    // |x| > log(5/3)/2 ~= 0.2554
    t = expm1f(f32(2 * x));
    t = f32(t / f32(t + 2));
  } else if (w >= 0x00800000) {
    // |x| >= 2^-126
    t = expm1f(f32(-2 * x));
    t = f32(-t / f32(t + 2));
  } else t = x; // subnormal
  return sign ? -t : t;
}

// expf: ported from musl src/math/expf.c and exp2f_data.c (Copyright (c) 2017-2018, Arm Limited;
// SPDX-License-Identifier: MIT). EXP2F_TABLE_BITS = 5; double arithmetic, one rounding to float at the end.
// tab[i] = bits(2^(i/32)) - (i << 47), as [high word, low word] pairs.
const EXP2F_TAB = new Uint32Array([
  0x3ff00000, 0x00000000, 0x3fefd9b0, 0xd3158574, 0x3fefb558, 0x6cf9890f, 0x3fef9301, 0xd0125b51,
  0x3fef72b8, 0x3c7d517b, 0x3fef5487, 0x3168b9aa, 0x3fef387a, 0x6e756238, 0x3fef1e9d, 0xf51fdee1,
  0x3fef06fe, 0x0a31b715, 0x3feef1a7, 0x373aa9cb, 0x3feedea6, 0x4c123422, 0x3feece08, 0x6061892d,
  0x3feebfda, 0xd5362a27, 0x3feeb42b, 0x569d4f82, 0x3feeab07, 0xdd485429, 0x3feea47e, 0xb03a5585,
  0x3feea09e, 0x667f3bcd, 0x3fee9f75, 0xe8ec5f74, 0x3feea114, 0x73eb0187, 0x3feea589, 0x994cce13,
  0x3feeace5, 0x422aa0db, 0x3feeb737, 0xb0cdc5e5, 0x3feec491, 0x82a3f090, 0x3feed503, 0xb23e255d,
  0x3feee89f, 0x995ad3ad, 0x3feeff76, 0xf2fb5e47, 0x3fef199b, 0xdd85529c, 0x3fef3720, 0xdcef9069,
  0x3fef5818, 0xdcfba487, 0x3fef7c97, 0x337b9b5f, 0x3fefa4af, 0xa2a490da, 0x3fefd076, 0x5b6e4540,
]);
const dcast = new Float64Array(1);
const dbits = new Uint32Array(dcast.buffer); // little-endian: [low, high]
function fromWords(hi: number, lo: number): number {
  dbits[0] = lo >>> 0;
  dbits[1] = hi >>> 0;
  return dcast[0]!;
}
const EXP2F_N = 32;
const INV_LN2_N = fromWords(0x3ff71547, 0x652b82fe) * EXP2F_N; // 0x1.71547652b82fep+0 * N
const SHIFT = fromWords(0x43380000, 0); // 0x1.8p+52
const C0 = fromWords(0x3fac6af8, 0x4b912394) / (EXP2F_N * EXP2F_N * EXP2F_N); // 0x1.c6af84b912394p-5 / N^3
const C1 = fromWords(0x3fcebfce, 0x50fac4f3) / (EXP2F_N * EXP2F_N); // 0x1.ebfce50fac4f3p-3 / N^2
const C2 = fromWords(0x3fe62e42, 0xff0c52d6) / EXP2F_N; // 0x1.62e42ff0c52d6p-1 / N
const EXP_OVERFLOW = f32(88.72283172607422); // 0x1.62e42ep6f
const EXP_UNDERFLOW = f32(-103.97207641601562); // -0x1.9fe368p6f

/** musl expf: exp of a float32, rounded as tf.exp on the WASM backend (Math.fround(Math.exp(x)) differs on ~0.06%). */
export function expf(xIn: number): number {
  const x = f32(xIn);
  const abstop = (asUint(x) >>> 20) & 0x7ff;
  if (abstop >= 0x42b) {
    // |x| >= 88 or NaN
    if (x === -Infinity) return 0;
    if (abstop >= 0x7f8) return x + x;
    if (x > EXP_OVERFLOW) return Infinity;
    if (x < EXP_UNDERFLOW) return 0;
  }
  // x*N/ln2 = k + r with r in [-1/2, 1/2] and integer k
  const z = INV_LN2_N * x;
  let kd = z + SHIFT;
  dcast[0] = kd;
  const ki = dbits[0]!; // low word of asuint64(kd); k mod 2^32
  kd -= SHIFT;
  const r = z - kd;
  // exp(x) = 2^(k/N) * 2^(r/N) ~= s * (C0 r^3 + C1 r^2 + C2 r + 1); s = asdouble(tab[k % N] + (k << 47))
  const i = (ki & (EXP2F_N - 1)) * 2;
  const s = fromWords((EXP2F_TAB[i]! + (ki << 15)) >>> 0, EXP2F_TAB[i + 1]!);
  const p = C0 * r + C1;
  const r2 = r * r;
  let y = C2 * r + 1;
  y = p * r2 + y;
  return f32(y * s);
}
