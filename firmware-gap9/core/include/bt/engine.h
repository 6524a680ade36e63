/* The training engine: loads a model blob into one caller-given arena, plans the arena from the
 * tensors' lifetimes, and runs forward, backward with gradient accumulation, and the optimiser.
 *
 * A batch of B is B calls of bt_engine_train_sample (each one pass of batch 1, gradients summed in
 * place) and one bt_engine_step, so activation memory does not grow with B. The exception is batch
 * norm with training statistics (BT_NORM_BATCH), which needs the whole batch at once:
 * bt_engine_train_batch then runs one pass over up to B samples, and the plan holds B activations.
 *
 * No dynamic memory: the engine struct (static, a few tens of KiB) plus the arena. Calls return a
 * bt_status (status.h) and, where there is more to say, a text in the plan report; the engine does
 * not know the protocol. It knows no layer kind either: what a layer does, keeps and costs comes
 * from the layer-kind table (layer.h), the tensors' lifetimes from the schedule (schedule.h). */
#ifndef BT_ENGINE_H
#define BT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt/layer.h"
#include "bt/model.h"
#include "bt/planner.h"
#include "bt/real.h"
#include "bt/schedule.h"
#include "bt/status.h"

typedef enum bt_optimizer {
    BT_OPT_SGD = 0,  /* momentum, weight decay (PyTorch convention: v = mu v + g + wd w; w -= lr v) */
    BT_OPT_ADAM = 1, /* bias-corrected Adam, L2 weight decay added to the gradient */
} bt_optimizer;

/* Which parameters of a layer train. INHERIT (per-layer only) takes the model-wide scope. LAST: only
 * the last layer that has parameters trains (set model-wide). BIAS: only biases (conv/linear bias,
 * norm beta). FROZEN layers keep no gradient and no optimiser state. */
typedef enum bt_scope {
    BT_SCOPE_INHERIT = 0,
    BT_SCOPE_FULL = 1,
    BT_SCOPE_LAST = 2,
    BT_SCOPE_BIAS = 3,
    BT_SCOPE_FROZEN = 4,
} bt_scope;

typedef struct bt_train_config {
    uint8_t optimizer;     /* bt_optimizer */
    float learning_rate;
    float momentum;        /* SGD */
    float weight_decay;
    float beta1, beta2, eps; /* Adam */
    uint16_t batch_size;   /* B: samples per step; sizes the plan in BATCH norm mode */
    uint8_t scope;         /* bt_scope for every layer */
    uint8_t layer_scope[BT_MODEL_MAX_LAYERS]; /* per-layer override, BT_SCOPE_INHERIT = 0 */
    uint8_t norm_mode;     /* bt_norm_mode */
    uint16_t norm_groups;  /* GROUP mode: groups per norm layer; 0 takes the model's */
    float bn_momentum;     /* BATCH mode running statistics */
} bt_train_config;

/* SGD lr 0.01 momentum 0.9, Adam betas 0.9/0.999 eps 1e-8, batch 8, full scope, group norm. */
void bt_train_config_default(bt_train_config *cfg);

typedef struct bt_plan_report {
    uint32_t arena_bytes;     /* what the device offers */
    uint32_t peak_bytes;      /* what the plan uses */
    uint32_t naive_bytes;     /* every tensor its own buffer, B samples of activations resident */
    uint32_t lower_bound;     /* the largest live total at one step: no plan can beat it */
    uint32_t weight_bytes;    /* parameters and norm running statistics */
    uint32_t grad_bytes;      /* gradient accumulators of the trainable parameters */
    uint32_t optim_bytes;     /* optimiser state */
    uint32_t activation_peak; /* peak minus the persistent parts above */
    uint32_t param_count;
    uint32_t trainable_count;
    uint64_t macs_forward;    /* one sample */
    uint64_t macs_train;      /* one training sample (bt_layer_macs): forward + weight and input gradients */
    uint16_t layer_count;
    uint16_t tensor_count;
    uint16_t batch_resident;  /* samples of activations resident: B in BATCH norm mode, else 1 */
    bool fits;
    char message[160];
} bt_plan_report;

typedef struct bt_engine_layer {
    const bt_layer_ops *kind;
    bool train_w, train_b; /* its weights / bias train */
    bool run_bwd;          /* its backward step runs */
    bool need_dx;          /* it computes an input gradient */
    bt_layer_plan plan;    /* the kind's decisions for this configuration */
    uint32_t grad_w_off, grad_b_off; /* in the gradient block (elements) */
} bt_engine_layer;

/* Observes the passes (profiling): called before (end = false) and after (end = true) each layer's
 * forward (backward = false) and backward (backward = true) pass; layer BT_ENGINE_LOSS is the loss
 * and BT_ENGINE_STEP the optimiser step. */
#define BT_ENGINE_LOSS 0xFFFEu
#define BT_ENGINE_STEP 0xFFFFu
typedef void (*bt_engine_observer)(void *ctx, uint16_t layer, bool backward, bool end);

typedef struct bt_engine {
    bt_model model;
    bt_train_config cfg;
    bt_layer_config layer_cfg;
    bt_engine_layer lay[BT_MODEL_MAX_LAYERS];
    bt_schedule sched;
    uint8_t *arena;
    uint32_t arena_size;
    uint16_t n_max;          /* samples per pass the plan holds */
    bt_real *params;
    bt_real *grads;
    bt_real *opt_m;
    bt_real *opt_v;
    uint32_t grad_count;
    uint32_t pending;        /* samples accumulated since the last step */
    uint32_t steps;
    uint32_t refused_steps;   /* steps refused for non-finite results (weights unchanged) */
    uint32_t refused_samples; /* training samples refused for non-finite input or loss */
    bt_real adam_b1t, adam_b2t;
    uint32_t labels[BT_MODEL_MAX_LAYERS]; /* labels of one BATCH-mode pass (B <= 64) */
    bool loaded;
    bt_plan_report report;
    bt_engine_observer observer; /* NULL: none (bt_engine_observe) */
    void *observer_ctx;
} bt_engine;

/* Parses the blob, derives the training graph from cfg, plans the arena and copies the weights in.
 * BT_STATUS_BAD_INPUT for a bad blob or configuration, BT_STATUS_NO_MEMORY when the plan does not
 * fit (report->message names the bytes needed and available). The blob may be freed afterwards
 * but must not overlap the arena. arena may be NULL (size 0) to plan only. */
bt_status bt_engine_load(bt_engine *e, const uint8_t *blob, size_t len, void *arena, size_t arena_size,
                        const bt_train_config *cfg, bt_plan_report *report);

/* New training configuration for the loaded model: re-plans, keeps the weights (they stay at
 * arena offset 0), clears gradients, optimiser state and pending samples. */
bt_status bt_engine_configure(bt_engine *e, const bt_train_config *cfg, bt_plan_report *report);

/* Forward and backward of one sample; adds its gradients to the accumulators. loss and predicted
 * may be NULL. x may point at bt_engine_input(). */
bt_status bt_engine_train_sample(bt_engine *e, const bt_real *x, uint32_t label, bt_real *loss,
                                uint32_t *predicted);

/* count samples, x holds count inputs back to back. In BATCH norm mode one pass with batch
 * statistics (count <= batch size); otherwise count single-sample passes. loss_sum and correct
 * (number of arg-max hits) may be NULL. */
bt_status bt_engine_train_batch(bt_engine *e, const bt_real *x, const uint32_t *labels, uint32_t count,
                               bt_real *loss_sum, uint32_t *correct);

/* Applies the optimiser to the mean of the accumulated gradients, then clears them.
 * BT_STATUS_NOT_READY when nothing was accumulated. */
bt_status bt_engine_step(bt_engine *e);

/* Forward in inference mode; probs receives classes values (may be NULL); predicted may be NULL. */
bt_status bt_engine_predict(bt_engine *e, const bt_real *x, bt_real *probs, uint32_t *predicted);

/* Forward and loss without training. */
bt_status bt_engine_evaluate(bt_engine *e, const bt_real *x, uint32_t label, bt_real *loss, uint32_t *predicted);

/* The input buffer of one sample inside the arena (input size values), where a transport can
 * write a sample directly. */
bt_real *bt_engine_input(bt_engine *e);
uint32_t bt_engine_input_size(const bt_engine *e);

/* All parameters in model order (the blob's weight section: per layer weights, bias, running
 * statistics). Read or write them as float32 values; writes clear accumulated gradients. */
uint32_t bt_engine_param_count(const bt_engine *e);
bt_status bt_engine_read_params(const bt_engine *e, uint32_t offset, float *dst, uint32_t count);
bt_status bt_engine_write_params(bt_engine *e, uint32_t offset, const float *src, uint32_t count);
/* CRC-32C of the parameters as float32 LE: compares weights across ports and sessions. */
uint32_t bt_engine_params_crc(const bt_engine *e);

/* Per-layer view for tools and tests. grad_* point at the accumulators (NULL when not trained). */
typedef struct bt_layer_view {
    const bt_layer_desc *desc;
    bool train_weight, train_bias;
    const bt_real *weight, *bias;
    const bt_real *grad_weight, *grad_bias;
} bt_layer_view;
bool bt_engine_layer_view(const bt_engine *e, uint32_t index, bt_layer_view *out);

const bt_plan_report *bt_engine_report(const bt_engine *e);

/* Installs an observer of the passes (NULL removes it); it stays across loads. */
void bt_engine_observe(bt_engine *e, bt_engine_observer fn, void *ctx);
const char *bt_scope_name(uint8_t scope);
const char *bt_norm_mode_name(uint8_t mode);

#endif
