#include "bt/btmath.h"

#include <stdint.h>
#include <string.h>

/* Bit-level access to the representation: 2^k is built directly, the exponent read directly, so no
 * ldexp/frexp from libm is involved. */
#ifdef BT_REAL_DOUBLE
typedef uint64_t bt_bits;
#define MANT_BITS 52
#define EXP_BIAS 1023
#define EXP_MAX 1023
#define EXP_MIN (-1022)
#define EXP_HI 709.78271289338397
#define EXP_LO (-745.13321910194111)
/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (fdlibm's constants). */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00
#define SQRT_HALF 0.70710678118654752440
#define EXP_TERMS 13
#define LOG_TERMS 10
/* pi / 2 in three parts (fdlibm's), the first two with trailing zero bits: k * PIO2_1 and
 * k * PIO2_2 are exact for |k| < 2^20. */
#define PIO2_1 1.57079632673412561417e+00
#define PIO2_2 6.07710050630396597660e-11
#define PIO2_3 2.02226624879595063154e-21
#define INV_PIO2 6.36619772367581382433e-01
#define TRIG_TERMS 10
#define R(x) x
#else
typedef uint32_t bt_bits;
#define MANT_BITS 23
#define EXP_BIAS 127
#define EXP_MAX 127
#define EXP_MIN (-126)
#define EXP_HI 88.72283935546875f
#define EXP_LO (-103.97207708f)
/* 0.693359375 has 9 significant bits: k * LN2_HI is exact for |k| < 2^15. */
#define LN2_HI 0.693359375f
#define LN2_LO (-2.12194440e-4f)
#define INV_LN2 1.44269502162933349609f
#define SQRT_HALF 0.70710678118654752440f
#define EXP_TERMS 8
#define LOG_TERMS 6
/* pi / 2 = PIO2_1 + PIO2_2 + PIO2_3, the first with 8 significant bits and the second with 12:
 * k * PIO2_1 and k * PIO2_2 are exact for |k| < 2^12 (angles up to about 6400). */
#define PIO2_1 1.5703125f
#define PIO2_2 4.838705062866211e-4f
#define PIO2_3 (-4.371138828673793e-8f)
#define INV_PIO2 0.636619746685028076171875f
#define TRIG_TERMS 6
#define R(x) x##f
#endif

static bt_real from_bits(bt_bits b)
{
    bt_real r;
    memcpy(&r, &b, sizeof r);
    return r;
}

static bt_bits to_bits(bt_real r)
{
    bt_bits b;
    memcpy(&b, &r, sizeof b);
    return b;
}

/* 1 / i, rounded once by the compiler. */
static const bt_real inv_int[16] = {
    R(0.0),        R(1.0),        R(1.0) / R(2.0),  R(1.0) / R(3.0),  R(1.0) / R(4.0),  R(1.0) / R(5.0),
    R(1.0) / R(6.0),  R(1.0) / R(7.0),  R(1.0) / R(8.0),  R(1.0) / R(9.0),  R(1.0) / R(10.0), R(1.0) / R(11.0),
    R(1.0) / R(12.0), R(1.0) / R(13.0), R(1.0) / R(14.0), R(1.0) / R(15.0),
};

/* 2^k for EXP_MIN <= k <= EXP_MAX. */
static bt_real pow2i(int k) { return from_bits((bt_bits)(k + EXP_BIAS) << MANT_BITS); }

bt_real bt_exp(bt_real x)
{
    if (x != x) {
        return x;
    }
    if (x > EXP_HI) {
        return pow2i(EXP_MAX) * R(2.0);
    }
    if (x < EXP_LO) {
        return R(0.0);
    }
    /* x = k ln2 + r with |r| <= ln2 / 2 (Cody-Waite), e^r by its Taylor series (Horner). */
    bt_real t = x * INV_LN2;
    int k = (int)(t < R(0.0) ? t - R(0.5) : t + R(0.5));
    bt_real r = (x - (bt_real)k * LN2_HI) - (bt_real)k * LN2_LO;
    bt_real p = R(1.0);
    for (int i = EXP_TERMS; i >= 1; i--) {
        p = R(1.0) + p * r * inv_int[i];
    }
    /* Scale in up to two steps so that subnormal results and 2^128 stay reachable. */
    if (k > EXP_MAX) {
        return p * pow2i(EXP_MAX) * pow2i(k - EXP_MAX);
    }
    if (k < EXP_MIN) {
        return p * pow2i(EXP_MIN) * pow2i(k - EXP_MIN);
    }
    return p * pow2i(k);
}

/* 1 / (2i + 1). */
static const bt_real inv_odd[12] = {
    R(1.0),           R(1.0) / R(3.0),  R(1.0) / R(5.0),  R(1.0) / R(7.0),  R(1.0) / R(9.0),  R(1.0) / R(11.0),
    R(1.0) / R(13.0), R(1.0) / R(15.0), R(1.0) / R(17.0), R(1.0) / R(19.0), R(1.0) / R(21.0), R(1.0) / R(23.0),
};

bt_real bt_log(bt_real x)
{
    if (x != x || x < R(0.0)) {
        return (x - x) / (x - x); /* NaN */
    }
    if (x == R(0.0)) {
        return -R(1.0) / (x * x); /* -inf, also for -0 */
    }
    int e = 0;
    if (x < pow2i(EXP_MIN)) { /* subnormal: make it normal first */
        x = x * pow2i(MANT_BITS + 1);
        e = -(MANT_BITS + 1);
    }
    bt_bits b = to_bits(x);
    int be = (int)(b >> MANT_BITS);
    if (be == 2 * EXP_BIAS + 1) { /* +inf */
        return x;
    }
    e += be - EXP_BIAS;
    bt_bits mant_mask = ((bt_bits)1 << MANT_BITS) - 1u;
    bt_real m = from_bits((b & mant_mask) | ((bt_bits)EXP_BIAS << MANT_BITS)); /* [1, 2) */
    if (m > R(2.0) * SQRT_HALF) {
        m = m * R(0.5);
        e += 1;
    }
    /* log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716. */
    bt_real s = (m - R(1.0)) / (m + R(1.0));
    bt_real s2 = s * s;
    bt_real p = R(0.0);
    for (int i = LOG_TERMS; i >= 1; i--) {
        p = inv_odd[i] + s2 * p;
    }
    bt_real logm = R(2.0) * s + R(2.0) * s * s2 * p;
    bt_real fe = (bt_real)e;
    return fe * LN2_HI + (logm + fe * LN2_LO);
}

/* 1 / ((2i) (2i + 1)) and 1 / ((2i - 1) (2i)), the ratios of successive Taylor terms of sin and cos. */
static const bt_real sin_ratio[11] = {
    R(0.0),           R(1.0) / R(6.0),   R(1.0) / R(20.0),  R(1.0) / R(42.0),  R(1.0) / R(72.0),  R(1.0) / R(110.0),
    R(1.0) / R(156.0), R(1.0) / R(210.0), R(1.0) / R(272.0), R(1.0) / R(342.0), R(1.0) / R(420.0),
};
static const bt_real cos_ratio[11] = {
    R(0.0),           R(1.0) / R(2.0),   R(1.0) / R(12.0),  R(1.0) / R(30.0),  R(1.0) / R(56.0),  R(1.0) / R(90.0),
    R(1.0) / R(132.0), R(1.0) / R(182.0), R(1.0) / R(240.0), R(1.0) / R(306.0), R(1.0) / R(380.0),
};

void bt_sincos(bt_real x, bt_real *sin_out, bt_real *cos_out)
{
    /* x = k pi/2 + r with |r| <= pi/4 (Cody-Waite), then both series at r (Horner) and the
     * quadrant k mod 4 picks and signs them. */
    bt_real t = x * INV_PIO2;
    int k = (int)(t < R(0.0) ? t - R(0.5) : t + R(0.5));
    bt_real fk = (bt_real)k;
    bt_real r = ((x - fk * PIO2_1) - fk * PIO2_2) - fk * PIO2_3;
    bt_real r2 = r * r;
    bt_real ps = R(1.0), pc = R(1.0);
    for (int i = TRIG_TERMS; i >= 1; i--) {
        ps = R(1.0) - r2 * sin_ratio[i] * ps;
        pc = R(1.0) - r2 * cos_ratio[i] * pc;
    }
    bt_real sn = r * ps;
    switch ((unsigned)k & 3u) {
    case 0u:
        *sin_out = sn;
        *cos_out = pc;
        break;
    case 1u:
        *sin_out = pc;
        *cos_out = -sn;
        break;
    case 2u:
        *sin_out = -sn;
        *cos_out = -pc;
        break;
    default:
        *sin_out = -pc;
        *cos_out = sn;
        break;
    }
}
