/* The engine's number type. float on every device port; the gradient-check tests compile the same
 * engine sources a second time with -DBT_REAL_DOUBLE so finite differences are not drowned in
 * float rounding. Model blobs and the host link always carry float32, whatever bt_real is. */
#ifndef BT_REAL_H
#define BT_REAL_H

#ifdef BT_REAL_DOUBLE
typedef double bt_real;
#else
typedef float bt_real;
#endif

#endif
