#include "bt/activation.h"

#include <string.h>

#include "bt/btmath.h"
#include "bt/parallel.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

typedef struct act_ctx {
    const bt_real *x, *dy;
    bt_real *y, *dx;
    bt_real alpha;
} act_ctx;

/* ReLU on the bits: a float is > 0 exactly when its bits, read as a signed integer, are > 0 (so a
 * positive NaN passes through). keep_if_positive(v, m) is v where m > 0, else +0: the same integer
 * operations on every port, without a branch. */
#ifdef BT_REAL_DOUBLE
typedef int64_t real_bits;
#else
typedef int32_t real_bits;
#endif

static inline bt_real keep_if_positive(bt_real v, bt_real m)
{
    real_bits bv, bm;
    memcpy(&bv, &v, sizeof bv);
    memcpy(&bm, &m, sizeof bm);
    bv &= -(real_bits)(bm > 0);
    memcpy(&v, &bv, sizeof v);
    return v;
}

static void relu_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const act_ctx *c = (const act_ctx *)p;
    const bt_real *x = c->x;
    bt_real *y = c->y;
    uint32_t i = begin;
    for (; i + 4u <= end; i += 4u) {
        bt_real v0 = x[i], v1 = x[i + 1u], v2 = x[i + 2u], v3 = x[i + 3u];
        y[i] = keep_if_positive(v0, v0);
        y[i + 1u] = keep_if_positive(v1, v1);
        y[i + 2u] = keep_if_positive(v2, v2);
        y[i + 3u] = keep_if_positive(v3, v3);
    }
    for (; i < end; i++) {
        y[i] = keep_if_positive(x[i], x[i]);
    }
}

static void relu_backward_range(void *p, uint32_t begin, uint32_t end)
{
    const act_ctx *c = (const act_ctx *)p;
    const bt_real *y = c->x, *dy = c->dy;
    bt_real *dx = c->dx;
    uint32_t i = begin;
    for (; i + 4u <= end; i += 4u) {
        bt_real d0 = dy[i], d1 = dy[i + 1u], d2 = dy[i + 2u], d3 = dy[i + 3u];
        dx[i] = keep_if_positive(d0, y[i]);
        dx[i + 1u] = keep_if_positive(d1, y[i + 1u]);
        dx[i + 2u] = keep_if_positive(d2, y[i + 2u]);
        dx[i + 3u] = keep_if_positive(d3, y[i + 3u]);
    }
    for (; i < end; i++) {
        dx[i] = keep_if_positive(dy[i], y[i]);
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

/* ---- the RELU and ELU layer kinds ------------------------------------------------------------ */

static bool same_shape(bt_layer_desc *d, unsigned index, char *err, size_t cap)
{
    (void)index, (void)err, (void)cap;
    d->out = d->in;
    return true;
}

static bool elu_derive(bt_layer_desc *d, unsigned index, char *err, size_t cap)
{
    if (!(d->f > 0.0f && d->f < 3.0e38f)) {
        return bt_layer_reject(err, cap, index, "ELU alpha must be positive");
    }
    return same_shape(d, index, err, cap);
}

/* The backward passes read the output, and only to make an input gradient. */
static bool keep_output(const bt_layer_desc *d, const bt_layer_config *cfg, bool train_w, bool need_dx,
                        bt_layer_plan *p, unsigned index, char *err, size_t cap)
{
    (void)d, (void)cfg, (void)train_w, (void)index, (void)err, (void)cap;
    p->keep = need_dx ? BT_KEEP_OUTPUT : 0u;
    return true;
}

static uint32_t count_of(const bt_layer_call *c) { return bt_shape_size(c->d->out) * c->n; }

static void relu_fwd(const bt_layer_call *c) { bt_relu_forward(count_of(c), c->x, c->y); }
static void elu_fwd(const bt_layer_call *c) { bt_elu_forward(count_of(c), (bt_real)c->d->f, c->x, c->y); }

static void relu_bwd(const bt_layer_call *c)
{
    if (c->dx) {
        bt_relu_backward(count_of(c), c->y, c->dy, c->dx);
    }
}

static void elu_bwd(const bt_layer_call *c)
{
    if (c->dx) {
        bt_elu_backward(count_of(c), (bt_real)c->d->f, c->y, c->dy, c->dx);
    }
}

const bt_layer_ops bt_kind_relu = {
    BT_LAYER_RELU, "relu", BT_INPLACE_IF_UNUSED, true, same_shape, keep_output, relu_fwd, relu_bwd, NULL,
};

const bt_layer_ops bt_kind_elu = {
    BT_LAYER_ELU, "elu", BT_INPLACE_IF_UNUSED, true, elu_derive, keep_output, elu_fwd, elu_bwd, NULL,
};
