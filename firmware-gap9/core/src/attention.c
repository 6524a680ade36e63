#include "bt/attention.h"

#include <stdio.h>
#include <string.h>

#include "bt/btmath.h"
#include "bt/linear.h"
#include "bt/parallel.h"
#include "bt/rope.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)
#define QT 4u /* rows per step in the score products: one load of the shared row feeds 4 of them */

/* Order of the sums, on every port and for any work split (jobs own a (head, row) each):
 *   a score q.k sums the hd products in ascending order from 0 (fused multiply-adds), then
 *   scales; the forward output row starts from 0 and, tile by tile, is multiplied by
 *   e^(m_old - m_new) and gets p_j v_j added for the tile's keys in ascending order; the row sum
 *   of p likewise; the output row is then multiplied by 1 / sum, and lse = m + ln sum;
 *   dV_j and dK_j sum over the queries in ascending order, dQ_i over the keys in ascending order,
 *   each from 0; delta_i sums its hd products in ascending order. */

typedef struct attn_ctx {
    uint32_t T, D, hd;
    bt_real scale;
    bt_real *qkv, *o, *lse;    /* per sample: stats */
    bt_real *d_o, *dqkv, *delta; /* backward scratch */
} attn_ctx;

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* out[u] = sum over d ascending of a[d] r[u][d], for four rows (callers repeat a row to fill). */
static void dots4(const bt_real *a, const bt_real *const r[QT], uint32_t hd, bt_real out[QT])
{
    bt_real a0 = ZERO, a1 = ZERO, a2 = ZERO, a3 = ZERO;
    for (uint32_t d = 0; d < hd; d++) {
        bt_real v = a[d];
        a0 = bt_fma(v, r[0][d], a0);
        a1 = bt_fma(v, r[1][d], a1);
        a2 = bt_fma(v, r[2][d], a2);
        a3 = bt_fma(v, r[3][d], a3);
    }
    out[0] = a0;
    out[1] = a1;
    out[2] = a2;
    out[3] = a3;
}

/* y[d] = y[d] f + sum over u < nb ascending of g[u] r[u][d]. */
static void axpys(bt_real *y, bt_real f, const bt_real *g, const bt_real *const *r, uint32_t nb, uint32_t hd)
{
    for (uint32_t d = 0; d < hd; d++) {
        bt_real acc = y[d] * f;
        for (uint32_t u = 0; u < nb; u++) {
            acc = bt_fma(g[u], r[u][d], acc);
        }
        y[d] = acc;
    }
}

/* Pointers to the rows [r0, r0 + nb) of a [T][stride] matrix from `base`, the last repeated to
 * fill QT. */
static void rows_of(const bt_real *base, uint32_t stride, uint32_t r0, uint32_t nb, const bt_real *out[QT])
{
    for (uint32_t u = 0; u < QT; u++) {
        out[u] = base + (size_t)(r0 + min_u32(u, nb - 1u)) * stride;
    }
}

/* Forward jobs: (head, query row). */
static void forward_range(void *p, uint32_t begin, uint32_t end)
{
    const attn_ctx *c = (const attn_ctx *)p;
    uint32_t s3 = 3u * c->D;
    for (uint32_t job = begin; job < end; job++) {
        uint32_t h = job / c->T, i = job % c->T;
        const bt_real *q = c->qkv + (size_t)i * s3 + h * c->hd;
        const bt_real *keys = c->qkv + c->D + h * c->hd;
        const bt_real *values = keys + c->D;
        bt_real *o = c->o + (size_t)i * c->D + h * c->hd;
        bt_real m = ZERO, l = ZERO;
        for (uint32_t j0 = 0; j0 < c->T; j0 += BT_ATTN_TILE) {
            uint32_t nb = min_u32(BT_ATTN_TILE, c->T - j0);
            bt_real s[BT_ATTN_TILE];
            const bt_real *r[BT_ATTN_TILE];
            for (uint32_t u = 0; u < nb; u += QT) {
                rows_of(keys, s3, j0 + u, min_u32(QT, nb - u), &r[u]);
                dots4(q, &r[u], c->hd, &s[u]);
            }
            bt_real mt = j0 == 0u ? s[0] * c->scale : m;
            for (uint32_t u = 0; u < nb; u++) {
                s[u] = s[u] * c->scale;
                mt = s[u] > mt ? s[u] : mt;
            }
            bt_real corr = j0 == 0u ? ZERO : bt_exp(m - mt);
            l = l * corr;
            for (uint32_t u = 0; u < nb; u++) {
                s[u] = bt_exp(s[u] - mt);
                l = l + s[u];
                r[u] = values + (size_t)(j0 + u) * s3;
            }
            if (j0 == 0u) {
                memset(o, 0, sizeof(bt_real) * c->hd);
            }
            axpys(o, corr, s, r, nb, c->hd);
            m = mt;
        }
        bt_real inv = ONE / l;
        for (uint32_t d = 0; d < c->hd; d++) {
            o[d] = o[d] * inv;
        }
        c->lse[(size_t)h * c->T + i] = m + bt_log(l);
    }
}

/* delta_i = sum over the head's features of dO o, jobs: (head, row). */
static void delta_range(void *p, uint32_t begin, uint32_t end)
{
    const attn_ctx *c = (const attn_ctx *)p;
    for (uint32_t job = begin; job < end; job++) {
        uint32_t h = job / c->T, i = job % c->T;
        size_t at = (size_t)i * c->D + h * c->hd;
        bt_real acc = ZERO;
        for (uint32_t d = 0; d < c->hd; d++) {
            acc = bt_fma(c->d_o[at + d], c->o[at + d], acc);
        }
        c->delta[job] = acc;
    }
}

/* From QT scores s = q.k and dp = dO.v of head h: p = e^(s scale - lse) and
 * g = p (dp - delta) scale, for the queries qi + u (the last of the nq repeated). */
static void probs(const attn_ctx *c, uint32_t h, const bt_real *s, const bt_real *dp, uint32_t qi, uint32_t nq,
                  bt_real *p, bt_real *g)
{
    for (uint32_t u = 0; u < QT; u++) {
        size_t at = (size_t)h * c->T + qi + min_u32(u, nq - 1u);
        p[u] = bt_exp(s[u] * c->scale - c->lse[at]);
        g[u] = p[u] * (dp[u] - c->delta[at]) * c->scale;
    }
}

/* Pass A, jobs (head, key j): dV_j = sum_i p_ij dO_i, dK_j = sum_i g_ij q_i. */
static void keys_range(void *p, uint32_t begin, uint32_t end)
{
    const attn_ctx *c = (const attn_ctx *)p;
    uint32_t s3 = 3u * c->D;
    for (uint32_t job = begin; job < end; job++) {
        uint32_t h = job / c->T, j = job % c->T;
        size_t kat = (size_t)j * s3 + c->D + h * c->hd;
        bt_real *dk = c->dqkv + kat, *dv = dk + c->D;
        memset(dk, 0, sizeof(bt_real) * c->hd);
        memset(dv, 0, sizeof(bt_real) * c->hd);
        for (uint32_t i0 = 0; i0 < c->T; i0 += QT) {
            uint32_t ni = min_u32(QT, c->T - i0);
            const bt_real *qr[QT], *gr[QT];
            bt_real s[QT], dp[QT], pr[QT], g[QT];
            rows_of(c->qkv + h * c->hd, s3, i0, ni, qr);
            rows_of(c->d_o + h * c->hd, c->D, i0, ni, gr);
            dots4(c->qkv + kat, qr, c->hd, s);
            dots4(c->qkv + kat + c->D, gr, c->hd, dp);
            probs(c, h, s, dp, i0, ni, pr, g);
            axpys(dv, ONE, pr, gr, ni, c->hd);
            axpys(dk, ONE, g, qr, ni, c->hd);
        }
    }
}

/* Pass B, jobs (head, query i): dQ_i = sum_j g_ij k_j. */
static void queries_range(void *p, uint32_t begin, uint32_t end)
{
    const attn_ctx *c = (const attn_ctx *)p;
    uint32_t s3 = 3u * c->D;
    for (uint32_t job = begin; job < end; job++) {
        uint32_t h = job / c->T, i = job % c->T;
        size_t qat = (size_t)i * s3 + h * c->hd;
        bt_real *dq = c->dqkv + qat;
        memset(dq, 0, sizeof(bt_real) * c->hd);
        for (uint32_t j0 = 0; j0 < c->T; j0 += QT) {
            uint32_t nj = min_u32(QT, c->T - j0);
            const bt_real *kr[QT], *vr[QT];
            bt_real s[QT], dp[QT], pr[QT], g[QT];
            rows_of(c->qkv + c->D + h * c->hd, s3, j0, nj, kr);
            rows_of(c->qkv + 2u * c->D + h * c->hd, s3, j0, nj, vr);
            dots4(c->qkv + qat, kr, c->hd, s);
            dots4(c->d_o + (size_t)i * c->D + h * c->hd, vr, c->hd, dp);
            probs(c, h, s, dp, i, 1u, pr, g);
            axpys(dq, ONE, g, kr, nj, c->hd);
        }
    }
}

uint32_t bt_attn_stats_elems(const bt_attn_geom *g) { return g->tokens * (4u * g->width + g->heads); }

uint32_t bt_attn_work_elems(const bt_attn_geom *g, bool backward)
{
    uint32_t table = g->rotary * (g->width / g->heads);
    return table + (backward ? g->tokens * (4u * g->width + g->heads) : 0u);
}

static attn_ctx ctx_of(const bt_attn_geom *g, bt_real *stats)
{
    attn_ctx c;
    memset(&c, 0, sizeof c);
    c.T = g->tokens;
    c.D = g->width;
    c.hd = g->width / g->heads;
    c.scale = ONE / bt_sqrt((bt_real)c.hd);
    c.qkv = stats;
    c.o = stats + (size_t)3u * c.T * c.D;
    c.lse = c.o + (size_t)c.T * c.D;
    return c;
}

void bt_attn_forward(const bt_attn_geom *g, uint32_t n, const bt_real *x, const bt_real *w, const bt_real *b,
                     bt_real *stats, bt_real *work, bt_real *y)
{
    uint32_t T = g->tokens, D = g->width;
    if (g->rotary) {
        bt_rope_table(g->positions, D / g->heads, g->base, work);
    }
    for (uint32_t s = 0; s < n; s++) {
        attn_ctx c = ctx_of(g, stats + (size_t)s * bt_attn_stats_elems(g));
        bt_linear_forward(D, 3u * D, T, x + (size_t)s * T * D, w, b, c.qkv);
        if (g->rotary) { /* queries and keys, the first 2D features of each row */
            bt_rope_apply(T, g->positions, 3u * D, 2u * D, c.hd, work, false, c.qkv, c.qkv);
        }
        bt_parallel_for(g->heads * T, forward_range, &c);
        bt_linear_forward(D, D, T, c.o, w + (size_t)3u * D * D, b ? b + 3u * D : NULL, y + (size_t)s * T * D);
    }
}

void bt_attn_backward(const bt_attn_geom *g, uint32_t n, const bt_real *x, const bt_real *w, const bt_real *stats,
                      const bt_real *dy, bt_real *work, bt_real *dx, bt_real *gw, bt_real *gb)
{
    uint32_t T = g->tokens, D = g->width;
    bt_real *table = work;
    if (g->rotary) {
        bt_rope_table(g->positions, D / g->heads, g->base, table);
    }
    for (uint32_t s = 0; s < n; s++) {
        attn_ctx c = ctx_of(g, (bt_real *)stats + (size_t)s * bt_attn_stats_elems(g));
        const bt_real *dys = dy + (size_t)s * T * D;
        bt_linear_backward_params(D, D, T, c.o, dys, gw ? gw + (size_t)3u * D * D : NULL, gb ? gb + 3u * D : NULL);
        if (!gw && !gb && !dx) {
            continue; /* only the output projection trains */
        }
        c.d_o = table + g->rotary * c.hd;
        c.dqkv = c.d_o + (size_t)T * D;
        c.delta = c.dqkv + (size_t)3u * T * D;
        bt_linear_backward_input(D, D, T, dys, w + (size_t)3u * D * D, c.d_o);
        bt_parallel_for(g->heads * T, delta_range, &c);
        bt_parallel_for(g->heads * T, keys_range, &c);
        bt_parallel_for(g->heads * T, queries_range, &c);
        if (g->rotary) {
            bt_rope_apply(T, g->positions, 3u * D, 2u * D, c.hd, table, true, c.dqkv, c.dqkv);
        }
        bt_linear_backward_params(D, 3u * D, T, x ? x + (size_t)s * T * D : NULL, c.dqkv, gw, gb);
        if (dx) {
            bt_linear_backward_input(D, 3u * D, T, c.dqkv, w, dx + (size_t)s * T * D);
        }
    }
}

/* ---- the ATTENTION layer kind ---------------------------------------------------------------- */

static bt_attn_geom geom_of(const bt_layer_desc *d)
{
    bt_attn_geom g = {d->in.c * d->in.h, d->in.w, d->p[0], d->in.h, d->p[1], (bt_real)d->f};
    return g;
}

static bool attn_derive(bt_layer_desc *d, bt_reject *rj)
{
    uint32_t D = d->in.w, heads = d->p[0], rotary = d->p[1];
    uint64_t T = (uint64_t)d->in.c * d->in.h;
    char what[96];
    if (heads == 0u || D % heads != 0u) {
        snprintf(what, sizeof what, "%lu attention heads do not divide the width %lu", (unsigned long)heads,
                 (unsigned long)D);
        return bt_layer_reject(rj, BT_MODEL_ERR_HEADS, what);
    }
    if ((uint64_t)4u * D * D > BT_MODEL_MAX_PARAMS || (uint64_t)rotary * (D / heads) > BT_MODEL_MAX_TABLE) {
        return bt_layer_reject(rj, BT_MODEL_ERR_LAYER, "attention width or rotary table too large");
    }
    if (rotary ? (D / heads) % 2u != 0u || !(d->f > 1.0f && d->f < 3.0e38f) : d->f != 0.0f) {
        return bt_layer_reject(rj, BT_MODEL_ERR_LAYER,
                               "rotary attention needs an even head dim and a base > 1 (no rotary: base 0)");
    }
    if (rotary && d->in.h > rotary) {
        return bt_rope_too_long(rj, d->in.h, rotary);
    }
    d->out = d->in;
    d->weight_count = 4u * D * D;
    d->bias_count = (d->flags & BT_LAYER_FLAG_BIAS) ? 4u * D : 0u;
    d->macs = 4u * T * D * D + 2u * T * T * D;
    return true;
}

/* q, k, v, o and the log-sum-exp for any gradient (the core runs backward); x for the weights. */
static bool attn_plan(const bt_layer_desc *d, const bt_layer_config *cfg, const bt_layer_need *need,
                      bt_layer_plan *p, bt_reject *rj)
{
    (void)cfg, (void)rj;
    bt_attn_geom g = geom_of(d);
    bool core = need->train_w || need->train_b || need->need_dx;
    p->stats_elems = bt_attn_stats_elems(&g);
    p->stats_per_sample = true;
    p->keep = (uint8_t)((core ? BT_KEEP_STATS : 0u) | (need->train_w ? BT_KEEP_INPUT : 0u));
    p->work_fwd = bt_attn_work_elems(&g, false);
    p->work_bwd = core ? bt_attn_work_elems(&g, true) : 0u;
    return true;
}

static void attn_fwd(const bt_layer_call *c)
{
    bt_attn_geom g = geom_of(c->d);
    bt_attn_forward(&g, c->n, c->x, c->w, c->b, c->stats, c->work, c->y);
}

static void attn_bwd(const bt_layer_call *c)
{
    bt_attn_geom g = geom_of(c->d);
    bt_attn_backward(&g, c->n, c->x, c->w, c->stats, c->dy, c->work, c->dx, c->gw, c->gb);
}

static void attn_init(const bt_layer_desc *d, const bt_param_init *out)
{
    bt_init_he_uniform(out, d->weight_count, d->in.w);
    bt_init_fill(out, d->bias_count, 0.0f);
}

const bt_layer_ops bt_kind_attention = {
    BT_LAYER_ATTENTION, "attention", BT_INPLACE_NEVER, false, attn_derive, attn_plan, attn_fwd, attn_bwd, attn_init,
};
