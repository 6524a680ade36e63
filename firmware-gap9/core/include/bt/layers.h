/* Layer kernels: forward, input gradient and weight gradient of every layer the engine knows.
 * Tensors are dense NCHW (batch, channels, height, width); a biosignal window is (1, channels,
 * samples). Weight gradients are added to what the gradient buffers hold (gradient accumulation);
 * input gradients overwrite. Every kernel sums in one fixed order and splits its work through
 * bt_parallel_for by output ownership, so results do not depend on the port or the core count. */
#ifndef BT_LAYERS_H
#define BT_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

#include "bt/real.h"

/* 2-D convolution with stride, asymmetric zero padding and groups: covers temporal (1 x k), spatial
 * (C x 1), depthwise (groups = channels) and pointwise (1 x 1) convolutions.
 * Weights are [out_c][in_c / groups][kh][kw], bias [out_c]. */
typedef struct bt_conv2d_geom {
    uint32_t in_c, in_h, in_w;
    uint32_t out_c, out_h, out_w;
    uint32_t kh, kw, sh, sw;
    uint32_t pad_top, pad_left; /* bottom/right padding is implied by out_h/out_w */
    uint32_t groups;
} bt_conv2d_geom;

/* Fills out_h/out_w from the other fields and the bottom/right padding; false if the shape is
 * impossible (zero kernel or stride, groups not dividing the channels, empty output). */
bool bt_conv2d_geom_finish(bt_conv2d_geom *g, uint32_t pad_bottom, uint32_t pad_right);
uint64_t bt_conv2d_macs(const bt_conv2d_geom *g);

void bt_conv2d_forward(const bt_conv2d_geom *g, uint32_t n, const bt_real *x, const bt_real *w,
                       const bt_real *bias, bt_real *y);
/* dx = conv^T(dy); dx must not alias dy. */
void bt_conv2d_backward_input(const bt_conv2d_geom *g, uint32_t n, const bt_real *dy, const bt_real *w,
                              bt_real *dx);
/* dw += dL/dw, dbias += dL/dbias; either may be NULL (not trained). */
void bt_conv2d_backward_params(const bt_conv2d_geom *g, uint32_t n, const bt_real *x, const bt_real *dy,
                               bt_real *dw, bt_real *dbias);

/* Fully connected: y[o] = bias[o] + sum_i w[o][i] x[i] on the flattened input. */
void bt_linear_forward(uint32_t in, uint32_t out, uint32_t n, const bt_real *x, const bt_real *w,
                       const bt_real *bias, bt_real *y);
void bt_linear_backward_input(uint32_t in, uint32_t out, uint32_t n, const bt_real *dy, const bt_real *w,
                              bt_real *dx);
void bt_linear_backward_params(uint32_t in, uint32_t out, uint32_t n, const bt_real *x, const bt_real *dy,
                               bt_real *dw, bt_real *dbias);

/* Normalisation. One layer type, three behaviours chosen by the training configuration:
 *   GROUP   group norm: statistics per sample over (channels of a group) x H x W; batch-independent,
 *           so a batch is B passes of batch 1.
 *   BATCH   batch norm with training statistics over (N, H, W) per channel; running statistics are
 *           updated in training and used for prediction. Needs all N activations resident.
 *   FROZEN  batch norm with frozen running statistics, i.e. folded into a per-channel affine
 *           y = gamma * (x - mean) * rstd + beta; gamma and beta may still be trained.
 * Stats buffer: mean[S] then rstd[S], S = n * groups (GROUP) or c (BATCH, FROZEN). */
typedef enum bt_norm_mode {
    BT_NORM_GROUP = 0,
    BT_NORM_BATCH = 1,
    BT_NORM_FROZEN = 2,
} bt_norm_mode;

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

/* Activations; y may alias x, dx may alias dy. The backward passes use the forward output. */
void bt_relu_forward(uint32_t count, const bt_real *x, bt_real *y);
void bt_relu_backward(uint32_t count, const bt_real *y, const bt_real *dy, bt_real *dx);
void bt_elu_forward(uint32_t count, bt_real alpha, const bt_real *x, bt_real *y);
void bt_elu_backward(uint32_t count, bt_real alpha, const bt_real *y, const bt_real *dy, bt_real *dx);

/* Pooling without padding; out = (in - k) / s + 1, trailing inputs that fit no window are dropped.
 * Max pooling routes the gradient to the first maximum of each window, found again from x. */
typedef struct bt_pool_geom {
    uint32_t c, in_h, in_w, out_h, out_w, kh, kw, sh, sw;
} bt_pool_geom;

bool bt_pool_geom_finish(bt_pool_geom *g);
void bt_avgpool_forward(const bt_pool_geom *g, uint32_t n, const bt_real *x, bt_real *y);
void bt_avgpool_backward(const bt_pool_geom *g, uint32_t n, const bt_real *dy, bt_real *dx);
void bt_maxpool_forward(const bt_pool_geom *g, uint32_t n, const bt_real *x, bt_real *y);
void bt_maxpool_backward(const bt_pool_geom *g, uint32_t n, const bt_real *x, const bt_real *dy, bt_real *dx);

/* Softmax cross-entropy over k classes for n samples. Returns the summed loss; writes
 * dz = softmax(z) - onehot(label) when dz is not NULL (dz may alias z), probabilities when probs is
 * not NULL, and the arg-max class of each sample when predicted is not NULL. */
bt_real bt_softmax_ce(uint32_t n, uint32_t k, const bt_real *z, const uint32_t *labels, bt_real *dz,
                      bt_real *probs, uint32_t *predicted);

#endif
