/* Layer normalisation over the width of a token sequence, layer kind LAYERNORM: each of the rows
 * (tokens) of w values is normalised by its own mean and variance, then y = gamma x-hat + beta with
 * gamma and beta per feature (w each). The statistics are kept per row: mean, rstd interleaved
 * (2 per row). y may alias x; dx may alias dy. */
#ifndef BT_LAYERNORM_H
#define BT_LAYERNORM_H

#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

void bt_layernorm_forward(uint32_t rows, uint32_t w, bt_real eps, const bt_real *x, const bt_real *gamma,
                          const bt_real *beta, bt_real *stats, bt_real *y);
/* dgamma += dL/dgamma (needs x; NULL skips it), dbeta += dL/dbeta (NULL skips it), then
 * dx = dL/dx (needs x; NULL skips it). x may be NULL when only dbeta is asked for. */
void bt_layernorm_backward(uint32_t rows, uint32_t w, const bt_real *x, const bt_real *stats, const bt_real *gamma,
                           const bt_real *dy, bt_real *dx, bt_real *dgamma, bt_real *dbeta);

extern const bt_layer_ops bt_kind_layernorm;

#endif
