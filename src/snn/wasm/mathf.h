/*
 * expf, expm1f and tanhf exactly as musl (emscripten's libc) computes them, which is how tfjs-backend-wasm
 * evaluates tf.exp and tf.tanh; src/snn/f32math.ts is the same code in TypeScript. Compiled without
 * -ffast-math and with -ffp-contract=off, every float/double operation below is one IEEE operation, so the
 * results are those of musl's own WASM build bit for bit.
 *
 * expm1f and tanhf: musl src/math/expm1f.c and tanhf.c (origin: FreeBSD msun; conversion to float by
 * Ian Lance Taylor, Cygnus Support), which carry this notice:
 *   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *   Developed at SunPro, a Sun Microsystems, Inc. business.
 *   Permission to use, copy, modify, and distribute this software is freely granted, provided that this notice
 *   is preserved.
 * expf: musl src/math/expf.c and exp2f_data.c (Copyright (c) 2017-2018, Arm Limited; SPDX-License-Identifier: MIT).
 */
typedef unsigned int u32;
typedef unsigned long long u64;

static inline u32 asuint(float f) { union { float f; u32 i; } u = { f }; return u.i; }
static inline float asfloat(u32 i) { union { u32 i; float f; } u = { i }; return u.f; }
static inline u64 asuint64(double f) { union { double f; u64 i; } u = { f }; return u.i; }
static inline double asdouble(u64 i) { union { u64 i; double f; } u = { i }; return u.f; }

static const float o_threshold = 8.8721679688e+01f, ln2_hi = 6.9313812256e-01f, ln2_lo = 9.0580006145e-06f,
  invln2 = 1.4426950216e+00f, Q1 = -3.3333212137e-2f, Q2 = 1.5807170421e-3f;

static float k_expm1f(float x) {
  float y, hi, lo, c = 0, t, e, hxs, hfx, r1, twopk;
  u32 ui = asuint(x);
  u32 hx = ui & 0x7fffffff;
  int k, sign = ui >> 31;
  if (hx >= 0x4195b844) { /* |x| >= 27 ln2 */
    if (hx > 0x7f800000) return x; /* NaN */
    if (sign) return -1;
    if (x > o_threshold) { x *= 0x1p127f; return x; }
  }
  if (hx > 0x3eb17218) { /* |x| > 0.5 ln2 */
    if (hx < 0x3F851592) { /* and |x| < 1.5 ln2 */
      if (!sign) { hi = x - ln2_hi; lo = ln2_lo; k = 1; }
      else { hi = x + ln2_hi; lo = -ln2_lo; k = -1; }
    } else {
      k = invln2 * x + (sign ? -0.5f : 0.5f);
      t = k;
      hi = x - t * ln2_hi;
      lo = t * ln2_lo;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (hx < 0x33000000) { /* |x| < 2^-25 */
    return x;
  } else k = 0;
  hfx = 0.5f * x;
  hxs = x * hfx;
  r1 = 1.0f + hxs * (Q1 + hxs * Q2);
  t = 3.0f - r1 * hfx;
  e = hxs * ((r1 - t) / (6.0f - x * t));
  if (k == 0) return x - (x * e - hxs);
  e = x * (e - c) - c;
  e -= hxs;
  if (k == -1) return 0.5f * (x - e) - 0.5f;
  if (k == 1) {
    if (x < -0.25f) return -2.0f * (e - (x + 0.5f));
    return 1.0f + 2.0f * (x - e);
  }
  twopk = asfloat((u32)(0x7f + k) << 23);
  if (k < 0 || k > 56) {
    y = x - e + 1.0f;
    if (k == 128) y = y * 2.0f * 0x1p127f;
    else y = y * twopk;
    return y - 1.0f;
  }
  float u = asfloat((u32)(0x7f - k) << 23);
  if (k < 23) y = (x - e + (1 - u)) * twopk;
  else y = (x - (e + u) + 1) * twopk;
  return y;
}

static float k_tanhf(float x) {
  u32 ui = asuint(x);
  int sign = ui >> 31;
  u32 w = ui & 0x7fffffff;
  float t;
  x = asfloat(w);
  if (w > 0x3f0c9f54) { /* |x| > log(3)/2 ~= 0.5493 or NaN */
    if (w > 0x41200000) t = 1 + 0 / x; /* |x| > 10 */
    else { t = k_expm1f(2 * x); t = 1 - 2 / (t + 2); }
  } else if (w > 0x3e82c578) { /* |x| > log(5/3)/2 ~= 0.2554 */
    t = k_expm1f(2 * x);
    t = t / (t + 2);
  } else if (w >= 0x00800000) { /* |x| >= 2^-126 */
    t = k_expm1f(-2 * x);
    t = -t / (t + 2);
  } else t = x; /* subnormal */
  return sign ? -t : t;
}

#define EXP2F_TABLE_BITS 5
#define EXP2F_N (1 << EXP2F_TABLE_BITS)
/* tab[i] = uint(2^(i/N)) - (i << 52-BITS) */
static const u64 exp2f_tab[EXP2F_N] = {
  0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
  0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
  0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
  0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
  0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
  0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
  0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
  0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};
static const double exp2f_shift = 0x1.8p+52, exp2f_invln2_scaled = 0x1.71547652b82fep+0 * EXP2F_N;
static const double exp2f_poly_scaled[3] = {
  0x1.c6af84b912394p-5 / EXP2F_N / EXP2F_N / EXP2F_N, 0x1.ebfce50fac4f3p-3 / EXP2F_N / EXP2F_N, 0x1.62e42ff0c52d6p-1 / EXP2F_N,
};

static inline u32 top12(float x) { return asuint(x) >> 20; }

static float k_expf(float x) {
  u32 abstop;
  u64 ki, t;
  double kd, xd, z, r, r2, y, s;
  xd = (double)x;
  abstop = top12(x) & 0x7ff;
  if (abstop >= top12(88.0f)) { /* |x| >= 88 or NaN */
    if (asuint(x) == asuint(-__builtin_inff())) return 0.0f;
    if (abstop >= top12(__builtin_inff())) return x + x;
    if (x > 0x1.62e42ep6f) return 0x1p97f * 0x1p97f; /* overflow */
    if (x < -0x1.9fe368p6f) return 0x1p-95f * 0x1p-95f; /* underflow */
  }
  z = exp2f_invln2_scaled * xd;
  kd = z + exp2f_shift;
  ki = asuint64(kd);
  kd -= exp2f_shift;
  r = z - kd;
  t = exp2f_tab[ki % EXP2F_N];
  t += ki << (52 - EXP2F_TABLE_BITS);
  s = asdouble(t);
  z = exp2f_poly_scaled[0] * r + exp2f_poly_scaled[1];
  r2 = r * r;
  y = exp2f_poly_scaled[2] * r + 1;
  y = z * r2 + y;
  y = y * s;
  return (float)y;
}
