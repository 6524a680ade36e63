#include "bt/conv.h"

#include <string.h>

#include "bt/parallel.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

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

/* ---- the CONV2D layer kind ------------------------------------------------------------------- */

static bt_conv2d_geom geom_of(const bt_layer_desc *d)
{
    bt_conv2d_geom g = {d->in.c, d->in.h, d->in.w, d->out.c, d->out.h, d->out.w, d->p[BT_P_KH], d->p[BT_P_KW],
                        d->p[BT_P_SH], d->p[BT_P_SW], d->p[BT_P_PAD_TOP], d->p[BT_P_PAD_LEFT], d->p[BT_P_GROUPS]};
    return g;
}

static bool conv_derive(bt_layer_desc *d, unsigned index, char *err, size_t cap)
{
    bt_conv2d_geom g = {d->in.c, d->in.h, d->in.w, d->p[BT_P_OUT_C], 0, 0, d->p[BT_P_KH], d->p[BT_P_KW],
                        d->p[BT_P_SH], d->p[BT_P_SW], d->p[BT_P_PAD_TOP], d->p[BT_P_PAD_LEFT], d->p[BT_P_GROUPS]};
    if (!bt_conv2d_geom_finish(&g, d->p[BT_P_PAD_BOTTOM], d->p[BT_P_PAD_RIGHT])) {
        return bt_layer_reject(err, cap, index,
                               "convolution does not fit its input (kernel, stride, padding or groups)");
    }
    d->out = (bt_shape){g.out_c, g.out_h, g.out_w};
    d->weight_count = g.out_c * (g.in_c / g.groups) * g.kh * g.kw;
    d->bias_count = (d->flags & BT_LAYER_FLAG_BIAS) ? g.out_c : 0u;
    d->macs = bt_conv2d_macs(&g);
    return true;
}

static bool conv_plan(const bt_layer_desc *d, const bt_layer_config *cfg, bool train_w, bool need_dx,
                      bt_layer_plan *p, unsigned index, char *err, size_t cap)
{
    (void)d, (void)cfg, (void)need_dx, (void)index, (void)err, (void)cap;
    p->keep = train_w ? BT_KEEP_INPUT : 0u; /* the weight gradient reads the input */
    return true;
}

static void conv_forward(const bt_layer_call *c)
{
    bt_conv2d_geom g = geom_of(c->d);
    bt_conv2d_forward(&g, c->n, c->x, c->w, c->b, c->y);
}

static void conv_backward(const bt_layer_call *c)
{
    bt_conv2d_geom g = geom_of(c->d);
    bt_conv2d_backward_params(&g, c->n, c->x, c->dy, c->gw, c->gb);
    if (c->dx) {
        bt_conv2d_backward_input(&g, c->n, c->dy, c->w, c->dx);
    }
}

static void conv_init(const bt_layer_desc *d, const bt_param_init *out)
{
    bt_init_he_uniform(out, d->weight_count, (d->in.c / d->p[BT_P_GROUPS]) * d->p[BT_P_KH] * d->p[BT_P_KW]);
    bt_init_fill(out, d->bias_count, 0.0f);
}

const bt_layer_ops bt_kind_conv2d = {
    BT_LAYER_CONV2D, "conv2d", BT_INPLACE_NEVER, false, conv_derive, conv_plan, conv_forward, conv_backward, conv_init,
};
