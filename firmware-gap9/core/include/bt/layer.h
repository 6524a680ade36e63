/* The table of layer kinds: everything the model parser, the engine and the schedule need to know
 * about a kind of layer, in one place. A kind states how its output shape, parameters and MACs
 * follow from its input, what its backward pass reads (BT_KEEP_*), whether it may run in place,
 * and gives its forward and backward passes and its seeded initialisation. Adding a kind is one
 * descriptor (in its family's file) and one line in the table (layer.c); nothing else switches on
 * kinds.
 *
 * Tensors are dense NCHW (batch, channels, height, width); a biosignal window is (1, channels,
 * samples). Weight gradients are added to what the accumulators hold (gradient accumulation);
 * input gradients overwrite. Kernels sum in one fixed order and split their work through
 * bt_parallel_for by output ownership, so results do not depend on the port or the core count. */
#ifndef BT_LAYER_H
#define BT_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt/model.h"
#include "bt/real.h"
#include "bt/schedule.h"

/* Normalisation behaviours, chosen by the training configuration (norm.h has the details). */
typedef enum bt_norm_mode {
    BT_NORM_GROUP = 0,
    BT_NORM_BATCH = 1,
    BT_NORM_FROZEN = 2,
} bt_norm_mode;

/* The facts of the training configuration a layer may depend on. */
typedef struct bt_layer_config {
    uint8_t norm_mode;    /* bt_norm_mode */
    uint16_t norm_groups; /* group norm: groups per norm layer; 0 takes the model's */
    float bn_momentum;    /* batch norm: running-statistics update */
} bt_layer_config;

/* What a layer decided for one configuration (bt_layer_ops.plan). */
typedef struct bt_layer_plan {
    uint32_t groups;       /* norm: statistics groups */
    uint32_t stats_elems;  /* forward statistics kept, per sample when stats_per_sample */
    bool stats_per_sample;
    uint8_t keep;          /* BT_KEEP_*: what the backward pass reads */
} bt_layer_plan;

/* The buffers of one forward or backward call. Inputs the layer did not ask to keep are NULL in
 * a backward call. */
typedef struct bt_layer_call {
    const bt_layer_desc *d;
    const bt_layer_plan *plan;
    const bt_layer_config *cfg;
    uint32_t n;          /* samples in this pass */
    bool training;       /* forward: training (batch statistics) or inference */
    const bt_real *x;    /* input */
    bt_real *y;          /* output (may be the input's storage when run in place) */
    const bt_real *dy;   /* backward: gradient of the output */
    bt_real *dx;         /* backward: gradient of the input, NULL when not needed */
    bt_real *w, *b, *buf; /* weights, bias, buffers (running statistics); NULL when absent */
    bt_real *gw, *gb;    /* gradient accumulators; NULL when not trained */
    bt_real *stats;      /* forward statistics */
} bt_layer_call;

/* Where a layer's initial parameters go (MODEL.md section 4): put() writes the next value in
 * weight-section order; uniform(bound) draws from the model's one random stream. */
typedef struct bt_param_init {
    void (*put)(void *ctx, float value);
    float (*uniform)(void *ctx, float bound);
    void *ctx;
} bt_param_init;

typedef struct bt_layer_ops {
    uint8_t kind;        /* bt_layer_kind number (model.h) */
    const char *name;
    uint8_t fwd_inplace; /* bt_inplace */
    bool bwd_inplace;    /* dx may be dy's storage */
    /* From d->in, d->p[], d->f and d->flags: d->out, weight/bias/buffer counts and d->macs (forward,
     * one sample). false with a reason when the layer does not fit its input. */
    bool (*derive)(bt_layer_desc *d, unsigned index, char *err, size_t cap);
    /* Decisions for one configuration; may be NULL (nothing kept beyond `keep`). */
    bool (*plan)(const bt_layer_desc *d, const bt_layer_config *cfg, bool train_w, bool need_dx, bt_layer_plan *p,
                 unsigned index, char *err, size_t cap);
    void (*forward)(const bt_layer_call *c);  /* NULL: a view, nothing to compute */
    void (*backward)(const bt_layer_call *c); /* NULL: the gradient passes through unchanged */
    /* The initial parameters, weight-section order; NULL for kinds without parameters. */
    void (*init)(const bt_layer_desc *d, const bt_param_init *out);
} bt_layer_ops;

/* The descriptor of a kind, or NULL when the device does not know it. */
const bt_layer_ops *bt_layer_ops_find(uint8_t kind);

/* The one MAC rule (SPEC.md 8), used by the plan report and the energy estimate alike: a layer's
 * forward MACs once for the forward pass; in training, once more for the weight gradient when its
 * weights train, and once more for the input gradient when a layer before it needs one. Bias and
 * norm parameters cost no MACs. */
uint64_t bt_layer_macs(const bt_layer_desc *d, bool training, bool train_w, bool need_dx);

/* For kinds' derive functions: writes "layer <index>: <what>" into err and returns false. */
bool bt_layer_reject(char *err, size_t cap, unsigned index, const char *what);

/* For kinds' init functions: count values He-uniform over fan_in (MODEL.md section 4), or count
 * copies of one value. */
void bt_init_he_uniform(const bt_param_init *out, uint32_t count, uint32_t fan_in);
void bt_init_fill(const bt_param_init *out, uint32_t count, float value);

#endif
