#include "bt/linear.h"

#include "bt/parallel.h"

#define ZERO ((bt_real)0)

/* Order of the sums, on every port and for any work split: y[o] = (sum over i ascending of
 * w[o][i] x[i], from 0) + bias; dx[i] = sum over o ascending of w[o][i] dy[o], from 0; dw[o][i] +=
 * (sum over samples ascending of dy[o] x[i], from 0); one fused multiply-add per term.
 * Register blocking: OB outputs share each input load (forward); OB inputs share each output
 * gradient load (input and weight gradients). */
#define OB 4u      /* outputs (forward) or inputs (backward) per block */
#define CHUNK 64u  /* inputs per backward job */

#define UNROLL _Pragma("GCC unroll 16")
#define INLINE static inline __attribute__((always_inline))

typedef struct linear_ctx {
    uint32_t in, out, n;
    const bt_real *x, *w, *bias, *dy;
    bt_real *y, *dx, *dw, *dbias;
    uint32_t blocks; /* forward: output blocks; backward: input chunks */
} linear_ctx;

static uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1u) / b; }

/* nb outputs from o0 of sample s. */
INLINE void forward_block(const linear_ctx *c, uint32_t s, uint32_t o0, const uint32_t nb)
{
    const bt_real *x = c->x + (size_t)s * c->in;
    const bt_real *wp[OB];
    bt_real acc[OB];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        wp[j] = c->w + (size_t)(o0 + j) * c->in;
        acc[j] = ZERO;
    }
    uint32_t i = 0;
    for (; i + 4u <= c->in; i += 4u, x += 4) {
        UNROLL for (uint32_t u = 0; u < 4u; u++) {
            bt_real xv = x[u];
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                acc[j] = bt_fma(wp[j][u], xv, acc[j]);
            }
        }
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            wp[j] += 4;
        }
    }
    for (; i < c->in; i++, x++) {
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            acc[j] = bt_fma(*wp[j]++, *x, acc[j]);
        }
    }
    bt_real *y = c->y + (size_t)s * c->out + o0;
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        y[j] = c->bias ? acc[j] + c->bias[o0 + j] : acc[j];
    }
}

/* Jobs (sample, block of OB outputs). */
static void linear_forward_range(void *p, uint32_t begin, uint32_t end)
{
    const linear_ctx *c = (const linear_ctx *)p;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t s = idx / c->blocks;
        uint32_t o0 = (idx % c->blocks) * OB;
        if (o0 + OB <= c->out) {
            forward_block(c, s, o0, OB);
        } else {
            for (uint32_t o = o0; o < c->out; o++) {
                forward_block(c, s, o, 1u);
            }
        }
    }
}

void bt_linear_forward(uint32_t in, uint32_t out, uint32_t n, const bt_real *x, const bt_real *w,
                       const bt_real *bias, bt_real *y)
{
    linear_ctx c = {in, out, n, x, w, bias, NULL, y, NULL, NULL, NULL, div_up(out, OB)};
    bt_parallel_for(n * c.blocks, linear_forward_range, &c);
}

/* Input gradients [i0, i0 + nb) of sample s. */
INLINE void input_block(const linear_ctx *c, uint32_t s, uint32_t i0, const uint32_t nb)
{
    const bt_real *dy = c->dy + (size_t)s * c->out;
    const bt_real *w = c->w + i0;
    bt_real acc[OB];
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        acc[j] = ZERO;
    }
    for (uint32_t o = 0; o < c->out; o++, w += c->in) {
        bt_real d = dy[o];
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            acc[j] = bt_fma(w[j], d, acc[j]);
        }
    }
    bt_real *dx = c->dx + (size_t)s * c->in + i0;
    UNROLL for (uint32_t j = 0; j < nb; j++) {
        dx[j] = acc[j];
    }
}

/* Jobs (sample, chunk of inputs). */
static void linear_backward_input_range(void *p, uint32_t begin, uint32_t end)
{
    const linear_ctx *c = (const linear_ctx *)p;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t s = idx / c->blocks;
        uint32_t a = (idx % c->blocks) * CHUNK;
        uint32_t b = a + CHUNK < c->in ? a + CHUNK : c->in;
        uint32_t i = a;
        for (; i + OB <= b; i += OB) {
            input_block(c, s, i, OB);
        }
        for (; i < b; i++) {
            input_block(c, s, i, 1u);
        }
    }
}

void bt_linear_backward_input(uint32_t in, uint32_t out, uint32_t n, const bt_real *dy, const bt_real *w,
                              bt_real *dx)
{
    linear_ctx c = {in, out, n, NULL, w, NULL, dy, NULL, dx, NULL, NULL, div_up(in, CHUNK)};
    bt_parallel_for(n * c.blocks, linear_backward_input_range, &c);
}

/* Weight gradients of inputs [i0, i0 + nb), every output. */
INLINE void weight_block(const linear_ctx *c, uint32_t i0, const uint32_t nb)
{
    for (uint32_t o = 0; o < c->out; o++) {
        bt_real acc[OB];
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            acc[j] = ZERO;
        }
        for (uint32_t s = 0; s < c->n; s++) {
            bt_real d = c->dy[(size_t)s * c->out + o];
            const bt_real *x = c->x + (size_t)s * c->in + i0;
            UNROLL for (uint32_t j = 0; j < nb; j++) {
                acc[j] = bt_fma(d, x[j], acc[j]);
            }
        }
        bt_real *dw = c->dw + (size_t)o * c->in + i0;
        UNROLL for (uint32_t j = 0; j < nb; j++) {
            dw[j] = dw[j] + acc[j];
        }
    }
}

/* Jobs: chunks of inputs, each owning its weights' gradients; the first also the bias's. */
static void linear_backward_params_range(void *p, uint32_t begin, uint32_t end)
{
    const linear_ctx *c = (const linear_ctx *)p;
    for (uint32_t idx = begin; idx < end; idx++) {
        uint32_t a = idx * CHUNK;
        uint32_t b = a + CHUNK < c->in ? a + CHUNK : c->in;
        if (c->dw) {
            uint32_t i = a;
            for (; i + OB <= b; i += OB) {
                weight_block(c, i, OB);
            }
            for (; i < b; i++) {
                weight_block(c, i, 1u);
            }
        }
        if (c->dbias && idx == 0u) {
            for (uint32_t o = 0; o < c->out; o++) {
                bt_real acc = ZERO;
                for (uint32_t s = 0; s < c->n; s++) {
                    acc = acc + c->dy[(size_t)s * c->out + o];
                }
                c->dbias[o] = c->dbias[o] + acc;
            }
        }
    }
}

void bt_linear_backward_params(uint32_t in, uint32_t out, uint32_t n, const bt_real *x, const bt_real *dy,
                               bt_real *dw, bt_real *dbias)
{
    if (!dw && !dbias) {
        return;
    }
    linear_ctx c = {in, out, n, x, NULL, NULL, dy, NULL, NULL, dw, dbias, div_up(in, CHUNK)};
    bt_parallel_for(c.blocks, linear_backward_params_range, &c);
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
