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

#endif
