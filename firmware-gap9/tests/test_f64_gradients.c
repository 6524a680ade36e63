/* Every layer's gradients against central finite differences, on the double-precision build of the
 * engine (bt_real = double): input gradients, weight and bias gradients, for several shapes with
 * odd sizes, stride, padding and groups; then the whole engine (planner, in-place buffers,
 * backward schedule) against finite differences of its own loss. */
#include <math.h>
#include <string.h>

#include "bt/engine.h"
#include "bt/activation.h"
#include "bt/conv.h"
#include "bt/linear.h"
#include "bt/loss.h"
#include "bt/norm.h"
#include "bt/pool.h"
#include "bt/model.h"
#include "harness.h"

#define H 1e-6
#define MAXV 4096

static uint32_t seed = 0x1234567u;

static double urand(void) { return (double)(bt_test_rand(&seed) % 2000001u) / 1000000.0 - 1.0; }

static void fill(double *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        v[i] = urand();
    }
}

/* Values away from 0 so that ReLU/ELU kinks are not crossed by the finite difference. */
static void fill_away_from_zero(double *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        double r = urand();
        v[i] = r >= 0.0 ? r + 0.05 : r - 0.05;
    }
}

typedef double (*loss_fn)(void *ctx);

static int worst_reported;

static void compare(const char *what, double analytic, double numeric)
{
    double err = fabs(analytic - numeric);
    double scale = fabs(analytic) + fabs(numeric);
    bool ok = err <= 1e-7 || err <= 1e-6 * scale;
    CHECK(ok);
    if (!ok && worst_reported++ < 10) {
        fprintf(stderr, "  %s: analytic %.10g numeric %.10g\n", what, analytic, numeric);
    }
}

/* Central differences of f with respect to every element of param, against analytic. */
static void fd_check(const char *what, loss_fn f, void *ctx, double *param, const double *analytic, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        double keep = param[i];
        param[i] = keep + H;
        double lp = f(ctx);
        param[i] = keep - H;
        double lm = f(ctx);
        param[i] = keep;
        compare(what, analytic[i], (lp - lm) / (2.0 * H));
    }
}

static double dot(const double *a, const double *b, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        s += a[i] * b[i];
    }
    return s;
}

/* ---- convolution ---- */

typedef struct conv_case {
    bt_conv2d_geom g;
    uint32_t n;
    double x[MAXV], w[MAXV], b[64], y[MAXV], r[MAXV];
} conv_case;

static double conv_loss(void *p)
{
    conv_case *c = (conv_case *)p;
    bt_conv2d_forward(&c->g, c->n, c->x, c->w, c->b, c->y);
    return dot(c->y, c->r, c->n * c->g.out_c * c->g.out_h * c->g.out_w);
}

/* The forward pass written out directly (zero padding), to check the tiled kernels' values. */
static void conv_reference(const conv_case *c, double *y)
{
    const bt_conv2d_geom *g = &c->g;
    uint32_t icpg = g->in_c / g->groups, ocpg = g->out_c / g->groups;
    for (uint32_t s = 0; s < c->n; s++) {
        for (uint32_t oc = 0; oc < g->out_c; oc++) {
            for (uint32_t oh = 0; oh < g->out_h; oh++) {
                for (uint32_t ow = 0; ow < g->out_w; ow++) {
                    double acc = c->b[oc];
                    for (uint32_t icl = 0; icl < icpg; icl++) {
                        uint32_t ic = (oc / ocpg) * icpg + icl;
                        for (uint32_t kh = 0; kh < g->kh; kh++) {
                            for (uint32_t kw = 0; kw < g->kw; kw++) {
                                int32_t ih = (int32_t)(oh * g->sh + kh) - (int32_t)g->pad_top;
                                int32_t iw = (int32_t)(ow * g->sw + kw) - (int32_t)g->pad_left;
                                if (ih < 0 || iw < 0 || ih >= (int32_t)g->in_h || iw >= (int32_t)g->in_w) {
                                    continue;
                                }
                                acc += c->w[((oc * icpg + icl) * g->kh + kh) * g->kw + kw] *
                                       c->x[((s * g->in_c + ic) * g->in_h + (uint32_t)ih) * g->in_w + (uint32_t)iw];
                            }
                        }
                    }
                    y[((s * g->out_c + oc) * g->out_h + oh) * g->out_w + ow] = acc;
                }
            }
        }
    }
}

static void check_conv(uint32_t n, uint32_t in_c, uint32_t in_h, uint32_t in_w, uint32_t out_c, uint32_t kh,
                       uint32_t kw, uint32_t sh, uint32_t sw, uint32_t pt, uint32_t pl, uint32_t pb, uint32_t pr,
                       uint32_t groups)
{
    static conv_case c;
    static double dx[MAXV], dw[MAXV], db[64];
    c.g = (bt_conv2d_geom){in_c, in_h, in_w, out_c, 0, 0, kh, kw, sh, sw, pt, pl, groups};
    CHECK(bt_conv2d_geom_finish(&c.g, pb, pr));
    c.n = n;
    uint32_t nx = n * in_c * in_h * in_w, nw = out_c * (in_c / groups) * kh * kw;
    uint32_t ny = n * out_c * c.g.out_h * c.g.out_w;
    CHECK(nx <= MAXV && nw <= MAXV && ny <= MAXV);
    fill(c.x, nx);
    fill(c.w, nw);
    fill(c.b, out_c);
    fill(c.r, ny);
    static double ref[MAXV];
    conv_reference(&c, ref);
    bt_conv2d_forward(&c.g, n, c.x, c.w, c.b, c.y);
    for (uint32_t i = 0; i < ny; i++) {
        compare("conv forward", c.y[i], ref[i]);
    }
    bt_conv2d_backward_input(&c.g, n, c.r, c.w, dx);
    for (uint32_t i = 0; i < nw; i++) {
        dw[i] = 0.5; /* accumulation: the kernel adds to what is there */
    }
    for (uint32_t i = 0; i < out_c; i++) {
        db[i] = -0.25;
    }
    bt_conv2d_backward_params(&c.g, n, c.x, c.r, dw, db);
    for (uint32_t i = 0; i < nw; i++) {
        dw[i] -= 0.5;
    }
    for (uint32_t i = 0; i < out_c; i++) {
        db[i] += 0.25;
    }
    fd_check("conv dx", conv_loss, &c, c.x, dx, nx);
    fd_check("conv dw", conv_loss, &c, c.w, dw, nw);
    fd_check("conv db", conv_loss, &c, c.b, db, out_c);
}

static void conv_cases(void)
{
    check_conv(1, 3, 5, 7, 4, 2, 3, 1, 1, 0, 0, 0, 0, 1);  /* plain, odd sizes */
    check_conv(2, 4, 6, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2);  /* stride 2, padding, 2 groups, batch 2 */
    check_conv(1, 5, 1, 13, 5, 1, 4, 1, 3, 0, 1, 0, 2, 5); /* depthwise temporal, asymmetric padding */
    check_conv(1, 1, 4, 11, 3, 4, 1, 1, 1, 0, 0, 0, 0, 1); /* spatial (C x 1) */
    check_conv(2, 6, 1, 7, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1);  /* pointwise */
    check_conv(1, 2, 7, 5, 4, 3, 2, 2, 1, 2, 1, 0, 1, 2);  /* odd stride/padding mix, grouped */
    check_conv(1, 3, 1, 10, 6, 1, 5, 1, 2, 0, 2, 0, 2, 3); /* grouped, channel multiplier 2 */
    /* Wide enough for the register-blocked paths, their border tiles and remainders: */
    check_conv(1, 2, 1, 40, 2, 1, 9, 1, 1, 0, 4, 0, 4, 2);   /* depthwise temporal, 'same' */
    check_conv(2, 3, 2, 30, 6, 1, 7, 1, 1, 0, 3, 0, 3, 1);   /* temporal, channel blocks 4 + 2 */
    check_conv(1, 1, 3, 36, 4, 1, 16, 1, 1, 0, 7, 0, 8, 1);  /* EEGNet-like temporal on 3 rows */
    check_conv(1, 1, 5, 23, 6, 5, 1, 1, 1, 0, 0, 0, 0, 1);   /* spatial C x 1: matrix-product paths */
    check_conv(2, 9, 2, 13, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1);   /* pointwise over 2 rows */
    check_conv(1, 3, 4, 17, 6, 4, 1, 1, 1, 0, 0, 0, 0, 3);   /* depthwise spatial, multiplier 2 */
    check_conv(1, 2, 7, 20, 4, 3, 5, 2, 1, 1, 2, 1, 2, 2);   /* vertical stride and padding */
    check_conv(1, 2, 1, 27, 4, 1, 6, 1, 3, 0, 2, 0, 3, 1);   /* strided along the width */
}

/* ---- fully connected ---- */

typedef struct linear_case {
    uint32_t in, out, n;
    double x[256], w[1024], b[16], y[64], r[64];
} linear_case;

static double linear_loss(void *p)
{
    linear_case *c = (linear_case *)p;
    bt_linear_forward(c->in, c->out, c->n, c->x, c->w, c->b, c->y);
    return dot(c->y, c->r, c->n * c->out);
}

static void linear_cases(void)
{
    static linear_case c;
    static double dx[256], dw[1024], db[16];
    /* in, out, n: blocks of 4 outputs and remainders; several 64-input chunks */
    const uint32_t shapes[4][3] = {{7, 3, 1}, {13, 5, 2}, {1, 4, 3}, {70, 4, 2}};
    for (int s = 0; s < 4; s++) {
        c.in = shapes[s][0];
        c.out = shapes[s][1];
        c.n = shapes[s][2];
        fill(c.x, c.in * c.n);
        fill(c.w, c.in * c.out);
        fill(c.b, c.out);
        fill(c.r, c.out * c.n);
        memset(dw, 0, sizeof dw);
        memset(db, 0, sizeof db);
        bt_linear_backward_input(c.in, c.out, c.n, c.r, c.w, dx);
        bt_linear_backward_params(c.in, c.out, c.n, c.x, c.r, dw, db);
        fd_check("linear dx", linear_loss, &c, c.x, dx, c.in * c.n);
        fd_check("linear dw", linear_loss, &c, c.w, dw, c.in * c.out);
        fd_check("linear db", linear_loss, &c, c.b, db, c.out);
    }
}

/* ---- normalisation ---- */

typedef struct norm_case {
    bt_norm_geom g;
    double x[512], gamma[16], beta[16], rm[16], rv[16], stats[64], y[512], r[512];
} norm_case;

static double norm_loss(void *p)
{
    norm_case *c = (norm_case *)p;
    double rm[16], rv[16]; /* BATCH mode updates running statistics: keep the case unchanged */
    memcpy(rm, c->rm, sizeof rm);
    memcpy(rv, c->rv, sizeof rv);
    bt_norm_forward(&c->g, c->x, c->gamma, c->beta, rm, rv, true, c->stats, c->y);
    return dot(c->y, c->r, c->g.n * c->g.c * c->g.hw);
}

static void check_norm(uint8_t mode, uint32_t n, uint32_t ch, uint32_t hw, uint32_t groups)
{
    static norm_case c;
    static double dx[512], dx_inplace[512], dg[16], dbeta[16];
    c.g = (bt_norm_geom){n, ch, hw, groups, mode, 1e-5, 0.1};
    uint32_t count = n * ch * hw;
    fill(c.x, count);
    for (uint32_t i = 0; i < count; i++) {
        c.x[i] = 2.0 * c.x[i] + 0.5; /* not already normalised */
    }
    fill(c.gamma, ch);
    fill(c.beta, ch);
    fill(c.r, count);
    for (uint32_t i = 0; i < ch; i++) {
        c.rm[i] = 0.3 * urand();
        c.rv[i] = 1.0 + 0.5 * urand();
    }
    norm_loss(&c);
    memset(dg, 0, sizeof dg);
    memset(dbeta, 0, sizeof dbeta);
    bt_norm_backward(&c.g, c.x, c.stats, c.gamma, c.r, dx, dg, dbeta);
    memcpy(dx_inplace, c.r, sizeof(double) * count);
    bt_norm_backward(&c.g, c.x, c.stats, c.gamma, dx_inplace, dx_inplace, NULL, NULL);
    CHECK(memcmp(dx, dx_inplace, sizeof(double) * count) == 0);
    fd_check("norm dx", norm_loss, &c, c.x, dx, count);
    fd_check("norm dgamma", norm_loss, &c, c.gamma, dg, ch);
    fd_check("norm dbeta", norm_loss, &c, c.beta, dbeta, ch);
}

static void norm_cases(void)
{
    check_norm(BT_NORM_GROUP, 1, 6, 5, 3);
    check_norm(BT_NORM_GROUP, 2, 4, 7, 1);
    check_norm(BT_NORM_GROUP, 1, 5, 3, 5); /* instance norm */
    check_norm(BT_NORM_BATCH, 3, 4, 3, 1);
    check_norm(BT_NORM_BATCH, 1, 3, 9, 1);
    check_norm(BT_NORM_FROZEN, 2, 3, 4, 1);
}

/* ---- activations and pooling ---- */

typedef struct act_case {
    uint32_t count;
    int kind; /* 0 relu, 1 elu */
    double alpha;
    double x[128], y[128], r[128];
} act_case;

static double act_loss(void *p)
{
    act_case *c = (act_case *)p;
    if (c->kind == 0) {
        bt_relu_forward(c->count, c->x, c->y);
    } else {
        bt_elu_forward(c->count, c->alpha, c->x, c->y);
    }
    return dot(c->y, c->r, c->count);
}

static void activation_cases(void)
{
    static act_case c;
    static double dx[128];
    for (int kind = 0; kind < 2; kind++) {
        c.count = 37;
        c.kind = kind;
        c.alpha = 0.7;
        fill_away_from_zero(c.x, c.count);
        fill(c.r, c.count);
        act_loss(&c);
        memcpy(dx, c.r, sizeof dx);
        if (kind == 0) {
            bt_relu_backward(c.count, c.y, dx, dx); /* in place */
        } else {
            bt_elu_backward(c.count, c.alpha, c.y, dx, dx);
        }
        fd_check(kind == 0 ? "relu dx" : "elu dx", act_loss, &c, c.x, dx, c.count);
    }
}

typedef struct pool_case {
    bt_pool_geom g;
    uint32_t n;
    bool max;
    double x[512], y[512], r[512];
} pool_case;

static double pool_loss(void *p)
{
    pool_case *c = (pool_case *)p;
    if (c->max) {
        bt_maxpool_forward(&c->g, c->n, c->x, c->y);
    } else {
        bt_avgpool_forward(&c->g, c->n, c->x, c->y);
    }
    return dot(c->y, c->r, c->n * c->g.c * c->g.out_h * c->g.out_w);
}

static void check_pool(bool max, uint32_t n, uint32_t ch, uint32_t h, uint32_t w, uint32_t kh, uint32_t kw, uint32_t sh,
                       uint32_t sw)
{
    static pool_case c;
    static double dx[512];
    c.g = (bt_pool_geom){ch, h, w, 0, 0, kh, kw, sh, sw};
    CHECK(bt_pool_geom_finish(&c.g));
    c.n = n;
    c.max = max;
    uint32_t nx = n * ch * h * w;
    fill(c.x, nx);
    fill(c.r, n * ch * c.g.out_h * c.g.out_w);
    if (max) {
        bt_maxpool_backward(&c.g, n, c.x, c.r, dx);
    } else {
        bt_avgpool_backward(&c.g, n, c.r, dx);
    }
    fd_check(max ? "maxpool dx" : "avgpool dx", pool_loss, &c, c.x, dx, nx);
}

static void pool_cases(void)
{
    check_pool(false, 1, 3, 5, 9, 2, 3, 1, 2);
    check_pool(false, 2, 2, 1, 17, 1, 8, 1, 8); /* trailing samples dropped */
    check_pool(true, 2, 2, 1, 17, 1, 4, 1, 4);
    check_pool(true, 1, 3, 6, 7, 3, 2, 2, 3);
    check_pool(true, 1, 2, 1, 9, 1, 3, 1, 2); /* overlapping windows */
    check_pool(false, 1, 2, 4, 9, 2, 2, 2, 2); /* windows tiling the plane in 2-D, tails dropped */
    check_pool(true, 1, 2, 4, 9, 2, 2, 2, 2);
}

/* ---- loss ---- */

typedef struct ce_case {
    uint32_t n, k;
    uint32_t labels[4];
    double z[64];
} ce_case;

static double ce_loss(void *p)
{
    ce_case *c = (ce_case *)p;
    return bt_softmax_ce(c->n, c->k, c->z, c->labels, NULL, NULL, NULL);
}

static void loss_cases(void)
{
    static ce_case c = {3, 5, {0, 4, 2, 0}, {0}};
    static double dz[64], probs[64];
    fill(c.z, 15);
    c.z[3] = 30.0; /* large logit: the max shift keeps it finite */
    double l = bt_softmax_ce(c.n, c.k, c.z, c.labels, dz, probs, NULL);
    CHECK(isfinite(l));
    double sum = 0.0;
    for (int i = 0; i < 5; i++) {
        sum += probs[i];
    }
    CHECK(fabs(sum - 1.0) < 1e-12);
    fd_check("softmax-ce dz", ce_loss, &c, c.z, dz, 15);
}

/* ---- the whole engine ---- */

typedef struct engine_case {
    bt_engine e;
    double x[256];
    uint32_t label;
} engine_case;

static double engine_loss(void *p)
{
    engine_case *c = (engine_case *)p;
    bt_real loss = 0;
    bt_engine_evaluate(&c->e, c->x, c->label, &loss, NULL);
    return loss;
}

static void engine_case_run(uint8_t norm_mode, uint8_t scope)
{
    static engine_case c;
    static uint8_t blob[16384];
    static uint8_t arena[1 << 18] __attribute__((aligned(16)));
    bt_model_writer w;
    bt_mw_begin(&w, "gradcheck", 1, 3, 24);
    bt_mw_conv(&w, 4, 1, 5, 1, 1, 0, 2, 0, 2, 1, true);
    bt_mw_norm(&w, 2, 1e-5f);
    bt_mw_relu(&w);
    bt_mw_conv(&w, 4, 3, 1, 1, 1, 0, 0, 0, 0, 2, false);
    bt_mw_norm(&w, 4, 1e-5f);
    bt_mw_elu(&w, 1.0f);
    bt_mw_maxpool(&w, 1, 2, 1, 2);
    bt_mw_conv(&w, 8, 1, 3, 1, 2, 0, 1, 0, 1, 4, true);
    bt_mw_avgpool(&w, 1, 2, 1, 2);
    bt_mw_flatten(&w);
    bt_mw_linear(&w, 3, true);
    size_t len = bt_mw_finish(&w, 7, blob, sizeof blob);
    CHECK(len > 0);
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    cfg.norm_mode = norm_mode;
    cfg.scope = scope;
    bt_plan_report rep;
    CHECK_EQ_U(bt_engine_load(&c.e, blob, len, arena, sizeof arena, &cfg, &rep), BT_STATUS_OK);
    /* Non-trivial norm parameters, so the check does not sit on gamma = 1, beta = 0. */
    for (uint32_t i = 0; i < c.e.model.param_count; i++) {
        c.e.params[i] += 0.1 * urand();
    }
    for (uint16_t i = 0; i < c.e.model.layer_count; i++) {
        const bt_layer_desc *d = &c.e.model.layers[i];
        for (uint32_t k = 0; k < d->buffer_count / 2u; k++) {
            c.e.params[d->buffer_offset + d->buffer_count / 2u + k] = 1.0 + 0.5 * fabs(urand()); /* variance */
        }
    }
    fill(c.x, 72);
    c.label = 2;
    bt_real loss = 0;
    CHECK_EQ_U(bt_engine_train_sample(&c.e, c.x, c.label, &loss, NULL), BT_STATUS_OK);
    CHECK(fabs(loss - engine_loss(&c)) < 1e-12);
    uint32_t checked = 0;
    for (uint16_t i = 0; i < c.e.model.layer_count; i++) {
        bt_layer_view v;
        CHECK(bt_engine_layer_view(&c.e, i, &v));
        const bt_layer_desc *d = v.desc;
        if (v.train_weight) {
            fd_check("engine dw", engine_loss, &c, c.e.params + d->weight_offset, v.grad_weight, d->weight_count);
            checked += d->weight_count;
        }
        if (v.train_bias) {
            fd_check("engine db", engine_loss, &c, c.e.params + d->bias_offset, v.grad_bias, d->bias_count);
            checked += d->bias_count;
        }
    }
    CHECK_EQ_U(checked, c.e.report.trainable_count);
    CHECK(checked > 0);
}

int main(void)
{
    conv_cases();
    linear_cases();
    norm_cases();
    activation_cases();
    pool_cases();
    loss_cases();
    engine_case_run(BT_NORM_GROUP, BT_SCOPE_FULL);
    engine_case_run(BT_NORM_FROZEN, BT_SCOPE_FULL);
    engine_case_run(BT_NORM_GROUP, BT_SCOPE_BIAS);
    engine_case_run(BT_NORM_GROUP, BT_SCOPE_LAST);
    return bt_test_report("test_f64_gradients");
}
