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
    bt_real inv;      /* 1 / window size */
    uint32_t chunks;  /* jobs per plane */
    uint32_t chunk_w; /* windows per job */
} pool_ctx;

/* Windows tile the plane exactly (stride = window): each input belongs to at most one window, so
 * the backward passes write instead of adding, and only the inputs no window covers need zeros. */
static bool tiled(const bt_pool_geom *g) { return g->sw == g->kw && g->sh == g->kh; }

/* kw copies of d. */
static inline void row_fill(bt_real *r, uint32_t kw, bt_real d)
{
    uint32_t k = 0;
    for (; k + 4u <= kw; k += 4u) {
        r[k] = d;
        r[k + 1u] = d;
        r[k + 2u] = d;
        r[k + 3u] = d;
    }
    for (; k < kw; k++) {
        r[k] = d;
    }
}

/* Sum of a window (rows of kw values, in_w apart), rows and columns ascending, from 0. */
static inline bt_real window_sum(const bt_pool_geom *g, const bt_real *w)
{
    bt_real acc = ZERO;
    for (uint32_t kh = 0; kh < g->kh; kh++, w += g->in_w) {
        acc = bt_sum(acc, w, g->kw);
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

/* Before a backward pass writes its windows (the plane's first job): tiled windows write every
 * input they cover, so only the others need zeros; overlapping ones add (one job per plane). */
static void clear_plane(const bt_pool_geom *g, bt_real *p, bool tiled_windows)
{
    if (tiled_windows) {
        zero_uncovered(g, p);
    } else {
        memset(p, 0, sizeof(bt_real) * g->in_h * g->in_w);
    }
}

/* Offset of window (oh, ow) in its input plane. Every kernel below takes one (sample, channel)
 * plane per job and visits its windows in row-major order. */
static size_t window_at(const bt_pool_geom *g, uint32_t oh, uint32_t ow)
{
    return (size_t)oh * g->sh * g->in_w + (size_t)ow * g->sw;
}

/* Jobs: (plane, chunk of its windows in row-major order). The windows of a job and where they are. */
typedef struct win_job {
    size_t in, out;     /* offsets of the plane in the input and the output */
    uint32_t o0, o1;    /* windows [o0, o1) */
    uint32_t oh, ow;    /* position of window o0 */
    bool first;         /* the plane's first chunk */
} win_job;

static win_job job_of(const pool_ctx *c, uint32_t j)
{
    const bt_pool_geom *g = c->g;
    uint32_t plane = j / c->chunks, chunk = j % c->chunks;
    uint32_t windows = g->out_h * g->out_w;
    win_job w;
    w.in = (size_t)plane * g->in_h * g->in_w;
    w.out = (size_t)plane * windows;
    w.o0 = chunk * c->chunk_w;
    w.o1 = w.o0 + c->chunk_w < windows ? w.o0 + c->chunk_w : windows;
    w.oh = w.o0 / g->out_w;
    w.ow = w.o0 % g->out_w;
    w.first = chunk == 0u;
    return w;
}

/* Steps a row-major walk over the windows: the next one's position and offset in the plane. */
static inline void next_window(const bt_pool_geom *g, uint32_t *oh, uint32_t *ow, size_t *at)
{
    if (++*ow == g->out_w) {
        *ow = 0u;
        ++*oh;
        *at = window_at(g, *oh, 0u);
    } else {
        *at += g->sw;
    }
}

static void avgpool_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    for (uint32_t j = begin; j < end; j++) {
        win_job w = job_of(c, j);
        uint32_t oh = w.oh, ow = w.ow;
        size_t at = window_at(g, oh, ow);
        if (g->kh == 1u) { /* the common 1 x k windows, without the row loop */
            for (uint32_t o = w.o0; o < w.o1; o++, next_window(g, &oh, &ow, &at)) {
                c->y[w.out + o] = bt_sum(ZERO, c->x + w.in + at, g->kw) * c->inv;
            }
            continue;
        }
        for (uint32_t o = w.o0; o < w.o1; o++, next_window(g, &oh, &ow, &at)) {
            c->y[w.out + o] = window_sum(g, c->x + w.in + at) * c->inv;
        }
    }
}

static void avgpool_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    bool exact = tiled(g);
    for (uint32_t j = begin; j < end; j++) {
        win_job w = job_of(c, j);
        bt_real *xp = c->dx + w.in;
        if (w.first) {
            clear_plane(g, xp, exact);
        }
        uint32_t oh = w.oh, ow = w.ow;
        size_t at = window_at(g, oh, ow);
        if (exact && g->kh == 1u) { /* the common 1 x k windows, without the row loop */
            for (uint32_t o = w.o0; o < w.o1; o++, next_window(g, &oh, &ow, &at)) {
                row_fill(xp + at, g->kw, c->dy[w.out + o] * c->inv);
            }
            continue;
        }
        for (uint32_t o = w.o0; o < w.o1; o++, next_window(g, &oh, &ow, &at)) {
            bt_real d = c->dy[w.out + o] * c->inv;
            bt_real *r = xp + at;
            for (uint32_t kh = 0; kh < g->kh; kh++, r += g->in_w) {
                if (exact) {
                    row_fill(r, g->kw, d);
                } else {
                    for (uint32_t k = 0; k < g->kw; k++) {
                        r[k] = r[k] + d;
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
    for (uint32_t j = begin; j < end; j++) {
        win_job w = job_of(c, j);
        uint32_t oh = w.oh, ow = w.ow;
        size_t at = window_at(g, oh, ow);
        for (uint32_t o = w.o0; o < w.o1; o++, next_window(g, &oh, &ow, &at)) {
            const bt_real *x = c->x + w.in + at;
            c->y[w.out + o] = x[window_argmax(g, x, NULL, false)];
        }
    }
}

static void maxpool_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const pool_ctx *c = (const pool_ctx *)p;
    const bt_pool_geom *g = c->g;
    bool exact = tiled(g);
    for (uint32_t j = begin; j < end; j++) {
        win_job w = job_of(c, j);
        const bt_real *xp = c->x + w.in;
        bt_real *dxp = c->dx + w.in;
        if (w.first) {
            clear_plane(g, dxp, exact);
        }
        uint32_t oh = w.oh, ow = w.ow;
        size_t at = window_at(g, oh, ow);
        for (uint32_t o = w.o0; o < w.o1; o++, next_window(g, &oh, &ow, &at)) {
            bt_real d = c->dy[w.out + o];
            if (exact) { /* the window's inputs are only its own: clear them, then route */
                dxp[at + window_argmax(g, xp + at, dxp + at, true)] = d;
            } else {
                size_t best = at + window_argmax(g, xp + at, NULL, false);
                dxp[best] = dxp[best] + d;
            }
        }
    }
}

/* Overlapping windows share inputs: their backward keeps each plane in one job. */
static void pool_run(const bt_pool_geom *g, uint32_t n, const bt_real *x, const bt_real *dy, bt_real *y, bt_real *dx,
                     bt_range_fn fn)
{
    pool_ctx c = {g, x, dy, y, dx, ONE / (bt_real)(g->kh * g->kw), 1u, g->out_h * g->out_w};
    if (!dx || tiled(g)) {
        c.chunks = bt_parallel_chunks(c.chunk_w, n * g->c, 8u, c.chunk_w);
        c.chunk_w = (g->out_h * g->out_w + c.chunks - 1u) / c.chunks;
    }
    bt_parallel_for(n * g->c * c.chunks, fn, &c);
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
