#include "bt/norm.h"

#include <stdio.h>

#include "bt/btmath.h"
#include "bt/parallel.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

/* A statistics set: the values one mean and one rstd are taken over. GROUP: sample s, group j ->
 * channels [j cpg, (j+1) cpg) of sample s, contiguous. BATCH/FROZEN: channel c across all samples. */
static uint32_t norm_sets(const bt_norm_geom *g) { return g->mode == BT_NORM_GROUP ? g->n * g->groups : g->c; }

uint32_t bt_norm_stats_count(const bt_norm_geom *g) { return 2u * norm_sets(g); }

typedef struct norm_ctx {
    const bt_norm_geom *g;
    const bt_real *x, *gamma, *beta, *dy;
    bt_real *run_mean, *run_var, *stats, *y, *dx, *dgamma, *dbeta;
    bool training;
} norm_ctx;

/* Visits the contiguous runs of a statistics set: GROUP has one run of cpg*hw values; BATCH one run
 * of hw per sample. Returns the pointer offset of run r and the run's channel span. */
static uint32_t set_runs(const bt_norm_geom *g) { return g->mode == BT_NORM_GROUP ? 1u : g->n; }
static size_t set_run_len(const bt_norm_geom *g)
{
    return g->mode == BT_NORM_GROUP ? (size_t)(g->c / g->groups) * g->hw : (size_t)g->hw;
}
static size_t set_run_offset(const bt_norm_geom *g, uint32_t set, uint32_t run)
{
    if (g->mode == BT_NORM_GROUP) {
        uint32_t s = set / g->groups;
        uint32_t j = set % g->groups;
        return ((size_t)s * g->c + (size_t)j * (g->c / g->groups)) * g->hw;
    }
    return ((size_t)run * g->c + set) * g->hw;
}
/* Channel of element i of a run of set `set`. */
static uint32_t set_channel(const bt_norm_geom *g, uint32_t set, size_t i)
{
    if (g->mode == BT_NORM_GROUP) {
        return (set % g->groups) * (g->c / g->groups) + (uint32_t)(i / g->hw);
    }
    return set;
}

static void norm_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    const bt_norm_geom *g = c->g;
    uint32_t sets = norm_sets(g);
    uint32_t runs = set_runs(g);
    size_t len = set_run_len(g);
    bool batch_stats = g->mode == BT_NORM_GROUP || (g->mode == BT_NORM_BATCH && c->training);
    for (uint32_t set = begin; set < end; set++) {
        bt_real mean, rstd;
        if (batch_stats) {
            bt_real count = (bt_real)(len * runs);
            bt_real sum = ZERO;
            for (uint32_t r = 0; r < runs; r++) {
                const bt_real *xr = c->x + set_run_offset(g, set, r);
                for (size_t i = 0; i < len; i++) {
                    sum = sum + xr[i];
                }
            }
            mean = sum / count;
            bt_real sq = ZERO;
            for (uint32_t r = 0; r < runs; r++) {
                const bt_real *xr = c->x + set_run_offset(g, set, r);
                for (size_t i = 0; i < len; i++) {
                    bt_real d = xr[i] - mean;
                    sq = sq + d * d;
                }
            }
            bt_real var = sq / count;
            rstd = ONE / bt_sqrt(var + g->eps);
            if (g->mode == BT_NORM_BATCH) {
                bt_real unbiased = count > ONE ? sq / (count - ONE) : var;
                c->run_mean[set] = (ONE - g->momentum) * c->run_mean[set] + g->momentum * mean;
                c->run_var[set] = (ONE - g->momentum) * c->run_var[set] + g->momentum * unbiased;
            }
        } else {
            mean = c->run_mean[set];
            rstd = ONE / bt_sqrt(c->run_var[set] + g->eps);
        }
        c->stats[set] = mean;
        c->stats[sets + set] = rstd;
        for (uint32_t r = 0; r < runs; r++) {
            size_t off = set_run_offset(g, set, r);
            for (size_t i = 0; i < len; i++) {
                uint32_t ch = set_channel(g, set, i);
                bt_real xh = (c->x[off + i] - mean) * rstd;
                c->y[off + i] = c->gamma[ch] * xh + c->beta[ch];
            }
        }
    }
}

void bt_norm_forward(const bt_norm_geom *g, const bt_real *x, const bt_real *gamma, const bt_real *beta,
                     bt_real *run_mean, bt_real *run_var, bool training, bt_real *stats, bt_real *y)
{
    norm_ctx c = {g, x, gamma, beta, NULL, run_mean, run_var, stats, y, NULL, NULL, NULL, training};
    bt_parallel_for(norm_sets(g), norm_forward_range, &c);
}

/* Statistics set of channel ch in sample s, and its mean and rstd. */
static void channel_stats(const bt_norm_geom *g, const bt_real *stats, uint32_t s, uint32_t ch, bt_real *mean,
                          bt_real *rstd)
{
    uint32_t sets = norm_sets(g);
    uint32_t set = g->mode == BT_NORM_GROUP ? s * g->groups + ch / (g->c / g->groups) : ch;
    *mean = stats[set];
    *rstd = stats[sets + set];
}

/* Parameter gradients, one channel per index. */
static void norm_params_range(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    const bt_norm_geom *g = c->g;
    for (uint32_t ch = begin; ch < end; ch++) {
        bt_real sg = ZERO, sb = ZERO;
        for (uint32_t s = 0; s < g->n; s++) {
            size_t off = ((size_t)s * g->c + ch) * g->hw;
            bt_real mean, rstd;
            channel_stats(g, c->stats, s, ch, &mean, &rstd);
            for (uint32_t i = 0; i < g->hw; i++) {
                bt_real d = c->dy[off + i];
                if (c->dgamma) {
                    sg = sg + d * ((c->x[off + i] - mean) * rstd);
                }
                sb = sb + d;
            }
        }
        if (c->dgamma) {
            c->dgamma[ch] = c->dgamma[ch] + sg;
        }
        if (c->dbeta) {
            c->dbeta[ch] = c->dbeta[ch] + sb;
        }
    }
}

/* Input gradient, one statistics set per index (reads its dy completely before writing dx, so dx
 * may alias dy). */
static void norm_input_range(void *p, uint32_t begin, uint32_t end)
{
    const norm_ctx *c = (const norm_ctx *)p;
    const bt_norm_geom *g = c->g;
    uint32_t sets = norm_sets(g);
    uint32_t runs = set_runs(g);
    size_t len = set_run_len(g);
    for (uint32_t set = begin; set < end; set++) {
        bt_real mean = c->stats[set];
        bt_real rstd = c->stats[sets + set];
        if (g->mode == BT_NORM_FROZEN) {
            /* Statistics are constants: dx = dy * gamma * rstd. */
            for (uint32_t r = 0; r < runs; r++) {
                size_t off = set_run_offset(g, set, r);
                for (size_t i = 0; i < len; i++) {
                    c->dx[off + i] = c->dy[off + i] * c->gamma[set] * rstd;
                }
            }
            continue;
        }
        /* dxhat = dy gamma; dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)). */
        bt_real s1 = ZERO, s2 = ZERO;
        for (uint32_t r = 0; r < runs; r++) {
            size_t off = set_run_offset(g, set, r);
            for (size_t i = 0; i < len; i++) {
                uint32_t ch = set_channel(g, set, i);
                bt_real dxh = c->dy[off + i] * c->gamma[ch];
                bt_real xh = (c->x[off + i] - mean) * rstd;
                s1 = s1 + dxh;
                s2 = s2 + dxh * xh;
            }
        }
        bt_real count = (bt_real)(len * runs);
        bt_real m1 = s1 / count;
        bt_real m2 = s2 / count;
        for (uint32_t r = 0; r < runs; r++) {
            size_t off = set_run_offset(g, set, r);
            for (size_t i = 0; i < len; i++) {
                uint32_t ch = set_channel(g, set, i);
                bt_real dxh = c->dy[off + i] * c->gamma[ch];
                bt_real xh = (c->x[off + i] - mean) * rstd;
                c->dx[off + i] = rstd * ((dxh - m1) - xh * m2);
            }
        }
    }
}

void bt_norm_backward(const bt_norm_geom *g, const bt_real *x, const bt_real *stats, const bt_real *gamma,
                      const bt_real *dy, bt_real *dx, bt_real *dgamma, bt_real *dbeta)
{
    norm_ctx c = {g, x, gamma, NULL, dy, NULL, NULL, (bt_real *)stats, NULL, dx, dgamma, dbeta, true};
    if (dgamma || dbeta) {
        bt_parallel_for(g->c, norm_params_range, &c);
    }
    if (dx) {
        bt_parallel_for(norm_sets(g), norm_input_range, &c);
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
    p->stats_elems = 2u * (p->stats_per_sample ? g : d->in.c);
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
