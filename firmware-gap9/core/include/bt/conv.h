/* 2-D convolution with stride, asymmetric zero padding and groups: covers temporal (1 x k),
 * spatial (C x 1), depthwise (groups = channels) and pointwise (1 x 1) convolutions.
 * Weights are [out_c][in_c / groups][kh][kw], bias [out_c]. Layer kind CONV2D. */
#ifndef BT_CONV_H
#define BT_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

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

extern const bt_layer_ops bt_kind_conv2d;

#endif
