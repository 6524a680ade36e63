/* Normalisation. One layer kind (NORM), three behaviours chosen by the training configuration
 * (bt_norm_mode in layer.h):
 *   GROUP   group norm: statistics per sample over (channels of a group) x H x W; batch-independent,
 *           so a batch is B passes of batch 1.
 *   BATCH   batch norm with training statistics over (N, H, W) per channel; running statistics are
 *           updated in training and used for prediction. Needs all N activations resident.
 *   FROZEN  batch norm with frozen running statistics, i.e. folded into a per-channel affine
 *           y = gamma * (x - mean) * rstd + beta; gamma and beta may still be trained.
 * Stats buffer (bt_norm_stats_count): mean[S] then rstd[S], S = n * groups (GROUP) or c (BATCH,
 * FROZEN); GROUP mode then keeps two partial sums per sample and channel. */
#ifndef BT_NORM_H
#define BT_NORM_H

#include <stdbool.h>
#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

typedef struct bt_norm_geom {
    uint32_t n, c, hw;
    uint32_t groups;  /* GROUP mode: divides c */
    uint8_t mode;     /* bt_norm_mode */
    bt_real eps;
    bt_real momentum; /* BATCH mode running-statistics update, e.g. 0.1 */
} bt_norm_geom;

uint32_t bt_norm_stats_count(const bt_norm_geom *g); /* 2 * S */
/* training: BATCH mode uses and updates batch statistics; otherwise BATCH uses running ones.
 * y may alias x. */
void bt_norm_forward(const bt_norm_geom *g, const bt_real *x, const bt_real *gamma, const bt_real *beta,
                     bt_real *run_mean, bt_real *run_var, bool training, bt_real *stats, bt_real *y);
/* x is the forward input (may be NULL in FROZEN mode when dgamma is NULL). dx may alias dy or be
 * NULL; dgamma/dbeta are accumulated and may be NULL. */
void bt_norm_backward(const bt_norm_geom *g, const bt_real *x, const bt_real *stats, const bt_real *gamma,
                      const bt_real *dy, bt_real *dx, bt_real *dgamma, bt_real *dbeta);

extern const bt_layer_ops bt_kind_norm;

#endif
