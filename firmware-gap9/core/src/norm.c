#include "bt/norm.h"

#include <stdio.h>
#include <string.h>

#include "bt/btmath.h"
#include "bt/parallel.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

/* Statistics sets: the values one mean and one rstd are taken over. GROUP: sample s, group j ->
 * channels [j cpg, (j + 1) cpg) of sample s. BATCH/FROZEN: one channel across all samples.
 *
 * Order of the sums (the same on every port and for any split of the work): a group's sum is the
 * sum of its channels' sums in ascending channel order, each channel summed in ascending position
 * order; a channel across samples sums the samples in ascending order. GROUP mode keeps the
 * per-channel partial sums after mean and rstd in the statistics buffer, so that every channel is
 * its own job. */
static uint32_t norm_sets(const bt_norm_geom *g) { return g->mode == BT_NORM_GROUP ? g->n * g->groups : g->c; }

uint32_t bt_norm_stats_count(const bt_norm_geom *g)
{
    return 2u * norm_sets(g) + (g->mode == BT_NORM_GROUP ? 2u * g->n * g->c : 0u);
}

typedef struct norm_ctx {
    const bt_norm_geom *g;
    const bt_real *x, *gamma, *beta, *dy;
    bt_real *run_mean, *run_var, *y, *dx, *dgamma, *dbeta;
    bt_real *mean, *rstd; /* per set */
    bt_real *pa, *pb;     /* GROUP: per (sample, channel) partial sums */
    bool training;
    uint32_t cpg;
    bt_real count;        /* values per set */
    uint32_t chunks, chunk_w; /* element-wise passes: chunks of each channel's hw values */
} norm_ctx;

static norm_ctx ctx_of(const bt_norm_geom *g, bt_real *stats)
{
    norm_ctx c;
    memset(&c, 0, sizeof c);
    c.g = g;
    uint32_t sets = norm_sets(g);
    c.mean = stats;
    c.rstd = stats + sets;
    c.pa = stats + 2u * sets;
    c.pb = c.pa + (size_t)g->n * g->c;
    c.cpg = g->mode == BT_NORM_GROUP ? g->c / g->groups : 1u;
    c.count = (bt_real)((size_t)g->hw * (g->mode == BT_NORM_GROUP ? c.cpg : g->n));
    c.chunks = bt_parallel_chunks(g->hw, g->n * g->c, 64u, g->hw);
    c.chunk_w = (g->hw + c.chunks - 1u) / c.chunks;
    return c;
}

static bt_real sum_of(const bt_real *v, size_t n) { return bt_sum(ZERO, v, n); }

static bt_real sq_dev_of(const bt_real *v, size_t n, bt_real mean)
{
    bt_real acc = ZERO;
    size_t i = 0;
    for (; i + 4u <= n; i += 4u) {
        bt_real d0 = v[i] - mean, d1 = v[i + 1u] - mean, d2 = v[i + 2u] - mean, d3 = v[i + 3u] - mean;
        acc = bt_fma(d0, d0, acc);
        acc = bt_fma(d1, d1, acc);
        acc = bt_fma(d2, d2, acc);
        acc = bt_fma(d3, d3, acc);
    }
    for (; i < n; i++) {
        bt_real d = v[i] - mean;
        acc = bt_fma(d, d, acc);
    }
    return acc;
}

/* y = (x - mean) a + b over n values (y may be x). */
static void affine(const bt_real *x, bt_real *y, size_t n, bt_real mean, bt_real a, bt_real b)
{
    size_t i = 0;
    for (; i + 4u <= n; i += 4u) {
        bt_real v0 = x[i] - mean, v1 = x[i + 1u] - mean, v2 = x[i + 2u] - mean, v3 = x[i + 3u] - mean;
        y[i] = bt_fma(v0, a, b);
        y[i + 1u] = bt_fma(v1, a, b);
        y[i + 2u] = bt_fma(v2, a, b);
        y[i + 3u] = bt_fma(v3, a, b);
    }
    for (; i < n; i++) {
        y[i] = bt_fma(x[i] - mean, a, b);
    }
}

/* The sum over the channels of GROUP set `set` of v[s c + ch] (ascending), or of w[ch] v[...]. */
static bt_real group_sum(const norm_ctx *c, const bt_real *v, uint32_t set, const bt_real *w)
{
    uint32_t s = set / c->g->groups;
    uint32_t ch0 = (set % c->g->groups) * c->cpg;
    const bt_real *p = v + (size_t)s * c->g->c + ch0;
    bt_real acc = ZERO;
    for (uint32_t k = 0; k < c->cpg; k++) {
        acc = w ? bt_fma(w[ch0 + k], p[k], acc) : acc + p[k];
    }
    return acc;
}

static uint32_t set_of(const norm_ctx *c, uint32_t idx) /* GROUP: (sample, channel) job -> set */
{
    return (idx / c->g->c) * c->g->groups + (idx % c->g->c) / c->cpg;
}

/* GROUP forward, three passes over (sample, channel) jobs: channel sums; squared deviations from
 * the group mean; the affine map with the group's rstd. */
static void group_sums(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    for (uint32_t idx = begin; idx < end; idx++) {
        c->pa[idx] = sum_of(c->x + (size_t)idx * c->g->hw, c->g->hw);
    }
}

static void group_squares(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    for (uint32_t idx = begin; idx < end; idx++) {
        bt_real mean = group_sum(c, c->pa, set_of(c, idx), NULL) / c->count;
        c->pb[idx] = sq_dev_of(c->x + (size_t)idx * c->g->hw, c->g->hw, mean);
    }
}

/* Element-wise passes run over (sample, channel, chunk) jobs: the values [*a, *b) of job j's
 * channel (returned), and whether it is the channel's first chunk. */
static uint32_t chunk_of(const norm_ctx *c, uint32_t j, size_t *a, size_t *b, bool *first)
{
    uint32_t chunk = j % c->chunks;
    uint32_t idx = j / c->chunks;
    size_t lo = (size_t)chunk * c->chunk_w;
    size_t hi = lo + c->chunk_w < c->g->hw ? lo + c->chunk_w : c->g->hw;
    *a = (size_t)idx * c->g->hw + lo;
    *b = (size_t)idx * c->g->hw + hi;
    *first = chunk == 0u;
    return idx;
}

static void group_normalise(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    const bt_norm_geom *g = c->g;
    for (uint32_t j = begin; j < end; j++) {
        size_t a, b;
        bool first;
        uint32_t idx = chunk_of(c, j, &a, &b, &first);
        uint32_t set = set_of(c, idx);
        uint32_t ch = idx % g->c;
        bt_real mean = group_sum(c, c->pa, set, NULL) / c->count;
        bt_real rstd = ONE / bt_sqrt(group_sum(c, c->pb, set, NULL) / c->count + g->eps);
        if (ch % c->cpg == 0u && first) {
            c->mean[set] = mean;
            c->rstd[set] = rstd;
        }
        affine(c->x + a, c->y + a, b - a, mean, c->gamma[ch] * rstd, c->beta[ch]);
    }
}

/* BATCH training forward: one channel across the samples per job. */
static void batch_forward(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    const bt_norm_geom *g = c->g;
    for (uint32_t ch = begin; ch < end; ch++) {
        bt_real sum = ZERO;
        for (uint32_t s = 0; s < g->n; s++) {
            sum = sum + sum_of(c->x + ((size_t)s * g->c + ch) * g->hw, g->hw);
        }
        bt_real mean = sum / c->count;
        bt_real sq = ZERO;
        for (uint32_t s = 0; s < g->n; s++) {
            sq = sq + sq_dev_of(c->x + ((size_t)s * g->c + ch) * g->hw, g->hw, mean);
        }
        bt_real var = sq / c->count;
        bt_real rstd = ONE / bt_sqrt(var + g->eps);
        bt_real unbiased = c->count > ONE ? sq / (c->count - ONE) : var;
        c->run_mean[ch] = (ONE - g->momentum) * c->run_mean[ch] + g->momentum * mean;
        c->run_var[ch] = (ONE - g->momentum) * c->run_var[ch] + g->momentum * unbiased;
        c->mean[ch] = mean;
        c->rstd[ch] = rstd;
        for (uint32_t s = 0; s < g->n; s++) {
            size_t off = ((size_t)s * g->c + ch) * g->hw;
            affine(c->x + off, c->y + off, g->hw, mean, c->gamma[ch] * rstd, c->beta[ch]);
        }
    }
}

/* Running statistics (FROZEN, or BATCH in inference): one (sample, channel) per job. */
static void running_forward(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    const bt_norm_geom *g = c->g;
    for (uint32_t j = begin; j < end; j++) {
        size_t a, b;
        bool first;
        uint32_t idx = chunk_of(c, j, &a, &b, &first);
        uint32_t ch = idx % g->c;
        bt_real mean = c->run_mean[ch];
        bt_real rstd = ONE / bt_sqrt(c->run_var[ch] + g->eps);
        if (idx < g->c && first) {
            c->mean[ch] = mean;
            c->rstd[ch] = rstd;
        }
        affine(c->x + a, c->y + a, b - a, mean, c->gamma[ch] * rstd, c->beta[ch]);
    }
}

void bt_norm_forward(const bt_norm_geom *g, const bt_real *x, const bt_real *gamma, const bt_real *beta,
                     bt_real *run_mean, bt_real *run_var, bool training, bt_real *stats, bt_real *y)
{
    norm_ctx c = ctx_of(g, stats);
    c.x = x;
    c.gamma = gamma;
    c.beta = beta;
    c.run_mean = run_mean;
    c.run_var = run_var;
    c.y = y;
    c.training = training;
    if (g->mode == BT_NORM_GROUP) {
        bt_parallel_for(g->n * g->c, group_sums, &c);
        bt_parallel_for(g->n * g->c, group_squares, &c);
        bt_parallel_for(g->n * g->c * c.chunks, group_normalise, &c);
    } else if (g->mode == BT_NORM_BATCH && training) {
        bt_parallel_for(g->c, batch_forward, &c);
    } else {
        bt_parallel_for(g->n * g->c * c.chunks, running_forward, &c);
    }
}

/* Over one channel of one sample: a += sum dy, b += sum dy (x - mean), in ascending order. */
static void grad_sums(const bt_real *dy, const bt_real *x, size_t n, bt_real mean, bt_real *a, bt_real *b)
{
    bt_real sa = ZERO, sb = ZERO;
    size_t i = 0;
    for (; i + 2u <= n; i += 2u) {
        bt_real d0 = dy[i], d1 = dy[i + 1u];
        sa = sa + d0;
        sb = bt_fma(d0, x[i] - mean, sb);
        sa = sa + d1;
        sb = bt_fma(d1, x[i + 1u] - mean, sb);
    }
    for (; i < n; i++) {
        sa = sa + dy[i];
        sb = bt_fma(dy[i], x[i] - mean, sb);
    }
    *a = sa;
    *b = sb;
}

/* dx = k1 dy + k2 (x - mean) + k0 (dx may be dy). */
static void grad_map(const bt_real *dy, const bt_real *x, bt_real *dx, size_t n, bt_real mean, bt_real k1,
                     bt_real k2, bt_real k0)
{
    size_t i = 0;
    for (; i + 2u <= n; i += 2u) {
        bt_real d0 = dy[i], d1 = dy[i + 1u];
        bt_real t0 = bt_fma(k2, x[i] - mean, k0), t1 = bt_fma(k2, x[i + 1u] - mean, k0);
        dx[i] = bt_fma(k1, d0, t0);
        dx[i + 1u] = bt_fma(k1, d1, t1);
    }
    for (; i < n; i++) {
        dx[i] = bt_fma(k1, dy[i], bt_fma(k2, x[i] - mean, k0));
    }
}

/* With dxhat = dy gamma and xhat = (x - mean) rstd over a set of `count` values:
 *   dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))
 *      = k1 dy + k2 (x - mean) + k0,  k1 = rstd gamma, k2 = -rstd^2 m2, k0 = -rstd m1,
 * m1 = sum(gamma a) / count, m2 = sum(gamma b) rstd / count, with the sums a = sum dy and
 * b = sum dy (x - mean) per channel. */
static void grad_input(const norm_ctx *c, const bt_real *dy, const bt_real *x, bt_real *dx, size_t n, uint32_t ch,
                       bt_real mean, bt_real rstd, bt_real s1, bt_real s2)
{
    bt_real m1 = s1 / c->count;
    bt_real m2 = s2 * rstd / c->count;
    grad_map(dy, x, dx, n, mean, rstd * c->gamma[ch], -(rstd * rstd * m2), -(rstd * m1));
}

/* GROUP backward: channel sums per (sample, channel); then the input gradient per (sample,
 * channel), and the parameter gradients of channel ch in the job of (sample 0, ch). */
static void group_grad_sums(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    for (uint32_t idx = begin; idx < end; idx++) {
        size_t off = (size_t)idx * c->g->hw;
        if (!c->x) { /* only beta trains: x was not kept */
            c->pa[idx] = sum_of(c->dy + off, c->g->hw);
            c->pb[idx] = ZERO;
            continue;
        }
        grad_sums(c->dy + off, c->x + off, c->g->hw, c->mean[set_of(c, idx)], &c->pa[idx], &c->pb[idx]);
    }
}

static void group_grad_apply(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    const bt_norm_geom *g = c->g;
    for (uint32_t j = begin; j < end; j++) {
        size_t a, b;
        bool first;
        uint32_t idx = chunk_of(c, j, &a, &b, &first);
        uint32_t ch = idx % g->c;
        if (idx < g->c && first) {
            bt_real sa = ZERO, sb = ZERO; /* over the samples, each with its own rstd */
            for (uint32_t s = 0; s < g->n; s++) {
                size_t k = (size_t)s * g->c + ch;
                sa = sa + c->pa[k];
                sb = bt_fma(c->pb[k], c->rstd[set_of(c, (uint32_t)k)], sb);
            }
            if (c->dgamma) {
                c->dgamma[ch] = c->dgamma[ch] + sb;
            }
            if (c->dbeta) {
                c->dbeta[ch] = c->dbeta[ch] + sa;
            }
        }
        if (c->dx) {
            uint32_t set = set_of(c, idx);
            grad_input(c, c->dy + a, c->x + a, c->dx + a, b - a, ch, c->mean[set], c->rstd[set],
                       group_sum(c, c->pa, set, c->gamma), group_sum(c, c->pb, set, c->gamma));
        }
    }
}

/* BATCH and FROZEN backward: one channel across the samples per job. */
static void channel_backward(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    const bt_norm_geom *g = c->g;
    bool frozen = g->mode == BT_NORM_FROZEN;
    for (uint32_t ch = begin; ch < end; ch++) {
        bt_real mean = c->mean[ch], rstd = c->rstd[ch];
        bt_real sa = ZERO, sb = ZERO;
        if (!frozen || c->dgamma || c->dbeta) {
            for (uint32_t s = 0; s < g->n; s++) {
                size_t off = ((size_t)s * g->c + ch) * g->hw;
                bt_real a, b = ZERO;
                if (frozen && !c->dgamma) {
                    a = sum_of(c->dy + off, g->hw); /* x is not kept */
                } else {
                    grad_sums(c->dy + off, c->x + off, g->hw, mean, &a, &b);
                }
                sa = sa + a;
                sb = sb + b;
            }
        }
        if (c->dgamma) {
            c->dgamma[ch] = c->dgamma[ch] + sb * rstd;
        }
        if (c->dbeta) {
            c->dbeta[ch] = c->dbeta[ch] + sa;
        }
        if (!c->dx) {
            continue;
        }
        for (uint32_t s = 0; s < g->n; s++) {
            size_t off = ((size_t)s * g->c + ch) * g->hw;
            if (frozen) { /* constant statistics: dx = dy gamma rstd */
                grad_map(c->dy + off, c->dy + off, c->dx + off, g->hw, ZERO, c->gamma[ch] * rstd, ZERO, ZERO);
            } else {
                grad_input(c, c->dy + off, c->x + off, c->dx + off, g->hw, ch, mean, rstd, c->gamma[ch] * sa,
                           c->gamma[ch] * sb);
            }
        }
    }
}

void bt_norm_backward(const bt_norm_geom *g, const bt_real *x, const bt_real *stats, const bt_real *gamma,
                      const bt_real *dy, bt_real *dx, bt_real *dgamma, bt_real *dbeta)
{
    norm_ctx c = ctx_of(g, (bt_real *)stats);
    c.x = x;
    c.gamma = gamma;
    c.dy = dy;
    c.dx = dx;
    c.dgamma = dgamma;
    c.dbeta = dbeta;
    if (g->mode == BT_NORM_GROUP) {
        if (!dx && !dgamma && !dbeta) {
            return;
        }
        bt_parallel_for(g->n * g->c, group_grad_sums, &c);
        bt_parallel_for(g->n * g->c * c.chunks, group_grad_apply, &c);
    } else {
        bt_parallel_for(g->c, channel_backward, &c);
    }
}

/* ---- the NORM layer kind --------------------------------------------------------------------- */

static bool finite_positive(float f) { return f > 0.0f && f < 3.0e38f; }

static bool norm_derive(bt_layer_desc *d, unsigned index, char *err, size_t cap)
{
    if (!finite_positive(d->f)) {
        return bt_layer_reject(err, cap, index, "norm eps must be positive");
    }
    if (d->p[0] != 0u && d->in.c % d->p[0] != 0u) {
        return bt_layer_reject(err, cap, index, "norm group count does not divide the channels");
    }
    d->out = d->in;
    d->weight_count = d->bias_count = d->in.c; /* gamma, beta */
    d->buffer_count = 2u * d->in.c;            /* running mean, running variance */
    return true;
}

static bool norm_plan(const bt_layer_desc *d, const bt_layer_config *cfg, bool train_w, bool need_dx,
                      bt_layer_plan *p, unsigned index, char *err, size_t cap)
{
    uint32_t g = cfg->norm_groups ? cfg->norm_groups : d->p[0];
    if (g == 0u) {
        g = d->in.c % 2u == 0u ? d->in.c / 2u : 1u;
    }
    if (d->in.c % g != 0u) {
        char what[96];
        snprintf(what, sizeof what, "%lu norm groups do not divide %lu channels", (unsigned long)g,
                 (unsigned long)d->in.c);
        return bt_layer_reject(err, cap, index, what);
    }
    p->groups = g;
    p->stats_per_sample = cfg->norm_mode == BT_NORM_GROUP;
    /* GROUP: mean and rstd per group and two partial sums per channel, per sample (norm.h). */
    p->stats_elems = p->stats_per_sample ? 2u * g + 2u * d->in.c : 2u * d->in.c;
    bool need = train_w || need_dx;
    if (cfg->norm_mode == BT_NORM_FROZEN) {
        /* Constant statistics: x-hat only for the gamma gradient. */
        p->keep = (uint8_t)((train_w ? BT_KEEP_INPUT : 0u) | (need ? BT_KEEP_STATS : 0u));
    } else {
        p->keep = need ? (uint8_t)(BT_KEEP_INPUT | BT_KEEP_STATS) : 0u;
    }
    return true;
}

static bt_norm_geom geom_of(const bt_layer_call *c)
{
    const bt_layer_desc *d = c->d;
    bt_norm_geom g = {c->n, d->in.c, d->in.h * d->in.w, c->plan->groups, c->cfg->norm_mode, (bt_real)d->f,
                      (bt_real)c->cfg->bn_momentum};
    return g;
}

static void norm_fwd(const bt_layer_call *c)
{
    bt_norm_geom g = geom_of(c);
    bt_norm_forward(&g, c->x, c->w, c->b, c->buf, c->buf + c->d->in.c, c->training, c->stats, c->y);
}

static void norm_bwd(const bt_layer_call *c)
{
    bt_norm_geom g = geom_of(c);
    bt_norm_backward(&g, c->x, c->stats, c->w, c->dy, c->dx, c->gw, c->gb);
}

static void norm_init(const bt_layer_desc *d, const bt_param_init *out)
{
    bt_init_fill(out, d->weight_count, 1.0f); /* gamma */
    bt_init_fill(out, d->bias_count, 0.0f);   /* beta */
    bt_init_fill(out, d->in.c, 0.0f);         /* running mean */
    bt_init_fill(out, d->in.c, 1.0f);         /* running variance */
}

const bt_layer_ops bt_kind_norm = {
    BT_LAYER_NORM, "norm", BT_INPLACE_IF_UNUSED, true, norm_derive, norm_plan, norm_fwd, norm_bwd, norm_init,
};
