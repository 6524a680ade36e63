/* The training graph's schedule and tensor lifetimes, derived from what each layer declares.
 *
 * Steps: 0 the sample arrives; forward of layer i is step i + 1; the loss is step L + 1; backward
 * of layer i is step 2L + 1 - i. Every tensor gets a lifetime [first, last] in steps:
 *   activations  from their forward step to their last reader: the next layer, or a backward step
 *                that keeps them (a layer's input or output, declared with BT_KEEP_*);
 *   gradients    from the backward step that makes them to the one that consumes them;
 *   statistics   a layer's forward statistics (norm), to its backward step when kept;
 *   persistent   weights, gradient accumulators and optimiser state, for the whole run.
 * In place where the layer allows it: a view (flatten) always shares its input's storage; a
 * forward marked BT_INPLACE_IF_UNUSED shares it when no backward step reads any activation
 * stored there; a backward marked bwd_inplace writes the input gradient over the output gradient.
 * Tensors sharing storage have one root; the planner places roots only.
 *
 * The schedule knows nothing of layer kinds or the protocol: the engine describes each layer with
 * a bt_sched_layer (from the layer-kind table) and asks for the plan. The split mirrors a memory
 * planner interface: buffers with sizes and first/last use go in, offsets and the peak come out
 * (planner.h). */
#ifndef BT_SCHEDULE_H
#define BT_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt/planner.h"
#include "bt/status.h"

#define BT_SCHED_MAX_LAYERS 64u
#define BT_SCHED_MAX_TENSORS (3u * BT_SCHED_MAX_LAYERS + 8u)

/* What a backward pass reads from the forward pass. */
enum { BT_KEEP_INPUT = 1u, BT_KEEP_OUTPUT = 2u, BT_KEEP_STATS = 4u };

/* Whether a forward pass may write its output over its input. */
typedef enum bt_inplace {
    BT_INPLACE_NEVER = 0,
    BT_INPLACE_IF_UNUSED = 1, /* when nothing reads the input's storage later */
    BT_INPLACE_VIEW = 2,      /* the output is the input, reshaped: always shared, no compute */
} bt_inplace;

/* One layer as the schedule sees it. */
typedef struct bt_sched_layer {
    uint32_t out_elems;   /* per sample */
    uint32_t stats_elems; /* forward statistics (0: none) */
    bool stats_per_sample;
    uint8_t keep;         /* BT_KEEP_* */
    uint8_t fwd_inplace;  /* bt_inplace */
    bool bwd_inplace;     /* input gradient may overwrite the output gradient */
    bool run_bwd;         /* the backward step runs */
    bool need_dx;         /* it computes an input gradient */
} bt_sched_layer;

/* Persistent tensors, in this order in bt_schedule.persist. */
enum { BT_SCHED_WEIGHTS = 0, BT_SCHED_GRADS = 1, BT_SCHED_OPT_M = 2, BT_SCHED_OPT_V = 3, BT_SCHED_PERSIST = 4 };

typedef struct bt_schedule {
    uint16_t layer_count;
    uint16_t tensor_count;
    int16_t act[BT_SCHED_MAX_LAYERS + 1];  /* activation k: input of layer k (k = 0: the sample) */
    int16_t grad[BT_SCHED_MAX_LAYERS + 1]; /* gradient of activation k, -1 when not computed */
    int16_t stats[BT_SCHED_MAX_LAYERS];    /* statistics of layer i, -1 when none */
    int16_t persist[BT_SCHED_PERSIST];
    int16_t root[BT_SCHED_MAX_TENSORS];    /* in-place tensors share their root's storage */
    uint32_t elems[BT_SCHED_MAX_TENSORS];  /* per sample for batched tensors */
    uint8_t batched[BT_SCHED_MAX_TENSORS]; /* size scales with the samples resident */
    bt_plan_tensor plan[BT_SCHED_MAX_TENSORS];
    uint16_t scratch[BT_PLAN_SCRATCH_WORDS(BT_SCHED_MAX_TENSORS)];
} bt_schedule;

/* Sizes the plan came out with. */
typedef struct bt_schedule_sizes {
    uint32_t peak;        /* end of the highest tensor */
    uint32_t lower_bound; /* the largest live total at one step */
    uint32_t naive;       /* every tensor its own buffer, `batch` samples of every batched tensor */
    uint32_t persist[BT_SCHED_PERSIST]; /* bytes of the persistent tensors */
} bt_schedule_sizes;

/* Derives the tensors and their lifetimes. input_elems and classes are per sample; persist_elems
 * gives the element counts of the persistent tensors (0: absent). */
void bt_schedule_build(bt_schedule *s, const bt_sched_layer *layers, uint16_t layer_count, uint32_t input_elems,
                       uint32_t classes, const uint32_t persist_elems[BT_SCHED_PERSIST]);

/* Sizes every tensor for `resident` samples of activations and `elem_bytes` per element, plans
 * the arena (weights pinned at offset 0) and reports the sizes. BT_STATUS_NO_MEMORY with a
 * message when a tensor is beyond any device. */
bt_status bt_schedule_plan(bt_schedule *s, uint32_t resident, uint32_t batch, uint32_t elem_bytes,
                           bt_schedule_sizes *out, char *msg, size_t cap);

/* Byte offset of tensor t's storage in the arena (after bt_schedule_plan); t < 0 has none. */
static inline uint32_t bt_schedule_offset(const bt_schedule *s, int16_t t) { return s->plan[s->root[t]].offset; }

#endif
