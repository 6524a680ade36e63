/* Elementary functions of the engine, written here instead of taken from libm: glibc and picolibc
 * round differently, and the same training run must end with bit-identical weights on every port.
 * Range reduction plus a fixed polynomial, evaluated with plain IEEE operations (no contraction). */
#ifndef BT_BTMATH_H
#define BT_BTMATH_H

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

#endif
