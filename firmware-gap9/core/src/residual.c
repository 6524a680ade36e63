#include "bt/residual.h"

#include <string.h>

#include "bt/parallel.h"

typedef struct add_ctx {
    const bt_real *a, *b;
    bt_real *y;
} add_ctx;

static void add_range(void *p, uint32_t begin, uint32_t end)
{
    const add_ctx *c = (const add_ctx *)p;
    for (uint32_t i = begin; i < end; i++) {
        c->y[i] = c->a[i] + c->b[i];
    }
}

void bt_add(uint32_t count, const bt_real *a, const bt_real *b, bt_real *y)
{
    add_ctx c = {a, b, y};
    bt_parallel_for(count, add_range, &c);
}

/* ---- the ADD layer kind ---------------------------------------------------------------------- */

static bool add_derive(bt_layer_desc *d, bt_reject *rj)
{
    (void)rj;
    d->out = d->in;
    d->skip = d->p[0]; /* the parser checks that it comes before and fits */
    return true;
}

static void add_fwd(const bt_layer_call *c) { bt_add(bt_shape_size(c->d->out) * c->n, c->x, c->skip, c->y); }

static void add_bwd(const bt_layer_call *c)
{
    size_t bytes = sizeof(bt_real) * bt_shape_size(c->d->out) * c->n;
    if (c->dskip) {
        memcpy(c->dskip, c->dy, bytes);
    }
    if (c->dx && c->dx != c->dy) {
        memcpy(c->dx, c->dy, bytes);
    }
}

/* Reads nothing in its backward pass; dx is dy. */
const bt_layer_ops bt_kind_add = {
    BT_LAYER_ADD, "add", BT_INPLACE_IF_UNUSED, true, add_derive, NULL, add_fwd, add_bwd, NULL,
};
