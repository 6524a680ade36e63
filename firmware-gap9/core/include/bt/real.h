/* The engine's number type. float on every device port; the gradient-check tests compile the same
 * engine sources a second time with -DBT_REAL_DOUBLE so finite differences are not drowned in
 * float rounding. Model blobs and the host link always carry float32, whatever bt_real is.
 *
 * bt_fma(a, b, c) is a * b + c with one rounding (IEEE 754 fusedMultiplyAdd): fmadd.s on RV32F
 * (GAP9 has it), vfmadd on x86-64 built with -mfma, libm's exact fmaf elsewhere. Every port gets the
 * same bits from it; the compiler never fuses on its own (-ffp-contract=off). */
#ifndef BT_REAL_H
#define BT_REAL_H

#ifdef BT_REAL_DOUBLE
typedef double bt_real;
#define bt_fma(a, b, c) __builtin_fma((a), (b), (c))
#else
typedef float bt_real;
#define bt_fma(a, b, c) __builtin_fmaf((a), (b), (c))
#endif

/* acc + v[0] + v[1] + ... + v[n - 1], added in that order (the loop is unrolled, not reordered). */
static inline bt_real bt_sum(bt_real acc, const bt_real *v, unsigned long n)
{
    unsigned long i = 0;
    for (; i + 4u <= n; i += 4u) {
        acc = acc + v[i];
        acc = acc + v[i + 1u];
        acc = acc + v[i + 2u];
        acc = acc + v[i + 3u];
    }
    for (; i < n; i++) {
        acc = acc + v[i];
    }
    return acc;
}

#endif
