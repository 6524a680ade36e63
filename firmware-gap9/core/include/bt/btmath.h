/* Elementary functions of the engine, written here instead of taken from libm: glibc and picolibc
 * round differently, and the same training run must end with bit-identical weights on every port.
 * Range reduction plus a fixed polynomial, evaluated with plain IEEE operations (no contraction). */
#ifndef BT_BTMATH_H
#define BT_BTMATH_H

#include <stdbool.h>

#include "bt/real.h"

/* e^x; overflows to +inf above ~88.7 (float), flushes to 0 below the subnormal range. */
bt_real bt_exp(bt_real x);
/* Natural logarithm for x > 0 (normal or subnormal); -inf for 0, NaN for negative input. */
bt_real bt_log(bt_real x);
/* Square root: IEEE 754 requires it correctly rounded, so the hardware instruction is portable. */
static inline bt_real bt_sqrt(bt_real x)
{
#ifdef BT_REAL_DOUBLE
    return __builtin_sqrt(x);
#else
    return __builtin_sqrtf(x);
#endif
}

/* Neither NaN nor infinite: x - x is 0 for every finite x and NaN otherwise (no libm, no bit tricks). */
static inline bool bt_finite(bt_real x)
{
    bt_real d = x - x;
    return d == d;
}

#endif
