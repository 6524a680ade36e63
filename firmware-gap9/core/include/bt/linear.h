/* Fully connected: y[o] = bias[o] + sum_i w[o][i] x[i] on the flattened input. Weights are
 * [out][in], bias [out]. Layer kind LINEAR. */
#ifndef BT_LINEAR_H
#define BT_LINEAR_H

#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

void bt_linear_forward(uint32_t in, uint32_t out, uint32_t n, const bt_real *x, const bt_real *w,
                       const bt_real *bias, bt_real *y);
void bt_linear_backward_input(uint32_t in, uint32_t out, uint32_t n, const bt_real *dy, const bt_real *w,
                              bt_real *dx);
/* dw += dL/dw, dbias += dL/dbias; either may be NULL. */
void bt_linear_backward_params(uint32_t in, uint32_t out, uint32_t n, const bt_real *x, const bt_real *dy,
                               bt_real *dw, bt_real *dbias);

extern const bt_layer_ops bt_kind_linear;

#endif
