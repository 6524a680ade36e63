#include "bt/reshape.h"

static bool flatten_derive(bt_layer_desc *d, unsigned index, char *err, size_t cap)
{
    (void)index, (void)err, (void)cap;
    d->out = (bt_shape){bt_shape_size(d->in), 1u, 1u};
    return true;
}

/* A view: the output is the input's storage, and the gradient passes through unchanged. */
const bt_layer_ops bt_kind_flatten = {
    BT_LAYER_FLATTEN, "flatten", BT_INPLACE_VIEW, true, flatten_derive, NULL, NULL, NULL, NULL,
};
