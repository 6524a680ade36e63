#include "bt/layer.h"

#include <stdio.h>

#include "bt/activation.h"
#include "bt/conv.h"
#include "bt/linear.h"
#include "bt/norm.h"
#include "bt/pool.h"
#include "bt/reshape.h"

/* The layer kinds this device knows, by their number in the model format (MODEL.md section 2). */
static const bt_layer_ops *const kinds[] = {
    &bt_kind_conv2d, &bt_kind_linear, &bt_kind_norm, &bt_kind_relu,
    &bt_kind_elu,    &bt_kind_avgpool, &bt_kind_maxpool, &bt_kind_flatten,
};

const bt_layer_ops *bt_layer_ops_find(uint8_t kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (kinds[i]->kind == kind) {
            return kinds[i];
        }
    }
    return NULL;
}

uint64_t bt_layer_macs(const bt_layer_desc *d, bool training, bool train_w, bool need_dx)
{
    if (!training) {
        return d->macs;
    }
    return d->macs * (1u + (train_w ? 1u : 0u) + (need_dx ? 1u : 0u));
}

bool bt_layer_reject(char *err, size_t cap, unsigned index, const char *what)
{
    if (err && cap > 0u) {
        snprintf(err, cap, "layer %u: %s", index, what);
    }
    return false;
}

void bt_init_he_uniform(const bt_param_init *out, uint32_t count, uint32_t fan_in)
{
    if (count == 0u) {
        return;
    }
    float bound = __builtin_sqrtf(6.0f / (float)fan_in); /* correctly rounded */
    for (uint32_t k = 0; k < count; k++) {
        out->put(out->ctx, out->uniform(out->ctx, bound));
    }
}

void bt_init_fill(const bt_param_init *out, uint32_t count, float value)
{
    for (uint32_t k = 0; k < count; k++) {
        out->put(out->ctx, value);
    }
}
