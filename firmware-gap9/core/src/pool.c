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
    bt_real inv; /* 1 / window size */
} pool_ctx;

/* Windows tile the plane exactly (stride = window): each input belongs to at most one window, so
 * the backward passes write instead of adding, and only the inputs no window covers need zeros. */
static bool tiled(const bt_pool_geom *g) { return g->sw == g->kw && g->sh == g->kh; }

/* Sum of a window (rows of kw values, in_w apart), rows and columns ascending, from 0. */
static inline bt_real window_sum(const bt_pool_geom *g, const bt_real *w)
{
    bt_real acc = ZERO;
    for (uint32_t kh = 0; kh < g->kh; kh++, w += g->in_w) {
        uint32_t k = 0;
        for (; k + 4u <= g->kw; k += 4u) {
            acc = acc + w[k];
            acc = acc + w[k + 1u];
            acc = acc + w[k + 2u];
            acc = acc + w[k + 3u];
        }
        for (; k < g->kw; k++) {
            acc = acc + w[k];
        }
    }
    return acc;
}

/* Offset (in the window) of its first maximum: rows and columns ascending, replaced only by a
 * strictly greater value. With `zero`, also clears the window's inputs in z as it goes. */
static inline __attribute__((always_inline)) size_t window_argmax(const bt_pool_geom *g, const bt_real *w, bt_real *z,
                                                                  const bool zero)
{
    size_t best = 0;
    bt_real m = w[0];
    for (uint32_t kh = 0; kh < g->kh; kh++) {
        size_t row = (size_t)kh * g->in_w;
        for (uint32_t k = 0; k < g->kw; k++) {
            bt_real v = w[row + k];
            if (zero) {
                z[row + k] = ZERO;
            }
            if (v > m) {
                m = v;
                best = row + k;
            }
        }
    }
    return best;
}

/* Zeroes the inputs of a plane that no window covers (tiled windows): the tail of every covered
 * row and the rows below the last window. */
static void zero_uncovered(const bt_pool_geom *g, bt_real *p)
{
    uint32_t cw = g->out_w * g->kw, ch = g->out_h * g->kh;
    if (cw < g->in_w) {
        for (uint32_t h = 0; h < ch; h++) {
            memset(p + (size_t)h * g->in_w + cw, 0, sizeof(bt_real) * (g->in_w - cw));
        }
    }
    memset(p + (size_t)ch * g->in_w, 0, sizeof(bt_real) * (size_t)(g->in_h - ch) * g->in_w);
}

/* Offset of window (oh, ow) in its input plane. Every kernel below takes one (sample, channel)
 * plane per job and visits its windows in row-major order. */
static size_t window_at(const bt_pool_geom *g, uint32_t oh, uint32_t ow)
{
    return (size_t)oh * g->sh * g->in_w + (size_t)ow * g->sw;
}

/* Windows one row high that tile their rows: each row is a run of windows of kw values. */
static bool row_windows(const bt_pool_geom *g) { return g->kh == 1u && g->sw == g->kw; }

static void avgpool_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    if (row_windows(g)) {
        for (uint32_t pl = begin; pl < end; pl++) {
            for (uint32_t oh = 0; oh < g->out_h; oh++) {
                const bt_real *x = c->x + ((size_t)pl * g->in_h + (size_t)oh * g->sh) * g->in_w;
                bt_real *y = c->y + ((size_t)pl * g->out_h + oh) * g->out_w;
                for (uint32_t ow = 0; ow < g->out_w; ow++, x += g->kw) {
                    y[ow] = window_sum(g, x) * c->inv;
                }
            }
        }
        return;
    }
    for (uint32_t pl = begin; pl < end; pl++) {
        const bt_real *xp = c->x + (size_t)pl * g->in_h * g->in_w;
        bt_real *yp = c->y + (size_t)pl * g->out_h * g->out_w;
        for (uint32_t oh = 0, o = 0; oh < g->out_h; oh++) {
            for (uint32_t ow = 0; ow < g->out_w; ow++, o++) {
                yp[o] = window_sum(g, xp + window_at(g, oh, ow)) * c->inv;
            }
        }
    }
}

static void avgpool_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    bool exact = tiled(g);
    if (exact && g->kh == 1u) {
        for (uint32_t pl = begin; pl < end; pl++) {
            zero_uncovered(g, c->dx + (size_t)pl * g->in_h * g->in_w);
            for (uint32_t oh = 0; oh < g->out_h; oh++) {
                bt_real *dx = c->dx + ((size_t)pl * g->in_h + oh) * g->in_w;
                const bt_real *dy = c->dy + ((size_t)pl * g->out_h + oh) * g->out_w;
                for (uint32_t ow = 0; ow < g->out_w; ow++, dx += g->kw) {
                    bt_real d = dy[ow] * c->inv;
                    uint32_t k = 0;
                    for (; k + 4u <= g->kw; k += 4u) {
                        dx[k] = d;
                        dx[k + 1u] = d;
                        dx[k + 2u] = d;
                        dx[k + 3u] = d;
                    }
                    for (; k < g->kw; k++) {
                        dx[k] = d;
                    }
                }
            }
        }
        return;
    }
    for (uint32_t pl = begin; pl < end; pl++) {
        bt_real *xp = c->dx + (size_t)pl * g->in_h * g->in_w;
        const bt_real *yp = c->dy + (size_t)pl * g->out_h * g->out_w;
        if (exact) {
            zero_uncovered(g, xp);
        } else {
            memset(xp, 0, sizeof(bt_real) * g->in_h * g->in_w);
        }
        for (uint32_t oh = 0, o = 0; oh < g->out_h; oh++) {
            for (uint32_t ow = 0; ow < g->out_w; ow++, o++) {
                bt_real d = yp[o] * c->inv;
                bt_real *r = xp + window_at(g, oh, ow);
                for (uint32_t kh = 0; kh < g->kh; kh++, r += g->in_w) {
                    for (uint32_t k = 0; k < g->kw; k++) {
                        r[k] = exact ? d : r[k] + d;
                    }
                }
            }
        }
    }
}

static void maxpool_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    for (uint32_t pl = begin; pl < end; pl++) {
        const bt_real *xp = c->x + (size_t)pl * g->in_h * g->in_w;
        bt_real *yp = c->y + (size_t)pl * g->out_h * g->out_w;
        for (uint32_t oh = 0, o = 0; oh < g->out_h; oh++) {
            for (uint32_t ow = 0; ow < g->out_w; ow++, o++) {
                const bt_real *w = xp + window_at(g, oh, ow);
                yp[o] = w[window_argmax(g, w, NULL, false)];
            }
        }
    }
}

static void maxpool_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    bool exact = tiled(g);
    for (uint32_t pl = begin; pl < end; pl++) {
        const bt_real *xp = c->x + (size_t)pl * g->in_h * g->in_w;
        bt_real *dxp = c->dx + (size_t)pl * g->in_h * g->in_w;
        const bt_real *yp = c->dy + (size_t)pl * g->out_h * g->out_w;
        if (exact) {
            zero_uncovered(g, dxp);
        } else {
            memset(dxp, 0, sizeof(bt_real) * g->in_h * g->in_w);
        }
        for (uint32_t oh = 0, o = 0; oh < g->out_h; oh++) {
            for (uint32_t ow = 0; ow < g->out_w; ow++, o++) {
                size_t w = window_at(g, oh, ow);
                if (exact) { /* the window's inputs are only its own: clear them, then route */
                    dxp[w + window_argmax(g, xp + w, dxp + w, true)] = yp[o];
                } else {
                    size_t best = w + window_argmax(g, xp + w, NULL, false);
                    dxp[best] = dxp[best] + yp[o];
                }
            }
        }
    }
}

static void pool_run(const bt_pool_geom *g, uint32_t n, const bt_real *x, const bt_real *dy, bt_real *y, bt_real *dx,
                     bt_range_fn fn)
{
    pool_ctx c = {g, x, dy, y, dx, ONE / (bt_real)(g->kh * g->kw)};
    bt_parallel_for(n * g->c, fn, &c);
}

void bt_avgpool_forward(const bt_pool_geom *g, uint32_t n, const bt_real *x, bt_real *y)
{
    pool_run(g, n, x, NULL, y, NULL, avgpool_forward_range);
}

void bt_avgpool_backward(const bt_pool_geom *g, uint32_t n, const bt_real *dy, bt_real *dx)
{
    pool_run(g, n, NULL, dy, NULL, dx, avgpool_backward_range);
}

void bt_maxpool_forward(const bt_pool_geom *g, uint32_t n, const bt_real *x, bt_real *y)
{
    pool_run(g, n, x, NULL, y, NULL, maxpool_forward_range);
}

void bt_maxpool_backward(const bt_pool_geom *g, uint32_t n, const bt_real *x, const bt_real *dy, bt_real *dx)
{
    pool_run(g, n, x, dy, NULL, dx, maxpool_backward_range);
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
