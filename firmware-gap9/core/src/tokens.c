#include "bt/tokens.h"

#include "bt/linear.h"
#include "bt/parallel.h"

#define ZERO ((bt_real)0)

/* ---- the token maps: PATCH_EMBED, TOKEN_LINEAR, RECON_HEAD ----------------------------------- */

/* in -> out features per row, over the rows of one sample. */
typedef struct token_map {
    uint32_t in, out, rows;
} token_map;

static token_map map_of(const bt_layer_desc *d)
{
    if (d->kind == BT_LAYER_PATCH_EMBED) {
        return (token_map){d->p[1], d->p[0], d->out.c * d->out.h};
    }
    return (token_map){d->in.w, d->kind == BT_LAYER_RECON_HEAD ? d->p[0] : d->out.w, d->in.c * d->in.h};
}

static bool map_params(bt_layer_desc *d, token_map t, bt_reject *rj)
{
    if ((uint64_t)t.out * t.in > BT_MODEL_MAX_PARAMS) {
        return bt_layer_reject(rj, BT_MODEL_ERR_LAYER, "token map with too many weights");
    }
    d->weight_count = t.out * t.in;
    d->bias_count = (d->flags & BT_LAYER_FLAG_BIAS) ? t.out : 0u;
    d->macs = (uint64_t)t.rows * t.in * t.out;
    return true;
}

static bool patch_derive(bt_layer_desc *d, bt_reject *rj)
{
    uint32_t width = d->p[0], patch = d->p[1];
    if (width == 0u || patch == 0u || d->in.w % patch != 0u) {
        return bt_layer_reject(rj, BT_MODEL_ERR_LAYER, "patch embedding needs a width and a patch length dividing the samples");
    }
    d->out = (bt_shape){d->in.c * d->in.h, d->in.w / patch, width};
    return map_params(d, map_of(d), rj);
}

static bool token_linear_derive(bt_layer_desc *d, bt_reject *rj)
{
    if (d->p[0] == 0u) {
        return bt_layer_reject(rj, BT_MODEL_ERR_LAYER, "token linear layer with no outputs");
    }
    d->out = (bt_shape){d->in.c, d->in.h, d->p[0]};
    return map_params(d, map_of(d), rj);
}

static bool recon_derive(bt_layer_desc *d, bt_reject *rj)
{
    if (d->p[0] == 0u || (uint64_t)d->in.h * d->p[0] > BT_MODEL_MAX_TENSOR) {
        return bt_layer_reject(rj, BT_MODEL_ERR_LAYER, "reconstruction head with no patch length or too long a row");
    }
    d->out = (bt_shape){1u, d->in.c, d->in.h * d->p[0]};
    return map_params(d, map_of(d), rj);
}

/* The weight gradient reads the input. */
static bool map_plan(const bt_layer_desc *d, const bt_layer_config *cfg, const bt_layer_need *need, bt_layer_plan *p,
                     bt_reject *rj)
{
    (void)d, (void)cfg, (void)rj;
    p->keep = need->train_w ? BT_KEEP_INPUT : 0u;
    return true;
}

static void map_fwd(const bt_layer_call *c)
{
    token_map t = map_of(c->d);
    bt_linear_forward(t.in, t.out, t.rows * c->n, c->x, c->w, c->b, c->y);
}

static void map_bwd(const bt_layer_call *c)
{
    token_map t = map_of(c->d);
    bt_linear_backward_params(t.in, t.out, t.rows * c->n, c->x, c->dy, c->gw, c->gb);
    if (c->dx) {
        bt_linear_backward_input(t.in, t.out, t.rows * c->n, c->dy, c->w, c->dx);
    }
}

static void map_init(const bt_layer_desc *d, const bt_param_init *out)
{
    bt_init_he_uniform(out, d->weight_count, map_of(d).in);
    bt_init_fill(out, d->bias_count, 0.0f);
}

const bt_layer_ops bt_kind_patch_embed = {
    BT_LAYER_PATCH_EMBED, "patch_embed", BT_INPLACE_NEVER, false, patch_derive, map_plan, map_fwd, map_bwd, map_init,
};

const bt_layer_ops bt_kind_token_linear = {
    BT_LAYER_TOKEN_LINEAR, "token_linear", BT_INPLACE_NEVER, false, token_linear_derive, map_plan, map_fwd, map_bwd,
    map_init,
};

const bt_layer_ops bt_kind_recon_head = {
    BT_LAYER_RECON_HEAD, "recon_head", BT_INPLACE_NEVER, false, recon_derive, map_plan, map_fwd, map_bwd, map_init,
};

/* ---- TOKEN_MEAN ------------------------------------------------------------------------------ */

typedef struct mean_ctx {
    uint32_t tokens, w;
    const bt_real *x;
    bt_real *y;
} mean_ctx;

/* Jobs: (sample, feature). */
static void mean_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const mean_ctx *c = (const mean_ctx *)p;
    for (uint32_t j = begin; j < end; j++) {
        uint32_t s = j / c->w, k = j % c->w;
        const bt_real *x = c->x + (size_t)s * c->tokens * c->w + k;
        bt_real acc = ZERO;
        for (uint32_t t = 0; t < c->tokens; t++) {
            acc = acc + x[(size_t)t * c->w];
        }
        c->y[j] = acc / (bt_real)c->tokens;
    }
}

/* Jobs: (sample, token). */
static void mean_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const mean_ctx *c = (const mean_ctx *)p;
    for (uint32_t j = begin; j < end; j++) {
        const bt_real *dy = c->x + (size_t)(j / c->tokens) * c->w;
        bt_real *dx = c->y + (size_t)j * c->w;
        for (uint32_t k = 0; k < c->w; k++) {
            dx[k] = dy[k] / (bt_real)c->tokens;
        }
    }
}

void bt_token_mean_forward(uint32_t n, uint32_t tokens, uint32_t w, const bt_real *x, bt_real *y)
{
    mean_ctx c = {tokens, w, x, y};
    bt_parallel_for(n * w, mean_forward_range, &c);
}

void bt_token_mean_backward(uint32_t n, uint32_t tokens, uint32_t w, const bt_real *dy, bt_real *dx)
{
    mean_ctx c = {tokens, w, dy, dx};
    bt_parallel_for(n * tokens, mean_backward_range, &c);
}

static bool mean_derive(bt_layer_desc *d, bt_reject *rj)
{
    (void)rj;
    d->out = (bt_shape){1u, 1u, d->in.w};
    return true;
}

static void mean_fwd(const bt_layer_call *c)
{
    bt_token_mean_forward(c->n, c->d->in.c * c->d->in.h, c->d->in.w, c->x, c->y);
}

static void mean_bwd(const bt_layer_call *c)
{
    if (c->dx) {
        bt_token_mean_backward(c->n, c->d->in.c * c->d->in.h, c->d->in.w, c->dy, c->dx);
    }
}

const bt_layer_ops bt_kind_token_mean = {
    BT_LAYER_TOKEN_MEAN, "token_mean", BT_INPLACE_NEVER, false, mean_derive, NULL, mean_fwd, mean_bwd, NULL,
};
