#include "bt/rope.h"

#include <stdio.h>

#include "bt/btmath.h"
#include "bt/parallel.h"

typedef struct rope_ctx {
    uint32_t positions, stride, span, hd;
    bt_real base_log; /* ln base */
    bool inverse;
    const bt_real *table, *x;
    bt_real *y;
} rope_ctx;

/* Jobs: positions. theta_i = e^(-(2i / hd) ln base), the angle pos theta_i. */
static void table_range(void *p, uint32_t begin, uint32_t end)
{
    const rope_ctx *c = (const rope_ctx *)p;
    uint32_t pairs = c->hd / 2u;
    for (uint32_t pos = begin; pos < end; pos++) {
        bt_real *t = c->y + (size_t)pos * c->hd;
        for (uint32_t i = 0; i < pairs; i++) {
            bt_real theta = bt_exp(-((bt_real)(2u * i) / (bt_real)c->hd) * c->base_log);
            bt_sincos((bt_real)pos * theta, &t[2u * i + 1u], &t[2u * i]);
        }
    }
}

void bt_rope_table(uint32_t positions, uint32_t hd, bt_real base, bt_real *table)
{
    rope_ctx c = {positions, 0u, 0u, hd, bt_log(base), false, NULL, NULL, table};
    bt_parallel_for(positions, table_range, &c);
}

/* Jobs: rows. (a, b) -> (a cos - b sin, b cos + a sin); the inverse negates sin. */
static void apply_range(void *p, uint32_t begin, uint32_t end)
{
    const rope_ctx *c = (const rope_ctx *)p;
    for (uint32_t r = begin; r < end; r++) {
        const bt_real *t = c->table + (size_t)(r % c->positions) * c->hd;
        const bt_real *x = c->x + (size_t)r * c->stride;
        bt_real *y = c->y + (size_t)r * c->stride;
        for (uint32_t k = 0; k < c->span; k += 2u) {
            uint32_t i = (k % c->hd) / 2u;
            bt_real cs = t[2u * i], sn = c->inverse ? -t[2u * i + 1u] : t[2u * i + 1u];
            bt_real a = x[k], b = x[k + 1u];
            y[k] = bt_fma(a, cs, -(b * sn));
            y[k + 1u] = bt_fma(b, cs, a * sn);
        }
    }
}

void bt_rope_apply(uint32_t rows, uint32_t positions, uint32_t stride, uint32_t span, uint32_t hd,
                   const bt_real *table, bool inverse, const bt_real *x, bt_real *y)
{
    rope_ctx c = {positions, stride, span, hd, (bt_real)0, inverse, table, x, y};
    bt_parallel_for(rows, apply_range, &c);
}

bool bt_rope_too_long(bt_reject *rj, uint32_t positions, uint32_t table)
{
    char what[96];
    snprintf(what, sizeof what, "%lu positions per channel, the rotary table holds %lu", (unsigned long)positions,
             (unsigned long)table);
    return bt_layer_reject(rj, BT_MODEL_ERR_SEQUENCE, what);
}

/* ---- the ROPE layer kind --------------------------------------------------------------------- */

static bool rope_derive(bt_layer_desc *d, bt_reject *rj)
{
    uint32_t hd = d->p[0], max_pos = d->p[1];
    if (hd < 2u || hd % 2u != 0u || d->in.w % hd != 0u || max_pos == 0u || !(d->f > 1.0f && d->f < 3.0e38f) ||
        (uint64_t)max_pos * hd > BT_MODEL_MAX_TABLE) {
        return bt_layer_reject(rj, BT_MODEL_ERR_LAYER,
                               "rotary embedding needs an even head dim dividing the width, a table of positions x "
                               "head dim of at most 2^24 values and a base > 1");
    }
    if (d->in.h > max_pos) {
        return bt_rope_too_long(rj, d->in.h, max_pos);
    }
    d->out = d->in;
    return true;
}

/* Nothing kept: the backward pass turns the gradient back with a table of its own. */
static bool rope_plan(const bt_layer_desc *d, const bt_layer_config *cfg, const bt_layer_need *need,
                      bt_layer_plan *p, bt_reject *rj)
{
    (void)cfg, (void)rj;
    p->work_fwd = (uint32_t)d->p[1] * d->p[0];
    p->work_bwd = need->need_dx ? p->work_fwd : 0u;
    return true;
}

static void rope_run(const bt_layer_call *c, bool inverse, const bt_real *x, bt_real *y)
{
    const bt_layer_desc *d = c->d;
    bt_rope_table(d->in.h, d->p[0], (bt_real)d->f, c->work);
    bt_rope_apply(d->in.c * d->in.h * c->n, d->in.h, d->in.w, d->in.w, d->p[0], c->work, inverse, x, y);
}

static void rope_fwd(const bt_layer_call *c) { rope_run(c, false, c->x, c->y); }

static void rope_bwd(const bt_layer_call *c)
{
    if (c->dx) {
        rope_run(c, true, c->dy, c->dx);
    }
}

const bt_layer_ops bt_kind_rope = {
    BT_LAYER_ROPE, "rope", BT_INPLACE_IF_UNUSED, true, rope_derive, rope_plan, rope_fwd, rope_bwd, NULL,
};
