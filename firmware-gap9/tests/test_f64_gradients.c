/* Every layer's gradients against central finite differences, on the double-precision build of the
 * engine (bt_real = double): input gradients, weight and bias gradients, for several shapes with
 * odd sizes, stride, padding and groups; the token-sequence (transformer) kinds through their layer
 * descriptors, each forward also against a direct reference; then the whole engine (planner,
 * in-place buffers, skip connections, backward schedule) against finite differences of its own
 * loss. The worst error per checked quantity is printed at the end. */
#include <math.h>
#include <string.h>

#include "bt/engine.h"
#include "bt/activation.h"
#include "bt/attention.h"
#include "bt/conv.h"
#include "bt/layernorm.h"
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

/* Per quantity, for the summary: the worst absolute error, the worst relative one
 * (|a - n| / (|a| + |n|), where that is above 1e-6) and the largest |a|. */
typedef struct worst_entry {
    const char *what;
    double abs_err, rel_err, largest;
    uint32_t count;
} worst_entry;
static worst_entry worst[96];
static uint32_t worst_count;

static void note(const char *what, double err, double scale, double value)
{
    uint32_t k = 0;
    while (k < worst_count && strcmp(worst[k].what, what) != 0) {
        k++;
    }
    if (k == worst_count) {
        if (worst_count == sizeof worst / sizeof worst[0]) {
            return;
        }
        worst[worst_count++] = (worst_entry){what, 0.0, 0.0, 0.0, 0u};
    }
    worst[k].count++;
    worst[k].largest = fabs(value) > worst[k].largest ? fabs(value) : worst[k].largest;
    worst[k].abs_err = err > worst[k].abs_err ? err : worst[k].abs_err;
    if (scale > 1e-6 && err / scale > worst[k].rel_err) {
        worst[k].rel_err = err / scale;
    }
}

static void compare(const char *what, double analytic, double numeric)
{
    double err = fabs(analytic - numeric);
    double scale = fabs(analytic) + fabs(numeric);
    bool ok = err <= 1e-7 || err <= 1e-6 * scale;
    CHECK(ok);
    note(what, err, scale, analytic);
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

/* ---- token-sequence kinds, through their layer descriptors ---- */

/* One layer as the engine calls it: its descriptor comes from the model writer (shape rules and
 * all), its plan from the kind with everything training, its buffers from here. The loss is
 * y . r; the backward pass gets dy = r. */
typedef struct kind_case {
    bt_layer_desc d;
    bt_layer_plan plan;
    const bt_layer_ops *k;
    uint32_t n, nx, ny;
    double x[MAXV], w[MAXV], b[256], skip[MAXV], y[MAXV], r[MAXV], stats[8192], work[8192];
} kind_case;

static const bt_layer_config kind_cfg = {BT_NORM_GROUP, 0u, 0.1f};

static bt_layer_call kind_call(kind_case *c)
{
    bt_layer_call call;
    memset(&call, 0, sizeof call);
    call.d = &c->d;
    call.plan = &c->plan;
    call.cfg = &kind_cfg;
    call.n = c->n;
    call.training = true;
    call.x = c->x;
    call.y = c->y;
    call.w = c->d.weight_count ? c->w : NULL;
    call.b = c->d.bias_count ? c->b : NULL;
    call.stats = c->stats;
    call.work = c->work;
    call.skip = c->d.skip != BT_NO_SKIP ? c->skip : NULL;
    return call;
}

static double kind_loss(void *p)
{
    kind_case *c = (kind_case *)p;
    bt_layer_call call = kind_call(c);
    c->k->forward(&call);
    return dot(c->y, c->r, c->ny);
}

typedef void (*kind_reference)(const kind_case *c, double *y);

/* Checks layer `index` of the writer's model: forward against the reference, then the input,
 * second-input, weight and bias gradients against finite differences. */
static void check_kind(const char *name, bt_model_writer *mw, uint32_t index, uint32_t n, kind_reference ref)
{
    static kind_case c;
    static double dx[MAXV], dskip[MAXV], gw[MAXV], gb[256], expect[MAXV];
    static char labels[16][4][48]; /* the summary keeps pointers to them */
    static uint32_t cases;
    CHECK(!mw->failed && index < mw->m.layer_count);
    if (mw->failed || index >= mw->m.layer_count) {
        return;
    }
    c.d = mw->m.layers[index];
    c.k = bt_layer_ops_find(c.d.kind);
    c.n = n;
    c.nx = n * bt_shape_size(c.d.in);
    c.ny = n * bt_shape_size(c.d.out);
    memset(&c.plan, 0, sizeof c.plan);
    bt_layer_need need = {true, true, true};
    bt_reject rj = {NULL, 0u, index, BT_MODEL_OK};
    CHECK(!c.k->plan || c.k->plan(&c.d, &kind_cfg, &need, &c.plan, &rj));
    uint32_t work = c.plan.work_fwd > c.plan.work_bwd ? c.plan.work_fwd : c.plan.work_bwd;
    CHECK(c.nx <= MAXV && c.ny <= MAXV && c.d.weight_count <= MAXV && c.d.bias_count <= 256u);
    CHECK(n * c.plan.stats_elems <= 8192u && work <= 8192u);
    fill(c.x, c.nx);
    fill(c.skip, c.nx);
    fill(c.w, c.d.weight_count);
    fill(c.b, c.d.bias_count);
    fill(c.r, c.ny);
    if (c.d.kind == BT_LAYER_LAYERNORM) { /* not already normalised, gamma away from 1 */
        for (uint32_t i = 0; i < c.nx; i++) {
            c.x[i] = 2.0 * c.x[i] + 0.5;
        }
    }
    kind_loss(&c);
    if (ref) {
        ref(&c, expect);
        for (uint32_t i = 0; i < c.ny; i++) {
            compare(name, c.y[i], expect[i]);
        }
    }
    for (uint32_t i = 0; i < c.d.weight_count; i++) {
        gw[i] = 0.5; /* accumulation: the kernels add to what is there */
    }
    for (uint32_t i = 0; i < c.d.bias_count; i++) {
        gb[i] = -0.25;
    }
    bt_layer_call call = kind_call(&c);
    call.dy = c.r;
    call.dx = dx;
    call.gw = c.d.weight_count ? gw : NULL;
    call.gb = c.d.bias_count ? gb : NULL;
    call.dskip = call.skip ? dskip : NULL;
    call.skip = NULL;
    c.k->backward(&call);
    for (uint32_t i = 0; i < c.d.weight_count; i++) {
        gw[i] -= 0.5;
    }
    for (uint32_t i = 0; i < c.d.bias_count; i++) {
        gb[i] += 0.25;
    }
    const char *suffix[4] = {"dx", "dskip", "dw", "db"};
    char(*lab)[48] = labels[cases < 16u ? cases++ : 15u];
    for (int k = 0; k < 4; k++) {
        snprintf(lab[k], sizeof lab[k], "%s %s", name, suffix[k]);
    }
    fd_check(lab[0], kind_loss, &c, c.x, dx, c.nx);
    if (c.d.skip != BT_NO_SKIP) {
        fd_check(lab[1], kind_loss, &c, c.skip, dskip, c.nx);
    }
    fd_check(lab[2], kind_loss, &c, c.w, gw, c.d.weight_count);
    fd_check(lab[3], kind_loss, &c, c.b, gb, c.d.bias_count);
}

/* References, written out directly. */

static void ref_token_map(const kind_case *c, double *y) /* patch embed, token linear, recon head */
{
    uint32_t in = c->d.kind == BT_LAYER_PATCH_EMBED ? c->d.p[1] : c->d.in.w;
    uint32_t out = c->d.bias_count ? c->d.bias_count : c->d.weight_count / in;
    uint32_t rows = c->nx / in;
    for (uint32_t r = 0; r < rows; r++) {
        for (uint32_t o = 0; o < out; o++) {
            double acc = c->d.bias_count ? c->b[o] : 0.0;
            for (uint32_t i = 0; i < in; i++) {
                acc += c->w[o * in + i] * c->x[r * in + i];
            }
            y[r * out + o] = acc;
        }
    }
}

static void ref_layernorm(const kind_case *c, double *y)
{
    uint32_t w = c->d.in.w;
    for (uint32_t r = 0; r < c->nx / w; r++) {
        const double *x = c->x + r * w;
        double mean = 0.0, var = 0.0;
        for (uint32_t k = 0; k < w; k++) {
            mean += x[k] / w;
        }
        for (uint32_t k = 0; k < w; k++) {
            var += (x[k] - mean) * (x[k] - mean) / w;
        }
        for (uint32_t k = 0; k < w; k++) {
            y[r * w + k] = (x[k] - mean) / sqrt(var + (double)c->d.f) * c->w[k] + c->b[k];
        }
    }
}

static void ref_gelu(const kind_case *c, double *y)
{
    for (uint32_t i = 0; i < c->nx; i++) {
        double v = c->x[i];
        y[i] = 0.5 * v * (1.0 + tanh(sqrt(2.0 / acos(-1.0)) * (v + 0.044715 * v * v * v)));
    }
}

/* Rotates in place: the features [0, span) of each of the rows of `stride` values, in groups of hd,
 * row r at position r % positions. */
static void ref_rotate(double *v, uint32_t rows, uint32_t positions, uint32_t stride, uint32_t span, uint32_t hd,
                       double base)
{
    for (uint32_t r = 0; r < rows; r++) {
        for (uint32_t k = 0; k < span; k += 2) {
            double theta = pow(base, -(double)(k % hd) / hd);
            double a = v[r * stride + k], b = v[r * stride + k + 1], ang = (r % positions) * theta;
            v[r * stride + k] = a * cos(ang) - b * sin(ang);
            v[r * stride + k + 1] = a * sin(ang) + b * cos(ang);
        }
    }
}

static void ref_rope(const kind_case *c, double *y)
{
    memcpy(y, c->x, sizeof(double) * c->nx);
    ref_rotate(y, c->nx / c->d.in.w, c->d.in.h, c->d.in.w, c->d.in.w, c->d.p[0], c->d.f);
}

static void ref_attention(const kind_case *c, double *y)
{
    uint32_t D = c->d.in.w, T = c->d.in.c * c->d.in.h, heads = c->d.p[0], hd = D / heads;
    static double qkv[3 * MAXV], o[MAXV], p[512];
    for (uint32_t s = 0; s < c->n; s++) {
        const double *x = c->x + s * T * D;
        for (uint32_t t = 0; t < T; t++) {
            for (uint32_t f = 0; f < 3 * D; f++) {
                double acc = c->d.bias_count ? c->b[f] : 0.0;
                for (uint32_t i = 0; i < D; i++) {
                    acc += c->w[f * D + i] * x[t * D + i];
                }
                qkv[t * 3 * D + f] = acc;
            }
        }
        if (c->d.p[1]) {
            ref_rotate(qkv, T, c->d.in.h, 3 * D, 2 * D, hd, c->d.f);
        }
        for (uint32_t h = 0; h < heads; h++) {
            for (uint32_t i = 0; i < T; i++) {
                double mx = -1e300, sum = 0.0;
                for (uint32_t j = 0; j < T; j++) {
                    double sc = 0.0;
                    for (uint32_t d = 0; d < hd; d++) {
                        sc += qkv[i * 3 * D + h * hd + d] * qkv[j * 3 * D + D + h * hd + d];
                    }
                    p[j] = sc / sqrt((double)hd);
                    mx = p[j] > mx ? p[j] : mx;
                }
                for (uint32_t j = 0; j < T; j++) {
                    p[j] = exp(p[j] - mx);
                    sum += p[j];
                }
                for (uint32_t d = 0; d < hd; d++) {
                    double acc = 0.0;
                    for (uint32_t j = 0; j < T; j++) {
                        acc += p[j] / sum * qkv[j * 3 * D + 2 * D + h * hd + d];
                    }
                    o[i * D + h * hd + d] = acc;
                }
            }
        }
        for (uint32_t t = 0; t < T; t++) {
            for (uint32_t f = 0; f < D; f++) {
                double acc = c->d.bias_count ? c->b[3 * D + f] : 0.0;
                for (uint32_t i = 0; i < D; i++) {
                    acc += c->w[3 * D * D + f * D + i] * o[t * D + i];
                }
                y[s * T * D + t * D + f] = acc;
            }
        }
    }
}

static void ref_add(const kind_case *c, double *y)
{
    for (uint32_t i = 0; i < c->nx; i++) {
        y[i] = c->x[i] + c->skip[i];
    }
}

static void ref_token_mean(const kind_case *c, double *y)
{
    uint32_t w = c->d.in.w, T = c->d.in.c * c->d.in.h;
    for (uint32_t s = 0; s < c->n; s++) {
        for (uint32_t k = 0; k < w; k++) {
            double acc = 0.0;
            for (uint32_t t = 0; t < T; t++) {
                acc += c->x[(s * T + t) * w + k];
            }
            y[s * w + k] = acc / T;
        }
    }
}

/* LAYERNORM's input gradient in place (dx over dy) equals the one into its own buffer. */
static void check_layernorm_inplace(void)
{
    static double x[240], g[12], b[12], st[40], y[240], dy[240], dx[240], dg[12], db[12];
    fill(x, 240);
    fill(g, 12);
    fill(b, 12);
    fill(dy, 240);
    bt_layernorm_forward(20, 12, 1e-5, x, g, b, st, y);
    bt_layernorm_backward(20, 12, x, st, g, dy, dx, NULL, NULL);
    memset(dg, 0, sizeof dg);
    memset(db, 0, sizeof db);
    bt_layernorm_backward(20, 12, x, st, g, dy, dy, dg, db);
    CHECK(memcmp(dx, dy, sizeof dx) == 0);
    memcpy(dy, x, sizeof x);
    bt_layernorm_forward(20, 12, 1e-5, dy, g, b, st, dy); /* forward in place */
    CHECK(memcmp(dy, y, sizeof y) == 0);
}

static void token_kind_cases(void)
{
    static bt_model_writer w;
    bt_mw_begin(&w, "k", 1, 3, 20); /* 3 channels x 20 samples, patches of 5: 12 tokens of 6 */
    bt_mw_patch_embed(&w, 6, 5, true);
    check_kind("patch_embed", &w, 0, 2, ref_token_map);
    bt_mw_begin(&w, "k", 3, 4, 7);
    bt_mw_token_linear(&w, 5, true);
    check_kind("token_linear", &w, 0, 2, ref_token_map);
    bt_mw_begin(&w, "k", 3, 4, 7);
    bt_mw_recon_head(&w, 5, false);
    check_kind("recon_head", &w, 0, 1, ref_token_map);
    bt_mw_begin(&w, "k", 2, 10, 12); /* 20 rows: a partial block of 8 parameter columns */
    bt_mw_layernorm(&w, 1e-5f);
    check_kind("layernorm", &w, 0, 2, ref_layernorm);
    check_layernorm_inplace();
    bt_mw_begin(&w, "k", 2, 5, 7);
    bt_mw_gelu(&w);
    check_kind("gelu", &w, 0, 2, ref_gelu);
    bt_mw_begin(&w, "k", 3, 5, 12); /* head dim 4, table of 9 positions, 5 used */
    bt_mw_rope(&w, 4, 9, 100.0f);
    check_kind("rope", &w, 0, 2, ref_rope);
    /* Attention: 21 tokens (one full tile of 16 keys and a part, query blocks of 4 and a part),
     * 3 heads, with and without the rotary table, 2 samples, with and without biases. */
    bt_mw_begin(&w, "k", 3, 7, 12);
    bt_mw_attention(&w, 3, 7, 10000.0f, true);
    check_kind("attention rotary", &w, 0, 2, ref_attention);
    bt_mw_begin(&w, "k", 1, 21, 8);
    bt_mw_attention(&w, 2, 0, 0.0f, false);
    check_kind("attention", &w, 0, 1, ref_attention);
    bt_mw_begin(&w, "k", 2, 3, 4); /* 6 tokens: fewer than one step of 4 queries after the first */
    bt_mw_attention(&w, 1, 3, 50.0f, true);
    check_kind("attention 1 head", &w, 0, 1, ref_attention);
    bt_mw_begin(&w, "k", 2, 3, 5);
    bt_mw_gelu(&w);
    bt_mw_add(&w, 0);
    check_kind("add", &w, 1, 2, ref_add);
    bt_mw_begin(&w, "k", 3, 4, 5);
    bt_mw_token_mean(&w);
    check_kind("token_mean", &w, 0, 2, ref_token_mean);
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

/* The models of the whole-engine check; every input is 1 x 3 x 24. */
enum { MODEL_CNN, MODEL_TRANSFORMER, MODEL_RECON };

static void build_model(bt_model_writer *w, int which)
{
    bt_mw_begin(w, "gradcheck", 1, 3, 24);
    if (which == MODEL_CNN) {
        bt_mw_conv(w, 4, 1, 5, 1, 1, 0, 2, 0, 2, 1, true);
        bt_mw_norm(w, 2, 1e-5f);
        bt_mw_relu(w);
        bt_mw_conv(w, 4, 3, 1, 1, 1, 0, 0, 0, 0, 2, false);
        bt_mw_norm(w, 4, 1e-5f);
        bt_mw_elu(w, 1.0f);
        bt_mw_maxpool(w, 1, 2, 1, 2);
        bt_mw_conv(w, 8, 1, 3, 1, 2, 0, 1, 0, 1, 4, true);
        bt_mw_avgpool(w, 1, 2, 1, 2);
        bt_mw_flatten(w);
        bt_mw_linear(w, 3, true);
        return;
    }
    /* Patches of 4: 3 channels x 6 positions, 18 tokens of 8; a pre-norm encoder block. */
    bt_mw_patch_embed(w, 8, 4, true);
    bt_mw_rope(w, 4, 6, 100.0f);
    uint32_t block_in = bt_mw_tensor(w);
    bt_mw_layernorm(w, 1e-5f);
    bt_mw_attention(w, 2, 6, 10000.0f, true);
    bt_mw_add(w, block_in);
    uint32_t mlp_in = bt_mw_tensor(w);
    bt_mw_layernorm(w, 1e-5f);
    bt_mw_token_linear(w, 16, true);
    bt_mw_gelu(w);
    bt_mw_token_linear(w, 8, true);
    bt_mw_add(w, mlp_in);
    bt_mw_layernorm(w, 1e-5f);
    if (which == MODEL_RECON) {
        bt_mw_recon_head(w, 4, true); /* 72 outputs, as many as inputs */
        return;
    }
    bt_mw_token_mean(w);
    bt_mw_linear(w, 3, true);
}

static const char *const engine_labels[3][2] = {
    {"engine cnn dw", "engine cnn db"},
    {"engine transformer dw", "engine transformer db"},
    {"engine recon dw", "engine recon db"},
};

static void engine_case_run(int which, uint8_t norm_mode, uint8_t scope)
{
    static engine_case c;
    static uint8_t blob[16384];
    static uint8_t arena[1 << 18] __attribute__((aligned(16)));
    static bt_model_writer w;
    build_model(&w, which);
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
    c.label = which == MODEL_RECON ? 17u : 2u;
    bt_real loss = 0;
    CHECK_EQ_U(bt_engine_train_sample(&c.e, c.x, c.label, &loss, NULL), BT_STATUS_OK);
    CHECK(fabs(loss - engine_loss(&c)) < 1e-12);
    uint32_t checked = 0;
    for (uint16_t i = 0; i < c.e.model.layer_count; i++) {
        bt_layer_view v;
        CHECK(bt_engine_layer_view(&c.e, i, &v));
        const bt_layer_desc *d = v.desc;
        if (v.train_weight) {
            fd_check(engine_labels[which][0], engine_loss, &c, c.e.params + d->weight_offset, v.grad_weight,
                     d->weight_count);
            checked += d->weight_count;
        }
        if (v.train_bias) {
            fd_check(engine_labels[which][1], engine_loss, &c, c.e.params + d->bias_offset, v.grad_bias,
                     d->bias_count);
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
    token_kind_cases();
    engine_case_run(MODEL_CNN, BT_NORM_GROUP, BT_SCOPE_FULL);
    engine_case_run(MODEL_CNN, BT_NORM_FROZEN, BT_SCOPE_FULL);
    engine_case_run(MODEL_CNN, BT_NORM_GROUP, BT_SCOPE_BIAS);
    engine_case_run(MODEL_CNN, BT_NORM_GROUP, BT_SCOPE_LAST);
    engine_case_run(MODEL_TRANSFORMER, BT_NORM_GROUP, BT_SCOPE_FULL);
    engine_case_run(MODEL_TRANSFORMER, BT_NORM_GROUP, BT_SCOPE_BIAS);
    engine_case_run(MODEL_TRANSFORMER, BT_NORM_GROUP, BT_SCOPE_LAST);
    engine_case_run(MODEL_RECON, BT_NORM_GROUP, BT_SCOPE_FULL);
    printf("worst error per quantity: |analytic - numeric| (forward: against the reference), the same over the\n"
           "largest |analytic| of the quantity, and over |analytic| + |numeric| (where that is above 1e-6):\n");
    for (uint32_t k = 0; k < worst_count; k++) {
        printf("  %-24s %6lu values  abs %.2e  of largest %.2e  rel %.2e\n", worst[k].what,
               (unsigned long)worst[k].count, worst[k].abs_err,
               worst[k].largest > 0.0 ? worst[k].abs_err / worst[k].largest : 0.0, worst[k].rel_err);
    }
    return bt_test_report("test_f64_gradients");
}
