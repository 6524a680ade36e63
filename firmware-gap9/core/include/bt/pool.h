/* Pooling without padding, layer kinds AVGPOOL and MAXPOOL; out = (in - k) / s + 1, trailing
 * inputs that fit no window are dropped. Max pooling routes the gradient to the first maximum of
 * each window, found again from x. */
#ifndef BT_POOL_H
#define BT_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

typedef struct bt_pool_geom {
    uint32_t c, in_h, in_w, out_h, out_w, kh, kw, sh, sw;
} bt_pool_geom;

bool bt_pool_geom_finish(bt_pool_geom *g);
void bt_avgpool_forward(const bt_pool_geom *g, uint32_t n, const bt_real *x, bt_real *y);
void bt_avgpool_backward(const bt_pool_geom *g, uint32_t n, const bt_real *dy, bt_real *dx);
void bt_maxpool_forward(const bt_pool_geom *g, uint32_t n, const bt_real *x, bt_real *y);
void bt_maxpool_backward(const bt_pool_geom *g, uint32_t n, const bt_real *x, const bt_real *dy, bt_real *dx);

extern const bt_layer_ops bt_kind_avgpool;
extern const bt_layer_ops bt_kind_maxpool;

#endif
