/* Element-wise activations, layer kinds RELU and ELU (alpha in the layer's f). y may alias x,
 * dx may alias dy; the backward passes use the forward output. */
#ifndef BT_ACTIVATION_H
#define BT_ACTIVATION_H

#include <stdint.h>

#include "bt/layer.h"
#include "bt/real.h"

void bt_relu_forward(uint32_t count, const bt_real *x, bt_real *y);
void bt_relu_backward(uint32_t count, const bt_real *y, const bt_real *dy, bt_real *dx);
void bt_elu_forward(uint32_t count, bt_real alpha, const bt_real *x, bt_real *y);
void bt_elu_backward(uint32_t count, bt_real alpha, const bt_real *y, const bt_real *dy, bt_real *dx);

extern const bt_layer_ops bt_kind_relu;
extern const bt_layer_ops bt_kind_elu;

#endif
