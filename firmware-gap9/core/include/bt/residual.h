/* Residual (skip) connections, layer kind ADD: y = x + s, where s is an earlier tensor the layer
 * names as its second input (MODEL.md: p[0], checked by the parser to come before the layer and to
 * have its shape). The schedule keeps s alive until the add; the backward pass passes dy through to
 * x (in place) and copies it for s, and the engine adds that copy to s's gradient once the layer
 * that read s has made it (bt_add). */
#ifndef BT_RESIDUAL_H
#define BT_RESIDUAL_H

#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

/* y = a + b element-wise; y may alias a or b. */
void bt_add(uint32_t count, const bt_real *a, const bt_real *b, bt_real *y);

extern const bt_layer_ops bt_kind_add;

#endif
