#include "bt/layers.h"

#include <string.h>

#include "bt/btmath.h"
#include "bt/parallel.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

/* ---- 2-D convolution ------------------------------------------------------------------------- */

bool bt_conv2d_geom_finish(bt_conv2d_geom *g, uint32_t pad_bottom, uint32_t pad_right)
{
    if (g->kh == 0u || g->kw == 0u || g->sh == 0u || g->sw == 0u || g->groups == 0u || g->in_c == 0u ||
        g->out_c == 0u || g->in_c % g->groups != 0u || g->out_c % g->groups != 0u) {
        return false;
    }
    uint32_t ph = g->in_h + g->pad_top + pad_bottom;
    uint32_t pw = g->in_w + g->pad_left + pad_right;
    if (ph < g->kh || pw < g->kw || g->pad_top >= g->kh || g->pad_left >= g->kw || pad_bottom >= g->kh ||
        pad_right >= g->kw) {
        return false; /* padding wider than the kernel would make windows of padding only */
    }
    g->out_h = (ph - g->kh) / g->sh + 1u;
    g->out_w = (pw - g->kw) / g->sw + 1u;
    return true;
}

uint64_t bt_conv2d_macs(const bt_conv2d_geom *g)
{
    return (uint64_t)g->out_c * g->out_h * g->out_w * (g->in_c / g->groups) * g->kh * g->kw;
}

/* Kernel taps [lo, hi) that land inside the input for output position o along one axis. */
static void tap_range(uint32_t o, uint32_t stride, uint32_t pad, uint32_t k, uint32_t in, int32_t *origin,
                      uint32_t *lo, uint32_t *hi)
{
    int32_t start = (int32_t)(o * stride) - (int32_t)pad;
    int32_t l = start < 0 ? -start : 0;
    int32_t h = (int32_t)in - start;
    if (h > (int32_t)k) {
        h = (int32_t)k;
    }
    if (h < l) {
        h = l;
    }
    *origin = start;
    *lo = (uint32_t)l;
    *hi = (uint32_t)h;
}

typedef struct conv_ctx {
    const bt_conv2d_geom *g;
    const bt_real *x, *w, *bias, *dy;
    bt_real *y, *dx, *dw, *dbias;
    uint32_t n;
} conv_ctx;

/* One (sample, output channel) plane per index. */
static void conv_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    uint32_t icpg = g->in_c / g->groups;
    uint32_t ocpg = g->out_c / g->groups;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t s = idx / g->out_c;
        uint32_t oc = idx % g->out_c;
        uint32_t ic0 = (oc / ocpg) * icpg;
        const bt_real *xs = c->x + ((size_t)s * g->in_c + ic0) * g->in_h * g->in_w;
        const bt_real *wo = c->w + (size_t)oc * icpg * g->kh * g->kw;
        bt_real *yo = c->y + ((size_t)s * g->out_c + oc) * g->out_h * g->out_w;
        bt_real b = c->bias ? c->bias[oc] : ZERO;
        for (uint32_t oh = 0; oh < g->out_h; oh++) {
            int32_t ih0;
            uint32_t khl, khh;
            tap_range(oh, g->sh, g->pad_top, g->kh, g->in_h, &ih0, &khl, &khh);
            for (uint32_t ow = 0; ow < g->out_w; ow++) {
                int32_t iw0;
                uint32_t kwl, kwh;
                tap_range(ow, g->sw, g->pad_left, g->kw, g->in_w, &iw0, &kwl, &kwh);
                bt_real acc = ZERO;
                for (uint32_t icl = 0; icl < icpg; icl++) {
                    for (uint32_t kh = khl; kh < khh; kh++) {
                        const bt_real *xr = xs + ((size_t)icl * g->in_h + (uint32_t)(ih0 + (int32_t)kh)) * g->in_w;
                        const bt_real *wr = wo + ((size_t)icl * g->kh + kh) * g->kw;
                        for (uint32_t kw = kwl; kw < kwh; kw++) {
                            acc = acc + wr[kw] * xr[(uint32_t)(iw0 + (int32_t)kw)];
                        }
                    }
                }
                yo[(size_t)oh * g->out_w + ow] = acc + b;
            }
        }
    }
}

void bt_conv2d_forward(const bt_conv2d_geom *g, uint32_t n, const bt_real *x, const bt_real *w,
                       const bt_real *bias, bt_real *y)
{
    conv_ctx c = {g, x, w, bias, NULL, y, NULL, NULL, NULL, n};
    bt_parallel_for(n * g->out_c, conv_forward_range, &c);
}

/* One (sample, input channel) plane of dx per index: it scatters from the output channels of its
 * group in a fixed order, and owns its plane. */
static void conv_backward_input_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    uint32_t icpg = g->in_c / g->groups;
    uint32_t ocpg = g->out_c / g->groups;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t s = idx / g->in_c;
        uint32_t ic = idx % g->in_c;
        uint32_t grp = ic / icpg;
        uint32_t icl = ic % icpg;
        bt_real *dxp = c->dx + ((size_t)s * g->in_c + ic) * g->in_h * g->in_w;
        memset(dxp, 0, sizeof(bt_real) * g->in_h * g->in_w);
        for (uint32_t ocl = 0; ocl < ocpg; ocl++) {
            uint32_t oc = grp * ocpg + ocl;
            const bt_real *dyo = c->dy + ((size_t)s * g->out_c + oc) * g->out_h * g->out_w;
            const bt_real *wo = c->w + ((size_t)oc * icpg + icl) * g->kh * g->kw;
            for (uint32_t oh = 0; oh < g->out_h; oh++) {
                int32_t ih0;
                uint32_t khl, khh;
                tap_range(oh, g->sh, g->pad_top, g->kh, g->in_h, &ih0, &khl, &khh);
                for (uint32_t ow = 0; ow < g->out_w; ow++) {
                    int32_t iw0;
                    uint32_t kwl, kwh;
                    tap_range(ow, g->sw, g->pad_left, g->kw, g->in_w, &iw0, &kwl, &kwh);
                    bt_real d = dyo[(size_t)oh * g->out_w + ow];
                    for (uint32_t kh = khl; kh < khh; kh++) {
                        bt_real *xr = dxp + (size_t)(uint32_t)(ih0 + (int32_t)kh) * g->in_w;
                        const bt_real *wr = wo + (size_t)kh * g->kw;
                        for (uint32_t kw = kwl; kw < kwh; kw++) {
                            uint32_t iw = (uint32_t)(iw0 + (int32_t)kw);
                            xr[iw] = xr[iw] + wr[kw] * d;
                        }
                    }
                }
            }
        }
    }
}

void bt_conv2d_backward_input(const bt_conv2d_geom *g, uint32_t n, const bt_real *dy, const bt_real *w,
                              bt_real *dx)
{
    conv_ctx c = {g, NULL, w, NULL, dy, NULL, dx, NULL, NULL, n};
    bt_parallel_for(n * g->in_c, conv_backward_input_range, &c);
}

/* Output positions [lo, hi) along one axis whose tap k lands inside the input. */
static void out_range(uint32_t k, uint32_t stride, uint32_t pad, uint32_t in, uint32_t out, uint32_t *lo,
                      uint32_t *hi)
{
    /* in index = o * stride - pad + k must lie in [0, in). */
    int32_t first = (int32_t)pad - (int32_t)k; /* smallest o * stride allowed */
    uint32_t l = first > 0 ? ((uint32_t)first + stride - 1u) / stride : 0u;
    int32_t last = (int32_t)in - 1 + (int32_t)pad - (int32_t)k; /* largest o * stride allowed */
    uint32_t h = last < 0 ? 0u : (uint32_t)last / stride + 1u;
    if (h > out) {
        h = out;
    }
    if (l > h) {
        l = h;
    }
    *lo = l;
    *hi = h;
}

/* One output channel per index: it owns its weights' and its bias's gradients. */
static void conv_backward_params_range(void *p, uint32_t begin, uint32_t end)
{
    const conv_ctx *c = (const conv_ctx *)p;
    const bt_conv2d_geom *g = c->g;
    uint32_t icpg = g->in_c / g->groups;
    uint32_t ocpg = g->out_c / g->groups;
    size_t ohw = (size_t)g->out_h * g->out_w;
    for (uint32_t oc = begin; oc < end; oc++) {
        uint32_t ic0 = (oc / ocpg) * icpg;
        if (c->dw) {
            for (uint32_t icl = 0; icl < icpg; icl++) {
                for (uint32_t kh = 0; kh < g->kh; kh++) {
                    uint32_t ohl, ohh;
                    out_range(kh, g->sh, g->pad_top, g->in_h, g->out_h, &ohl, &ohh);
                    for (uint32_t kw = 0; kw < g->kw; kw++) {
                        uint32_t owl, owh;
                        out_range(kw, g->sw, g->pad_left, g->in_w, g->out_w, &owl, &owh);
                        bt_real acc = ZERO;
                        for (uint32_t s = 0; s < c->n; s++) {
                            const bt_real *dyo = c->dy + ((size_t)s * g->out_c + oc) * ohw;
                            const bt_real *xc = c->x + ((size_t)s * g->in_c + ic0 + icl) * g->in_h * g->in_w;
                            for (uint32_t oh = ohl; oh < ohh; oh++) {
                                const bt_real *xr = xc + (size_t)(oh * g->sh + kh - g->pad_top) * g->in_w;
                                const bt_real *dr = dyo + (size_t)oh * g->out_w;
                                uint32_t iw = owl * g->sw + kw - g->pad_left;
                                for (uint32_t ow = owl; ow < owh; ow++, iw += g->sw) {
                                    acc = acc + dr[ow] * xr[iw];
                                }
                            }
                        }
                        bt_real *d = c->dw + (((size_t)oc * icpg + icl) * g->kh + kh) * g->kw + kw;
                        *d = *d + acc;
                    }
                }
            }
        }
        if (c->dbias) {
            bt_real acc = ZERO;
            for (uint32_t s = 0; s < c->n; s++) {
                const bt_real *dyo = c->dy + ((size_t)s * g->out_c + oc) * ohw;
                for (size_t i = 0; i < ohw; i++) {
                    acc = acc + dyo[i];
                }
            }
            c->dbias[oc] = c->dbias[oc] + acc;
        }
    }
}

void bt_conv2d_backward_params(const bt_conv2d_geom *g, uint32_t n, const bt_real *x, const bt_real *dy,
                               bt_real *dw, bt_real *dbias)
{
    if (!dw && !dbias) {
        return;
    }
    conv_ctx c = {g, x, NULL, NULL, dy, NULL, NULL, dw, dbias, n};
    bt_parallel_for(g->out_c, conv_backward_params_range, &c);
}

/* ---- fully connected ------------------------------------------------------------------------- */

typedef struct linear_ctx {
    uint32_t in, out, n;
    const bt_real *x, *w, *bias, *dy;
    bt_real *y, *dx, *dw, *dbias;
} linear_ctx;

static void linear_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const linear_ctx *c = (const linear_ctx *)p;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t s = idx / c->out;
        uint32_t o = idx % c->out;
        const bt_real *xs = c->x + (size_t)s * c->in;
        const bt_real *wr = c->w + (size_t)o * c->in;
        bt_real acc = ZERO;
        for (uint32_t i = 0; i < c->in; i++) {
            acc = acc + wr[i] * xs[i];
        }
        c->y[idx] = acc + (c->bias ? c->bias[o] : ZERO);
    }
}

void bt_linear_forward(uint32_t in, uint32_t out, uint32_t n, const bt_real *x, const bt_real *w,
                       const bt_real *bias, bt_real *y)
{
    linear_ctx c = {in, out, n, x, w, bias, NULL, y, NULL, NULL, NULL};
    bt_parallel_for(n * out, linear_forward_range, &c);
}

static void linear_backward_input_range(void *p, uint32_t begin, uint32_t end)
{
    const linear_ctx *c = (const linear_ctx *)p;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t s = idx / c->in;
        uint32_t i = idx % c->in;
        const bt_real *ds = c->dy + (size_t)s * c->out;
        bt_real acc = ZERO;
        for (uint32_t o = 0; o < c->out; o++) {
            acc = acc + c->w[(size_t)o * c->in + i] * ds[o];
        }
        c->dx[idx] = acc;
    }
}

void bt_linear_backward_input(uint32_t in, uint32_t out, uint32_t n, const bt_real *dy, const bt_real *w,
                              bt_real *dx)
{
    linear_ctx c = {in, out, n, NULL, w, NULL, dy, NULL, dx, NULL, NULL};
    bt_parallel_for(n * in, linear_backward_input_range, &c);
}

static void linear_backward_params_range(void *p, uint32_t begin, uint32_t end)
{
    const linear_ctx *c = (const linear_ctx *)p;
    for (uint32_t o = begin; o < end; o++) {
        if (c->dw) {
            bt_real *dr = c->dw + (size_t)o * c->in;
            for (uint32_t i = 0; i < c->in; i++) {
                bt_real acc = ZERO;
                for (uint32_t s = 0; s < c->n; s++) {
                    acc = acc + c->dy[(size_t)s * c->out + o] * c->x[(size_t)s * c->in + i];
                }
                dr[i] = dr[i] + acc;
            }
        }
        if (c->dbias) {
            bt_real acc = ZERO;
            for (uint32_t s = 0; s < c->n; s++) {
                acc = acc + c->dy[(size_t)s * c->out + o];
            }
            c->dbias[o] = c->dbias[o] + acc;
        }
    }
}

void bt_linear_backward_params(uint32_t in, uint32_t out, uint32_t n, const bt_real *x, const bt_real *dy,
                               bt_real *dw, bt_real *dbias)
{
    if (!dw && !dbias) {
        return;
    }
    linear_ctx c = {in, out, n, x, NULL, NULL, dy, NULL, NULL, dw, dbias};
    bt_parallel_for(out, linear_backward_params_range, &c);
}

/* ---- normalisation ---------------------------------------------------------------------------- */

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

/* ---- activations ------------------------------------------------------------------------------ */

typedef struct act_ctx {
    const bt_real *x, *dy;
    bt_real *y, *dx;
    bt_real alpha;
} act_ctx;

static void relu_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const act_ctx *c = (const act_ctx *)p;
    for (uint32_t i = begin; i < end; i++) {
        c->y[i] = c->x[i] > ZERO ? c->x[i] : ZERO;
    }
}

static void relu_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const act_ctx *c = (const act_ctx *)p;
    for (uint32_t i = begin; i < end; i++) {
        c->dx[i] = c->x[i] > ZERO ? c->dy[i] : ZERO;
    }
}

static void elu_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const act_ctx *c = (const act_ctx *)p;
    for (uint32_t i = begin; i < end; i++) {
        bt_real v = c->x[i];
        c->y[i] = v > ZERO ? v : c->alpha * (bt_exp(v) - ONE);
    }
}

/* For x <= 0, y = alpha (e^x - 1) so dy/dx = alpha e^x = y + alpha. */
static void elu_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const act_ctx *c = (const act_ctx *)p;
    for (uint32_t i = begin; i < end; i++) {
        c->dx[i] = c->x[i] > ZERO ? c->dy[i] : c->dy[i] * (c->x[i] + c->alpha);
    }
}

void bt_relu_forward(uint32_t count, const bt_real *x, bt_real *y)
{
    act_ctx c = {x, NULL, y, NULL, ZERO};
    bt_parallel_for(count, relu_forward_range, &c);
}

void bt_relu_backward(uint32_t count, const bt_real *y, const bt_real *dy, bt_real *dx)
{
    act_ctx c = {y, dy, NULL, dx, ZERO};
    bt_parallel_for(count, relu_backward_range, &c);
}

void bt_elu_forward(uint32_t count, bt_real alpha, const bt_real *x, bt_real *y)
{
    act_ctx c = {x, NULL, y, NULL, alpha};
    bt_parallel_for(count, elu_forward_range, &c);
}

void bt_elu_backward(uint32_t count, bt_real alpha, const bt_real *y, const bt_real *dy, bt_real *dx)
{
    act_ctx c = {y, dy, NULL, dx, alpha};
    bt_parallel_for(count, elu_backward_range, &c);
}

/* ---- pooling ---------------------------------------------------------------------------------- */

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

/* ---- loss ------------------------------------------------------------------------------------- */

bt_real bt_softmax_ce(uint32_t n, uint32_t k, const bt_real *z, const uint32_t *labels, bt_real *dz,
                      bt_real *probs, uint32_t *predicted)
{
    bt_real total = ZERO;
    for (uint32_t s = 0; s < n; s++) {
        const bt_real *zs = z + (size_t)s * k;
        uint32_t arg = 0;
        for (uint32_t j = 1; j < k; j++) {
            if (zs[j] > zs[arg]) {
                arg = j;
            }
        }
        bt_real mx = zs[arg];
        bt_real sum = ZERO;
        for (uint32_t j = 0; j < k; j++) {
            sum = sum + bt_exp(zs[j] - mx);
        }
        /* loss = log sum e^(z - max) - (z_label - max); sum >= 1, so the log is well conditioned. */
        if (labels) {
            total = total + (bt_log(sum) - (zs[labels[s]] - mx));
        }
        bt_real inv = ONE / sum;
        for (uint32_t j = 0; j < k; j++) {
            bt_real pj = bt_exp(zs[j] - mx) * inv;
            if (probs) {
                probs[(size_t)s * k + j] = pj;
            }
            if (dz) {
                dz[(size_t)s * k + j] = pj - (labels && labels[s] == j ? ONE : ZERO);
            }
        }
        if (predicted) {
            predicted[s] = arg;
        }
    }
    return total;
}
