#include "bt/layer.h"

#include <stdio.h>

#include "bt/activation.h"
#include "bt/attention.h"
#include "bt/conv.h"
#include "bt/layernorm.h"
#include "bt/linear.h"
#include "bt/norm.h"
#include "bt/pool.h"
#include "bt/reshape.h"
#include "bt/residual.h"
#include "bt/rope.h"
#include "bt/tokens.h"

/* The layer kinds this device knows, by their number in the model format (MODEL.md section 2). */
static const bt_layer_ops *const kinds[] = {
    &bt_kind_conv2d,      &bt_kind_linear,       &bt_kind_norm,      &bt_kind_relu,
    &bt_kind_elu,         &bt_kind_avgpool,      &bt_kind_maxpool,   &bt_kind_flatten,
    &bt_kind_patch_embed, &bt_kind_token_linear, &bt_kind_layernorm, &bt_kind_gelu,
    &bt_kind_rope,        &bt_kind_attention,    &bt_kind_add,       &bt_kind_token_mean,
    &bt_kind_recon_head,
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

bool bt_layer_reject(bt_reject *rj, uint8_t reason, const char *what)
{
    rj->reason = reason;
    if (rj->text && rj->cap > 0u) {
        snprintf(rj->text, rj->cap, "layer %u: %s", rj->index, what);
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
