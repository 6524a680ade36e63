/* Layer kind FLATTEN: (c, h, w) -> (c h w, 1, 1), a view of its input's storage. */
#ifndef BT_RESHAPE_H
#define BT_RESHAPE_H

#include "bt/layer.h"

extern const bt_layer_ops bt_kind_flatten;

#endif
