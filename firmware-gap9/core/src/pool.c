#include "bt/pool.h"

#include <string.h>

#include "bt/parallel.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

bool bt_pool_geom_finish(bt_pool_geom *g)
{
    if (g->kh == 0u || g->kw == 0u || g->sh == 0u || g->sw == 0u || g->in_h < g->kh || g->in_w < g->kw) {
        return false;
    }
    g->out_h = (g->in_h - g->kh) / g->sh + 1u;
    g->out_w = (g->in_w - g->kw) / g->sw + 1u;
    return true;
}

typedef struct pool_ctx {
    const bt_pool_geom *g;
    const bt_real *x, *dy;
    bt_real *y, *dx;
} pool_ctx;

/* One (sample, channel) plane per index. */
static void avgpool_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    bt_real inv = ONE / (bt_real)(g->kh * g->kw);
    for (uint32_t pl = begin; pl < end; pl++) {
        const bt_real *xp = c->x + (size_t)pl * g->in_h * g->in_w;
        bt_real *yp = c->y + (size_t)pl * g->out_h * g->out_w;
        for (uint32_t oh = 0; oh < g->out_h; oh++) {
            for (uint32_t ow = 0; ow < g->out_w; ow++) {
                bt_real acc = ZERO;
                for (uint32_t kh = 0; kh < g->kh; kh++) {
                    const bt_real *xr = xp + (size_t)(oh * g->sh + kh) * g->in_w + ow * g->sw;
                    for (uint32_t kw = 0; kw < g->kw; kw++) {
                        acc = acc + xr[kw];
                    }
                }
                yp[(size_t)oh * g->out_w + ow] = acc * inv;
            }
        }
    }
}

static void avgpool_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    bt_real inv = ONE / (bt_real)(g->kh * g->kw);
    for (uint32_t pl = begin; pl < end; pl++) {
        bt_real *xp = c->dx + (size_t)pl * g->in_h * g->in_w;
        const bt_real *yp = c->dy + (size_t)pl * g->out_h * g->out_w;
        memset(xp, 0, sizeof(bt_real) * g->in_h * g->in_w);
        for (uint32_t oh = 0; oh < g->out_h; oh++) {
            for (uint32_t ow = 0; ow < g->out_w; ow++) {
                bt_real d = yp[(size_t)oh * g->out_w + ow] * inv;
                for (uint32_t kh = 0; kh < g->kh; kh++) {
                    bt_real *xr = xp + (size_t)(oh * g->sh + kh) * g->in_w + ow * g->sw;
                    for (uint32_t kw = 0; kw < g->kw; kw++) {
                        xr[kw] = xr[kw] + d;
                    }
                }
            }
        }
    }
}

/* Index of the first maximum of a window, relative to the plane. */
static size_t window_argmax(const bt_pool_geom *g, const bt_real *xp, uint32_t oh, uint32_t ow)
{
    size_t best = (size_t)(oh * g->sh) * g->in_w + ow * g->sw;
    for (uint32_t kh = 0; kh < g->kh; kh++) {
        for (uint32_t kw = 0; kw < g->kw; kw++) {
            size_t i = (size_t)(oh * g->sh + kh) * g->in_w + ow * g->sw + kw;
            if (xp[i] > xp[best]) {
                best = i;
            }
        }
    }
    return best;
}

static void maxpool_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    for (uint32_t pl = begin; pl < end; pl++) {
        const bt_real *xp = c->x + (size_t)pl * g->in_h * g->in_w;
        bt_real *yp = c->y + (size_t)pl * g->out_h * g->out_w;
        for (uint32_t oh = 0; oh < g->out_h; oh++) {
            for (uint32_t ow = 0; ow < g->out_w; ow++) {
                yp[(size_t)oh * g->out_w + ow] = xp[window_argmax(g, xp, oh, ow)];
            }
        }
    }
}

static void maxpool_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    for (uint32_t pl = begin; pl < end; pl++) {
        const bt_real *xp = c->x + (size_t)pl * g->in_h * g->in_w;
        bt_real *dxp = c->dx + (size_t)pl * g->in_h * g->in_w;
        const bt_real *yp = c->dy + (size_t)pl * g->out_h * g->out_w;
        memset(dxp, 0, sizeof(bt_real) * g->in_h * g->in_w);
        for (uint32_t oh = 0; oh < g->out_h; oh++) {
            for (uint32_t ow = 0; ow < g->out_w; ow++) {
                size_t i = window_argmax(g, xp, oh, ow);
                dxp[i] = dxp[i] + yp[(size_t)oh * g->out_w + ow];
            }
        }
    }
}

void bt_avgpool_forward(const bt_pool_geom *g, uint32_t n, const bt_real *x, bt_real *y)
{
    pool_ctx c = {g, x, NULL, y, NULL};
    bt_parallel_for(n * g->c, avgpool_forward_range, &c);
}

void bt_avgpool_backward(const bt_pool_geom *g, uint32_t n, const bt_real *dy, bt_real *dx)
{
    pool_ctx c = {g, NULL, dy, NULL, dx};
    bt_parallel_for(n * g->c, avgpool_backward_range, &c);
}

void bt_maxpool_forward(const bt_pool_geom *g, uint32_t n, const bt_real *x, bt_real *y)
{
    pool_ctx c = {g, x, NULL, y, NULL};
    bt_parallel_for(n * g->c, maxpool_forward_range, &c);
}

void bt_maxpool_backward(const bt_pool_geom *g, uint32_t n, const bt_real *x, const bt_real *dy, bt_real *dx)
{
    pool_ctx c = {g, x, dy, NULL, dx};
    bt_parallel_for(n * g->c, maxpool_backward_range, &c);
}

/* ---- the AVGPOOL and MAXPOOL layer kinds ----------------------------------------------------- */

static bt_pool_geom geom_of(const bt_layer_desc *d)
{
    bt_pool_geom g = {d->in.c, d->in.h, d->in.w, d->out.h, d->out.w, d->p[BT_P_POOL_KH], d->p[BT_P_POOL_KW],
                      d->p[BT_P_POOL_SH], d->p[BT_P_POOL_SW]};
    return g;
}

static bool pool_derive(bt_layer_desc *d, unsigned index, char *err, size_t cap)
{
    bt_pool_geom g = {d->in.c, d->in.h, d->in.w, 0, 0, d->p[BT_P_POOL_KH], d->p[BT_P_POOL_KW], d->p[BT_P_POOL_SH],
                      d->p[BT_P_POOL_SW]};
    if (!bt_pool_geom_finish(&g)) {
        return bt_layer_reject(err, cap, index, "pooling window does not fit its input");
    }
    d->out = (bt_shape){d->in.c, g.out_h, g.out_w};
    return true;
}

/* Max pooling finds each window's maximum again from the input. */
static bool maxpool_plan(const bt_layer_desc *d, const bt_layer_config *cfg, bool train_w, bool need_dx,
                         bt_layer_plan *p, unsigned index, char *err, size_t cap)
{
    (void)d, (void)cfg, (void)train_w, (void)index, (void)err, (void)cap;
    p->keep = need_dx ? BT_KEEP_INPUT : 0u;
    return true;
}

static void avgpool_fwd(const bt_layer_call *c)
{
    bt_pool_geom g = geom_of(c->d);
    bt_avgpool_forward(&g, c->n, c->x, c->y);
}

static void avgpool_bwd(const bt_layer_call *c)
{
    if (c->dx) {
        bt_pool_geom g = geom_of(c->d);
        bt_avgpool_backward(&g, c->n, c->dy, c->dx);
    }
}

static void maxpool_fwd(const bt_layer_call *c)
{
    bt_pool_geom g = geom_of(c->d);
    bt_maxpool_forward(&g, c->n, c->x, c->y);
}

static void maxpool_bwd(const bt_layer_call *c)
{
    if (c->dx) {
        bt_pool_geom g = geom_of(c->d);
        bt_maxpool_backward(&g, c->n, c->x, c->dy, c->dx);
    }
}

const bt_layer_ops bt_kind_avgpool = {
    BT_LAYER_AVGPOOL, "avgpool", BT_INPLACE_NEVER, false, pool_derive, NULL, avgpool_fwd, avgpool_bwd, NULL,
};

const bt_layer_ops bt_kind_maxpool = {
    BT_LAYER_MAXPOOL, "maxpool", BT_INPLACE_NEVER, false, pool_derive, maxpool_plan, maxpool_fwd, maxpool_bwd, NULL,
};
