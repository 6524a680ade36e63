#include "bt/linear.h"

#include "bt/parallel.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)

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

/* ---- the LINEAR layer kind ------------------------------------------------------------------- */

static bool linear_derive(bt_layer_desc *d, unsigned index, char *err, size_t cap)
{
    if (d->p[0] == 0u) {
        return bt_layer_reject(err, cap, index, "linear layer with no outputs");
    }
    uint32_t in = bt_shape_size(d->in);
    d->out = (bt_shape){d->p[0], 1u, 1u};
    d->weight_count = in * d->p[0];
    d->bias_count = (d->flags & BT_LAYER_FLAG_BIAS) ? d->p[0] : 0u;
    d->macs = (uint64_t)in * d->p[0];
    return true;
}

static bool linear_plan(const bt_layer_desc *d, const bt_layer_config *cfg, bool train_w, bool need_dx,
                        bt_layer_plan *p, unsigned index, char *err, size_t cap)
{
    (void)d, (void)cfg, (void)need_dx, (void)index, (void)err, (void)cap;
    p->keep = train_w ? BT_KEEP_INPUT : 0u;
    return true;
}

static void linear_forward(const bt_layer_call *c)
{
    bt_linear_forward(bt_shape_size(c->d->in), c->d->out.c, c->n, c->x, c->w, c->b, c->y);
}

static void linear_backward(const bt_layer_call *c)
{
    uint32_t in = bt_shape_size(c->d->in);
    bt_linear_backward_params(in, c->d->out.c, c->n, c->x, c->dy, c->gw, c->gb);
    if (c->dx) {
        bt_linear_backward_input(in, c->d->out.c, c->n, c->dy, c->w, c->dx);
    }
}

static void linear_init(const bt_layer_desc *d, const bt_param_init *out)
{
    bt_init_he_uniform(out, d->weight_count, bt_shape_size(d->in));
    bt_init_fill(out, d->bias_count, 0.0f);
}

const bt_layer_ops bt_kind_linear = {
    BT_LAYER_LINEAR, "linear", BT_INPLACE_NEVER, false, linear_derive, linear_plan, linear_forward, linear_backward,
    linear_init,
};
