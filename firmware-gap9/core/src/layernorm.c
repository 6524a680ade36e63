#include "bt/layernorm.h"

#include "bt/btmath.h"
#include "bt/parallel.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

/* Order of the sums, on every port and for any work split: a row's mean and variance sum its
 * values in ascending order (variance: fused multiply-adds of the deviations from the mean);
 * dgamma[k] and dbeta[k] sum over the rows in ascending order, from 0, then add to the
 * accumulator; a row's input gradient sums its features in ascending order. Jobs own rows
 * (forward, input gradient) or blocks of features (parameter gradients). */
#define COLS 8u /* features per parameter-gradient job */

typedef struct ln_ctx {
    uint32_t rows, w;
    bt_real eps;
    const bt_real *x, *gamma, *beta, *dy;
    bt_real *stats, *y, *dx, *dgamma, *dbeta;
} ln_ctx;

static void ln_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const ln_ctx *c = (const ln_ctx *)p;
    bt_real inv_w = ONE / (bt_real)c->w;
    for (uint32_t r = begin; r < end; r++) {
        const bt_real *x = c->x + (size_t)r * c->w;
        bt_real *y = c->y + (size_t)r * c->w;
        bt_real mean = bt_sum(ZERO, x, c->w) * inv_w;
        bt_real sq = ZERO;
        for (uint32_t k = 0; k < c->w; k++) {
            bt_real dev = x[k] - mean;
            sq = bt_fma(dev, dev, sq);
        }
        bt_real rstd = ONE / bt_sqrt(sq * inv_w + c->eps);
        c->stats[2u * r] = mean;
        c->stats[2u * r + 1u] = rstd;
        for (uint32_t k = 0; k < c->w; k++) {
            y[k] = bt_fma((x[k] - mean) * rstd, c->gamma[k], c->beta[k]);
        }
    }
}

void bt_layernorm_forward(uint32_t rows, uint32_t w, bt_real eps, const bt_real *x, const bt_real *gamma,
                          const bt_real *beta, bt_real *stats, bt_real *y)
{
    ln_ctx c = {rows, w, eps, x, gamma, beta, NULL, stats, y, NULL, NULL, NULL};
    bt_parallel_for(rows, ln_forward_range, &c);
}

/* Jobs: blocks of COLS features, each summing over every row. */
static void ln_params_range(void *p, uint32_t begin, uint32_t end)
{
    const ln_ctx *c = (const ln_ctx *)p;
    for (uint32_t job = begin; job < end; job++) {
        uint32_t k0 = job * COLS;
        uint32_t nk = c->w - k0 < COLS ? c->w - k0 : COLS;
        bt_real ag[COLS], ab[COLS];
        for (uint32_t j = 0; j < nk; j++) {
            ag[j] = ab[j] = ZERO;
        }
        for (uint32_t r = 0; r < c->rows; r++) {
            const bt_real *dy = c->dy + (size_t)r * c->w + k0;
            for (uint32_t j = 0; j < nk; j++) {
                ab[j] = ab[j] + dy[j];
            }
            if (c->x) { /* not kept when only beta trains */
                const bt_real *x = c->x + (size_t)r * c->w + k0;
                bt_real mean = c->stats[2u * r], rstd = c->stats[2u * r + 1u];
                for (uint32_t j = 0; j < nk; j++) {
                    ag[j] = bt_fma(dy[j], (x[j] - mean) * rstd, ag[j]);
                }
            }
        }
        for (uint32_t j = 0; j < nk; j++) {
            if (c->dgamma) {
                c->dgamma[k0 + j] = c->dgamma[k0 + j] + ag[j];
            }
            if (c->dbeta) {
                c->dbeta[k0 + j] = c->dbeta[k0 + j] + ab[j];
            }
        }
    }
}

/* With g = dy gamma and x-hat = (x - mean) rstd over a row of w values:
 *   dx = rstd (g - mean(g) - x-hat mean(g x-hat)). */
static void ln_input_range(void *p, uint32_t begin, uint32_t end)
{
    const ln_ctx *c = (const ln_ctx *)p;
    bt_real inv_w = ONE / (bt_real)c->w;
    for (uint32_t r = begin; r < end; r++) {
        const bt_real *x = c->x + (size_t)r * c->w;
        const bt_real *dy = c->dy + (size_t)r * c->w;
        bt_real *dx = c->dx + (size_t)r * c->w;
        bt_real mean = c->stats[2u * r], rstd = c->stats[2u * r + 1u];
        bt_real sg = ZERO, sgx = ZERO;
        for (uint32_t k = 0; k < c->w; k++) {
            bt_real g = dy[k] * c->gamma[k];
            sg = sg + g;
            sgx = bt_fma(g, (x[k] - mean) * rstd, sgx);
        }
        bt_real mg = sg * inv_w, mgx = sgx * inv_w;
        for (uint32_t k = 0; k < c->w; k++) {
            bt_real xh = (x[k] - mean) * rstd;
            dx[k] = rstd * ((dy[k] * c->gamma[k] - mg) - xh * mgx);
        }
    }
}

void bt_layernorm_backward(uint32_t rows, uint32_t w, const bt_real *x, const bt_real *stats, const bt_real *gamma,
                           const bt_real *dy, bt_real *dx, bt_real *dgamma, bt_real *dbeta)
{
    ln_ctx c = {rows, w, ZERO, x, gamma, NULL, dy, (bt_real *)stats, NULL, dx, x ? dgamma : NULL, dbeta};
    if (c.dgamma || dbeta) { /* before dx: dx may be dy's storage */
        bt_parallel_for((w + COLS - 1u) / COLS, ln_params_range, &c);
    }
    if (dx) {
        bt_parallel_for(rows, ln_input_range, &c);
    }
}

/* ---- the LAYERNORM layer kind ---------------------------------------------------------------- */

static bool ln_derive(bt_layer_desc *d, bt_reject *rj)
{
    if (!(d->f > 0.0f && d->f < 3.0e38f)) {
        return bt_layer_reject(rj, BT_MODEL_ERR_LAYER, "layer norm eps must be positive");
    }
    d->out = d->in;
    d->weight_count = d->bias_count = d->in.w; /* gamma, beta */
    return true;
}

/* Mean and rstd per token; x and the statistics for the gamma and input gradients. */
static bool ln_plan(const bt_layer_desc *d, const bt_layer_config *cfg, const bt_layer_need *need, bt_layer_plan *p,
                    bt_reject *rj)
{
    (void)cfg, (void)rj;
    p->stats_elems = 2u * d->in.c * d->in.h;
    p->stats_per_sample = true;
    p->keep = need->train_w || need->need_dx ? (uint8_t)(BT_KEEP_INPUT | BT_KEEP_STATS) : 0u;
    return true;
}

static uint32_t rows_of(const bt_layer_call *c) { return c->d->in.c * c->d->in.h * c->n; }

static void ln_fwd(const bt_layer_call *c)
{
    bt_layernorm_forward(rows_of(c), c->d->in.w, (bt_real)c->d->f, c->x, c->w, c->b, c->stats, c->y);
}

static void ln_bwd(const bt_layer_call *c)
{
    bt_layernorm_backward(rows_of(c), c->d->in.w, c->x, c->stats, c->w, c->dy, c->dx, c->gw, c->gb);
}

static void ln_init(const bt_layer_desc *d, const bt_param_init *out)
{
    bt_init_fill(out, d->weight_count, 1.0f); /* gamma */
    bt_init_fill(out, d->bias_count, 0.0f);   /* beta */
}

const bt_layer_ops bt_kind_layernorm = {
    BT_LAYER_LAYERNORM, "layernorm", BT_INPLACE_IF_UNUSED, true, ln_derive, ln_plan, ln_fwd, ln_bwd, ln_init,
};
