#include "bt/engine.h"

#include <stdio.h>
#include <string.h>

#include "bt/btmath.h"
#include "bt/crc32c.h"

#define ZERO ((bt_real)0)
#define ONE ((bt_real)1)
#define MAX_BATCH ((uint32_t)(sizeof(((bt_engine *)0)->labels) / sizeof(uint32_t)))

void bt_train_config_default(bt_train_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->optimizer = BT_OPT_SGD;
    cfg->learning_rate = 0.01f;
    cfg->momentum = 0.9f;
    cfg->weight_decay = 0.0f;
    cfg->beta1 = 0.9f;
    cfg->beta2 = 0.999f;
    cfg->eps = 1e-8f;
    cfg->batch_size = 8u;
    cfg->scope = BT_SCOPE_FULL;
    cfg->norm_mode = BT_NORM_GROUP;
    cfg->norm_groups = 0u;
    cfg->bn_momentum = 0.1f;
}

const char *bt_scope_name(uint8_t scope)
{
    switch (scope) {
    case BT_SCOPE_FULL:
        return "full";
    case BT_SCOPE_LAST:
        return "last";
    case BT_SCOPE_BIAS:
        return "bias";
    case BT_SCOPE_FROZEN:
        return "frozen";
    default:
        return "inherit";
    }
}

const char *bt_norm_mode_name(uint8_t mode)
{
    switch (mode) {
    case BT_NORM_GROUP:
        return "group";
    case BT_NORM_BATCH:
        return "batch";
    case BT_NORM_FROZEN:
        return "frozen";
    default:
        return "?";
    }
}

/* ---- the schedule: step numbers of the plan ---------------------------------------------------- */
/* Step 0: the sample arrives. Forward of layer i: i + 1. Loss: L + 1. Backward of layer i: 2L + 1 - i.
 * Persistent tensors (weights, gradients, optimiser state) live through all steps. */
static uint16_t t_fwd(uint16_t i) { return (uint16_t)(i + 1u); }
static uint16_t t_loss(const bt_engine *e) { return (uint16_t)(e->model.layer_count + 1u); }
static uint16_t t_bwd(const bt_engine *e, uint16_t i) { return (uint16_t)(2u * e->model.layer_count + 1u - i); }
static uint16_t t_end(const bt_engine *e) { return (uint16_t)(2u * e->model.layer_count + 1u); }

static bt_real *tensor_ptr(const bt_engine *e, int16_t t)
{
    return t < 0 ? NULL : (bt_real *)(void *)(e->arena + e->plan[e->root[t]].offset);
}

static int16_t root_of(const bt_engine *e, int16_t t)
{
    while (e->root[t] != t) {
        t = e->root[t];
    }
    return t;
}

static int16_t new_tensor(bt_engine *e, uint32_t elems, bool batched, uint16_t first, uint16_t last)
{
    int16_t t = (int16_t)e->tensor_count++;
    e->root[t] = t;
    e->elems[t] = elems;
    e->batched[t] = batched;
    e->plan[t] = (bt_plan_tensor){0u, first, last, false, 0u};
    return t;
}

/* Extends the lifetime of t's storage to cover [first, last]. */
static void live(bt_engine *e, int16_t t, uint16_t first, uint16_t last)
{
    bt_plan_tensor *p = &e->plan[root_of(e, t)];
    if (first < p->first) {
        p->first = first;
    }
    if (last > p->last) {
        p->last = last;
    }
}

static uint8_t layer_scope(const bt_train_config *cfg, uint16_t i, uint16_t last_param_layer)
{
    uint8_t s = cfg->layer_scope[i] != BT_SCOPE_INHERIT ? cfg->layer_scope[i] : cfg->scope;
    if (s == BT_SCOPE_LAST) {
        return i == last_param_layer ? BT_SCOPE_FULL : BT_SCOPE_FROZEN;
    }
    return s;
}

static bool has_params(const bt_layer_desc *d) { return d->weight_count + d->bias_count > 0u; }

/* Decides what trains, what each backward step needs kept from the forward pass, which layers
 * run in place, and every tensor's lifetime; then plans the arena. */
static uint16_t build_plan(bt_engine *e, char *msg, size_t cap)
{
    bt_model *m = &e->model;
    const bt_train_config *cfg = &e->cfg;
    uint16_t L = m->layer_count;
    e->n_max = cfg->norm_mode == BT_NORM_BATCH ? cfg->batch_size : 1u;
    e->tensor_count = 0;

    uint16_t last_param = 0;
    for (uint16_t i = 0; i < L; i++) {
        if (has_params(&m->layers[i])) {
            last_param = i;
        }
    }
    /* Trainable segments and the gradient block. */
    uint32_t grad_off = 0;
    int first_trainable = -1;
    for (uint16_t i = 0; i < L; i++) {
        const bt_layer_desc *d = &m->layers[i];
        bt_engine_layer *ly = &e->lay[i];
        memset(ly, 0, sizeof *ly);
        ly->t_stats = -1;
        uint8_t s = layer_scope(cfg, i, last_param);
        if (s == 0u || s > BT_SCOPE_FROZEN) {
            snprintf(msg, cap, "layer %u: unknown training scope %u", i, s);
            return BT_ERR_MALFORMED_PAYLOAD;
        }
        ly->train_w = s == BT_SCOPE_FULL && d->weight_count > 0u;
        ly->train_b = (s == BT_SCOPE_FULL || s == BT_SCOPE_BIAS) && d->bias_count > 0u;
        ly->grad_w_off = ly->grad_b_off = UINT32_MAX;
        if (ly->train_w) {
            ly->grad_w_off = grad_off;
            grad_off += d->weight_count;
        }
        if (ly->train_b) {
            ly->grad_b_off = grad_off;
            grad_off += d->bias_count;
        }
        if ((ly->train_w || ly->train_b) && first_trainable < 0) {
            first_trainable = i;
        }
        if (d->kind == BT_LAYER_NORM) {
            uint32_t g = cfg->norm_groups ? cfg->norm_groups : d->p[0];
            if (g == 0u) {
                g = d->in.c % 2u == 0u ? d->in.c / 2u : 1u;
            }
            if (d->in.c % g != 0u) {
                snprintf(msg, cap, "layer %u: %lu norm groups do not divide %lu channels", i, (unsigned long)g,
                         (unsigned long)d->in.c);
                return BT_ERR_MALFORMED_PAYLOAD;
            }
            ly->groups = g;
        }
    }
    e->grad_count = grad_off;
    /* What the backward pass needs. */
    for (uint16_t i = 0; i < L; i++) {
        const bt_layer_desc *d = &m->layers[i];
        bt_engine_layer *ly = &e->lay[i];
        ly->run_bwd = first_trainable >= 0 && i >= first_trainable;
        ly->need_dx = first_trainable >= 0 && i > first_trainable;
        if (!ly->run_bwd) {
            continue;
        }
        switch (d->kind) {
        case BT_LAYER_CONV2D:
        case BT_LAYER_LINEAR:
            ly->save_in = ly->train_w;
            break;
        case BT_LAYER_NORM:
            if (cfg->norm_mode == BT_NORM_FROZEN) {
                ly->save_in = ly->train_w;
                ly->save_stats = ly->train_w || ly->need_dx;
            } else {
                ly->save_in = ly->save_stats = ly->train_w || ly->need_dx;
            }
            break;
        case BT_LAYER_RELU:
        case BT_LAYER_ELU:
            ly->save_out = ly->need_dx;
            break;
        case BT_LAYER_MAXPOOL:
            ly->save_in = ly->need_dx;
            break;
        default:
            break;
        }
    }
    /* Activations, forward in place where nothing needs the input afterwards. */
    e->act_t[0] = new_tensor(e, bt_shape_size(m->input), true, 0u, t_fwd(0));
    for (uint16_t i = 0; i < L; i++) {
        const bt_layer_desc *d = &m->layers[i];
        bt_engine_layer *ly = &e->lay[i];
        int16_t in = e->act_t[i];
        uint16_t use_end = i + 1u < L ? t_fwd((uint16_t)(i + 1u)) : t_loss(e);
        bool in_saved_elsewhere = false;
        /* Every activation sharing the input's storage, and whether the backward pass reads it. */
        for (int16_t k = (int16_t)i; k >= 0; k--) {
            if (root_of(e, e->act_t[k]) != root_of(e, in)) {
                break;
            }
            if ((k < (int16_t)i && e->lay[k].save_in) || (k > 0 && e->lay[k - 1].save_out)) {
                in_saved_elsewhere = true;
            }
        }
        bool inplace = false;
        if (d->kind == BT_LAYER_FLATTEN) {
            inplace = true; /* a view: same values, new shape */
        } else if (d->kind == BT_LAYER_RELU || d->kind == BT_LAYER_ELU || d->kind == BT_LAYER_NORM) {
            inplace = !ly->save_in && !in_saved_elsewhere;
        }
        int16_t out = new_tensor(e, bt_shape_size(d->out), true, t_fwd(i), use_end);
        if (inplace) {
            e->root[out] = root_of(e, in);
            live(e, out, t_fwd(i), use_end);
        }
        e->act_t[i + 1] = out;
        if (ly->save_in) {
            live(e, in, t_fwd(i), t_bwd(e, i));
        }
        if (ly->save_out) {
            live(e, out, t_fwd(i), t_bwd(e, i));
        }
        if (d->kind == BT_LAYER_NORM) {
            bt_norm_geom g = {e->n_max, d->in.c, d->in.h * d->in.w, ly->groups, cfg->norm_mode, ZERO, ZERO};
            bool per_sample = cfg->norm_mode == BT_NORM_GROUP;
            uint32_t count = bt_norm_stats_count(&g) / (per_sample ? e->n_max : 1u);
            ly->t_stats = new_tensor(e, count, per_sample, t_fwd(i), ly->save_stats ? t_bwd(e, i) : t_fwd(i));
        }
    }
    /* Gradients of activations, backward in place for element-wise layers. */
    for (uint16_t k = 0; k <= L; k++) {
        e->grad_t[k] = -1;
    }
    if (first_trainable >= 0) {
        e->grad_t[L] = new_tensor(e, m->classes, true, t_loss(e), t_bwd(e, (uint16_t)(L - 1u)));
        for (int i = L - 1; i > first_trainable; i--) {
            const bt_layer_desc *d = &m->layers[i];
            uint16_t born = t_bwd(e, (uint16_t)i);
            uint16_t used = t_bwd(e, (uint16_t)(i - 1));
            int16_t g = new_tensor(e, bt_shape_size(d->in), true, born, used);
            bool inplace = d->kind == BT_LAYER_RELU || d->kind == BT_LAYER_ELU || d->kind == BT_LAYER_NORM ||
                           d->kind == BT_LAYER_FLATTEN;
            if (inplace) {
                e->root[g] = root_of(e, e->grad_t[i + 1]);
                live(e, g, born, used);
            }
            e->grad_t[i] = g;
        }
    }
    /* Persistent: weights (pinned at 0, so a new plan keeps them), gradients, optimiser state. */
    int16_t tw = new_tensor(e, m->param_count, false, 0u, t_end(e));
    int16_t tg = new_tensor(e, e->grad_count, false, 0u, t_end(e));
    uint32_t opt_bufs = cfg->optimizer == BT_OPT_ADAM ? 2u : (cfg->momentum != 0.0f ? 1u : 0u);
    int16_t tm = new_tensor(e, opt_bufs >= 1u ? e->grad_count : 0u, false, 0u, t_end(e));
    int16_t tv = new_tensor(e, opt_bufs >= 2u ? e->grad_count : 0u, false, 0u, t_end(e));
    e->plan[tw].pinned = true;
    e->plan[tw].offset = 0u;

    /* Sizes; aliases take no memory of their own. Naive: every tensor its own buffer, B samples. */
    uint64_t naive = 0;
    for (uint16_t t = 0; t < e->tensor_count; t++) {
        uint64_t per = (uint64_t)e->elems[t] * sizeof(bt_real);
        uint64_t bytes = e->batched[t] ? per * e->n_max : per;
        naive += bt_align_up((uint32_t)(e->batched[t] ? per * cfg->batch_size : per));
        if (bytes > 0x7FFFFFFFu) {
            snprintf(msg, cap, "a tensor of %llu bytes is beyond any device", (unsigned long long)bytes);
            return BT_ERR_NO_MEMORY;
        }
        if (e->root[t] == t) {
            e->plan[t].size = (uint32_t)bytes;
        } else {
            e->plan[t].size = 0u;
        }
    }
    uint32_t peak = bt_plan_assign(e->plan, e->tensor_count, e->scratch);
    /* Aliases get their root's offset (tensor_ptr goes through the root anyway). */
    for (uint16_t t = 0; t < e->tensor_count; t++) {
        e->root[t] = root_of(e, (int16_t)t);
        e->plan[t].offset = e->plan[e->root[t]].offset;
    }

    bt_plan_report *r = &e->report;
    memset(r, 0, sizeof *r);
    r->arena_bytes = e->arena_size;
    r->peak_bytes = peak;
    r->naive_bytes = naive > UINT32_MAX ? UINT32_MAX : (uint32_t)naive;
    r->lower_bound = bt_plan_lower_bound(e->plan, e->tensor_count);
    r->weight_bytes = e->plan[tw].size;
    r->grad_bytes = e->plan[tg].size;
    r->optim_bytes = e->plan[tm].size + e->plan[tv].size;
    uint32_t persistent = bt_align_up(r->weight_bytes) + bt_align_up(r->grad_bytes) + bt_align_up(e->plan[tm].size) +
                          bt_align_up(e->plan[tv].size);
    r->activation_peak = peak > persistent ? peak - persistent : 0u;
    r->param_count = m->param_count;
    r->trainable_count = e->grad_count;
    r->macs_forward = m->macs;
    r->macs_train = m->macs;
    for (uint16_t i = 0; i < L; i++) {
        r->macs_train += (e->lay[i].train_w ? m->layers[i].macs : 0u) + (e->lay[i].need_dx ? m->layers[i].macs : 0u);
    }
    r->layer_count = L;
    r->tensor_count = e->tensor_count;
    r->batch_resident = e->n_max;
    r->fits = peak <= e->arena_size;
    if (!r->fits) {
        snprintf(r->message, sizeof r->message,
                 "model needs %lu bytes of arena, the device has %lu: short by %lu bytes", (unsigned long)peak,
                 (unsigned long)e->arena_size, (unsigned long)(peak - e->arena_size));
        snprintf(msg, cap, "%s", r->message);
        return BT_ERR_NO_MEMORY;
    }
    snprintf(r->message, sizeof r->message, "planned %lu of %lu bytes (naive %lu)", (unsigned long)peak,
             (unsigned long)e->arena_size, (unsigned long)r->naive_bytes);
    e->params = tensor_ptr(e, tw);
    e->grads = tensor_ptr(e, tg);
    e->opt_m = opt_bufs >= 1u ? tensor_ptr(e, tm) : NULL;
    e->opt_v = opt_bufs >= 2u ? tensor_ptr(e, tv) : NULL;
    return BT_OK;
}

static uint16_t check_config(const bt_train_config *cfg, char *msg, size_t cap)
{
    if (cfg->optimizer > BT_OPT_ADAM || cfg->norm_mode > BT_NORM_FROZEN || cfg->batch_size == 0u ||
        !(cfg->learning_rate >= 0.0f) || !(cfg->momentum >= 0.0f && cfg->momentum < 1.0f) ||
        !(cfg->weight_decay >= 0.0f) || !(cfg->beta1 >= 0.0f && cfg->beta1 < 1.0f) ||
        !(cfg->beta2 >= 0.0f && cfg->beta2 < 1.0f) || !(cfg->eps > 0.0f) ||
        !(cfg->bn_momentum >= 0.0f && cfg->bn_momentum <= 1.0f)) {
        snprintf(msg, cap, "training configuration out of range");
        return BT_ERR_MALFORMED_PAYLOAD;
    }
    if (cfg->norm_mode == BT_NORM_BATCH && cfg->batch_size > MAX_BATCH) {
        snprintf(msg, cap, "batch norm with training statistics supports batches up to %u", (unsigned)MAX_BATCH);
        return BT_ERR_MALFORMED_PAYLOAD;
    }
    return BT_OK;
}

static void reset_training(bt_engine *e)
{
    if (e->grad_count) {
        memset(e->grads, 0, sizeof(bt_real) * e->grad_count);
        if (e->opt_m) {
            memset(e->opt_m, 0, sizeof(bt_real) * e->grad_count);
        }
        if (e->opt_v) {
            memset(e->opt_v, 0, sizeof(bt_real) * e->grad_count);
        }
    }
    e->pending = 0;
    e->steps = 0;
    e->adam_b1t = ONE;
    e->adam_b2t = ONE;
}

static uint16_t plan_with(bt_engine *e, const bt_train_config *cfg, bt_plan_report *report)
{
    char msg[160];
    uint16_t rc = check_config(cfg, msg, sizeof msg);
    if (rc == BT_OK) {
        e->cfg = *cfg;
        rc = build_plan(e, msg, sizeof msg);
    }
    if (rc != BT_OK && rc != BT_ERR_NO_MEMORY) {
        memset(&e->report, 0, sizeof e->report);
        snprintf(e->report.message, sizeof e->report.message, "%s", msg);
    }
    if (report) {
        *report = e->report;
    }
    return rc;
}

uint16_t bt_engine_load(bt_engine *e, const uint8_t *blob, size_t len, void *arena, size_t arena_size,
                        const bt_train_config *cfg, bt_plan_report *report)
{
    e->loaded = false;
    e->arena = (uint8_t *)arena;
    e->arena_size = arena_size > UINT32_MAX ? UINT32_MAX : (uint32_t)arena_size;
    char msg[160];
    if (!bt_model_parse(blob, len, &e->model, msg, sizeof msg)) {
        memset(&e->report, 0, sizeof e->report);
        snprintf(e->report.message, sizeof e->report.message, "%s", msg);
        if (report) {
            *report = e->report;
        }
        return BT_ERR_MALFORMED_PAYLOAD;
    }
    uint16_t rc = plan_with(e, cfg, report);
    if (rc != BT_OK) {
        return rc;
    }
    if (((uintptr_t)arena % BT_PLAN_ALIGN) != 0u) {
        snprintf(e->report.message, sizeof e->report.message, "arena must be 16-byte aligned");
        if (report) {
            *report = e->report;
        }
        return BT_ERR_INTERNAL;
    }
    for (uint32_t i = 0; i < e->model.param_count; i++) {
        const uint8_t *b = e->model.weights_le + 4u * i;
        uint32_t bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        float f;
        memcpy(&f, &bits, sizeof f);
        e->params[i] = (bt_real)f;
    }
    e->model.weights_le = NULL; /* the blob may go away */
    reset_training(e);
    e->loaded = true;
    return BT_OK;
}

uint16_t bt_engine_configure(bt_engine *e, const bt_train_config *cfg, bt_plan_report *report)
{
    if (!e->loaded) {
        return BT_ERR_NOT_READY;
    }
    bt_train_config old = e->cfg;
    uint16_t rc = plan_with(e, cfg, report);
    if (rc != BT_OK) {
        char keep[sizeof e->report.message];
        memcpy(keep, e->report.message, sizeof keep);
        bt_plan_report failed = e->report;
        plan_with(e, &old, NULL); /* the old plan fitted: the engine stays usable */
        e->report = failed;
        memcpy(e->report.message, keep, sizeof keep);
        if (report) {
            *report = failed;
        }
        reset_training(e);
        return rc;
    }
    reset_training(e);
    return BT_OK;
}

/* ---- forward and backward ---------------------------------------------------------------------- */

static bt_norm_geom norm_geom(const bt_engine *e, uint16_t i, uint32_t n)
{
    const bt_layer_desc *d = &e->model.layers[i];
    bt_norm_geom g = {n, d->in.c, d->in.h * d->in.w, e->lay[i].groups, e->cfg.norm_mode, (bt_real)d->f,
                      (bt_real)e->cfg.bn_momentum};
    return g;
}

static bt_conv2d_geom conv_geom(const bt_layer_desc *d)
{
    bt_conv2d_geom g = {d->in.c, d->in.h, d->in.w, d->out.c, d->out.h, d->out.w, d->p[BT_P_KH], d->p[BT_P_KW],
                        d->p[BT_P_SH], d->p[BT_P_SW], d->p[BT_P_PAD_TOP], d->p[BT_P_PAD_LEFT], d->p[BT_P_GROUPS]};
    return g;
}

static bt_pool_geom pool_geom(const bt_layer_desc *d)
{
    bt_pool_geom g = {d->in.c, d->in.h, d->in.w, d->out.h, d->out.w, d->p[BT_P_POOL_KH], d->p[BT_P_POOL_KW],
                      d->p[BT_P_POOL_SH], d->p[BT_P_POOL_SW]};
    return g;
}

static void forward(bt_engine *e, uint32_t n, bool training)
{
    for (uint16_t i = 0; i < e->model.layer_count; i++) {
        const bt_layer_desc *d = &e->model.layers[i];
        const bt_real *x = tensor_ptr(e, e->act_t[i]);
        bt_real *y = tensor_ptr(e, e->act_t[i + 1]);
        bt_real *w = e->params + d->weight_offset;
        bt_real *b = d->bias_count ? e->params + d->bias_offset : NULL;
        uint32_t count = bt_shape_size(d->out) * n;
        switch (d->kind) {
        case BT_LAYER_CONV2D: {
            bt_conv2d_geom g = conv_geom(d);
            bt_conv2d_forward(&g, n, x, w, b, y);
            break;
        }
        case BT_LAYER_LINEAR:
            bt_linear_forward(bt_shape_size(d->in), d->out.c, n, x, w, b, y);
            break;
        case BT_LAYER_NORM: {
            bt_norm_geom g = norm_geom(e, i, n);
            bt_real *buf = e->params + d->buffer_offset;
            bt_norm_forward(&g, x, w, b, buf, buf + d->in.c, training, tensor_ptr(e, e->lay[i].t_stats), y);
            break;
        }
        case BT_LAYER_RELU:
            bt_relu_forward(count, x, y);
            break;
        case BT_LAYER_ELU:
            bt_elu_forward(count, (bt_real)d->f, x, y);
            break;
        case BT_LAYER_AVGPOOL: {
            bt_pool_geom g = pool_geom(d);
            bt_avgpool_forward(&g, n, x, y);
            break;
        }
        case BT_LAYER_MAXPOOL: {
            bt_pool_geom g = pool_geom(d);
            bt_maxpool_forward(&g, n, x, y);
            break;
        }
        case BT_LAYER_FLATTEN:
        default:
            break; /* same storage, nothing to do */
        }
    }
}

static void backward(bt_engine *e, uint32_t n)
{
    for (int ii = e->model.layer_count - 1; ii >= 0; ii--) {
        uint16_t i = (uint16_t)ii;
        const bt_engine_layer *ly = &e->lay[i];
        if (!ly->run_bwd) {
            break;
        }
        const bt_layer_desc *d = &e->model.layers[i];
        const bt_real *x = tensor_ptr(e, e->act_t[i]);
        const bt_real *y = tensor_ptr(e, e->act_t[i + 1]);
        const bt_real *dy = tensor_ptr(e, e->grad_t[i + 1]);
        bt_real *dx = ly->need_dx ? tensor_ptr(e, e->grad_t[i]) : NULL;
        const bt_real *w = e->params + d->weight_offset;
        bt_real *gw = ly->train_w ? e->grads + ly->grad_w_off : NULL;
        bt_real *gb = ly->train_b ? e->grads + ly->grad_b_off : NULL;
        uint32_t count = bt_shape_size(d->out) * n;
        switch (d->kind) {
        case BT_LAYER_CONV2D: {
            bt_conv2d_geom g = conv_geom(d);
            bt_conv2d_backward_params(&g, n, x, dy, gw, gb);
            if (dx) {
                bt_conv2d_backward_input(&g, n, dy, w, dx);
            }
            break;
        }
        case BT_LAYER_LINEAR:
            bt_linear_backward_params(bt_shape_size(d->in), d->out.c, n, x, dy, gw, gb);
            if (dx) {
                bt_linear_backward_input(bt_shape_size(d->in), d->out.c, n, dy, w, dx);
            }
            break;
        case BT_LAYER_NORM: {
            bt_norm_geom g = norm_geom(e, i, n);
            bt_norm_backward(&g, ly->save_in ? x : NULL, tensor_ptr(e, ly->t_stats), w, dy, dx, gw, gb);
            break;
        }
        case BT_LAYER_RELU:
            if (dx) {
                bt_relu_backward(count, y, dy, dx);
            }
            break;
        case BT_LAYER_ELU:
            if (dx) {
                bt_elu_backward(count, (bt_real)d->f, y, dy, dx);
            }
            break;
        case BT_LAYER_AVGPOOL:
            if (dx) {
                bt_pool_geom g = pool_geom(d);
                bt_avgpool_backward(&g, n, dy, dx);
            }
            break;
        case BT_LAYER_MAXPOOL:
            if (dx) {
                bt_pool_geom g = pool_geom(d);
                bt_maxpool_backward(&g, n, x, dy, dx);
            }
            break;
        case BT_LAYER_FLATTEN:
        default:
            break;
        }
    }
}

static void load_input(bt_engine *e, const bt_real *x, uint32_t n)
{
    bt_real *in = tensor_ptr(e, e->act_t[0]);
    if (x != in) {
        memmove(in, x, sizeof(bt_real) * bt_shape_size(e->model.input) * n);
    }
}

/* One pass over n samples (n > 1 only in BATCH norm mode). */
static uint16_t train_pass(bt_engine *e, const bt_real *x, const uint32_t *labels, uint32_t n, bt_real *loss,
                           uint32_t *predicted)
{
    for (uint32_t s = 0; s < n; s++) {
        if (labels[s] >= e->model.classes) {
            return BT_ERR_MALFORMED_PAYLOAD;
        }
    }
    load_input(e, x, n);
    forward(e, n, true);
    const bt_real *z = tensor_ptr(e, e->act_t[e->model.layer_count]);
    bt_real *dz = tensor_ptr(e, e->grad_t[e->model.layer_count]);
    bt_real l = bt_softmax_ce(n, e->model.classes, z, labels, dz, NULL, predicted);
    if (dz) {
        backward(e, n);
    }
    e->pending += n;
    if (loss) {
        *loss = l;
    }
    return BT_OK;
}

uint16_t bt_engine_train_sample(bt_engine *e, const bt_real *x, uint32_t label, bt_real *loss, uint32_t *predicted)
{
    if (!e->loaded) {
        return BT_ERR_NOT_READY;
    }
    uint32_t p = 0;
    uint16_t rc = train_pass(e, x, &label, 1u, loss, &p);
    if (predicted) {
        *predicted = p;
    }
    return rc;
}

uint16_t bt_engine_train_batch(bt_engine *e, const bt_real *x, const uint32_t *labels, uint32_t count,
                               bt_real *loss_sum, uint32_t *correct)
{
    if (!e->loaded) {
        return BT_ERR_NOT_READY;
    }
    bt_real total = ZERO;
    uint32_t hits = 0;
    uint32_t in_size = bt_shape_size(e->model.input);
    uint32_t chunk = e->n_max;
    for (uint32_t s = 0; s < count; s += chunk) {
        uint32_t n = count - s < chunk ? count - s : chunk;
        bt_real l = ZERO;
        memcpy(e->labels, labels + s, sizeof(uint32_t) * n);
        uint32_t pred[sizeof e->labels / sizeof e->labels[0]];
        uint16_t rc = train_pass(e, x + (size_t)s * in_size, e->labels, n, &l, pred);
        if (rc != BT_OK) {
            return rc;
        }
        total = total + l;
        for (uint32_t k = 0; k < n; k++) {
            hits += pred[k] == labels[s + k];
        }
    }
    if (loss_sum) {
        *loss_sum = total;
    }
    if (correct) {
        *correct = hits;
    }
    return BT_OK;
}

/* ---- optimiser --------------------------------------------------------------------------------- */

static void update_segment(bt_engine *e, bt_real *w, uint32_t goff, uint32_t count, bt_real scale)
{
    const bt_train_config *c = &e->cfg;
    bt_real lr = (bt_real)c->learning_rate;
    bt_real wd = (bt_real)c->weight_decay;
    bt_real *g = e->grads + goff;
    if (c->optimizer == BT_OPT_ADAM) {
        bt_real b1 = (bt_real)c->beta1, b2 = (bt_real)c->beta2, eps = (bt_real)c->eps;
        bt_real c1 = ONE - e->adam_b1t, c2 = ONE - e->adam_b2t;
        bt_real *m = e->opt_m + goff, *v = e->opt_v + goff;
        for (uint32_t k = 0; k < count; k++) {
            bt_real gk = g[k] * scale + wd * w[k];
            m[k] = b1 * m[k] + (ONE - b1) * gk;
            v[k] = b2 * v[k] + (ONE - b2) * (gk * gk);
            bt_real mh = m[k] / c1;
            bt_real vh = v[k] / c2;
            w[k] = w[k] - lr * mh / (bt_sqrt(vh) + eps);
            g[k] = ZERO;
        }
        return;
    }
    bt_real mu = (bt_real)c->momentum;
    for (uint32_t k = 0; k < count; k++) {
        bt_real gk = g[k] * scale + wd * w[k];
        if (e->opt_m) {
            bt_real *v = e->opt_m + goff;
            v[k] = mu * v[k] + gk;
            gk = v[k];
        }
        w[k] = w[k] - lr * gk;
        g[k] = ZERO;
    }
}

uint16_t bt_engine_step(bt_engine *e)
{
    if (!e->loaded || e->pending == 0u) {
        return BT_ERR_NOT_READY;
    }
    bt_real scale = ONE / (bt_real)e->pending;
    e->steps++;
    if (e->cfg.optimizer == BT_OPT_ADAM) {
        e->adam_b1t = e->adam_b1t * (bt_real)e->cfg.beta1;
        e->adam_b2t = e->adam_b2t * (bt_real)e->cfg.beta2;
    }
    for (uint16_t i = 0; i < e->model.layer_count; i++) {
        const bt_layer_desc *d = &e->model.layers[i];
        const bt_engine_layer *ly = &e->lay[i];
        if (ly->train_w) {
            update_segment(e, e->params + d->weight_offset, ly->grad_w_off, d->weight_count, scale);
        }
        if (ly->train_b) {
            update_segment(e, e->params + d->bias_offset, ly->grad_b_off, d->bias_count, scale);
        }
    }
    e->pending = 0;
    return BT_OK;
}

/* ---- inference and access ------------------------------------------------------------------------ */

uint16_t bt_engine_predict(bt_engine *e, const bt_real *x, bt_real *probs, uint32_t *predicted)
{
    if (!e->loaded) {
        return BT_ERR_NOT_READY;
    }
    load_input(e, x, 1u);
    forward(e, 1u, false);
    bt_softmax_ce(1u, e->model.classes, tensor_ptr(e, e->act_t[e->model.layer_count]), NULL, NULL, probs,
                  predicted);
    return BT_OK;
}

uint16_t bt_engine_evaluate(bt_engine *e, const bt_real *x, uint32_t label, bt_real *loss, uint32_t *predicted)
{
    if (!e->loaded) {
        return BT_ERR_NOT_READY;
    }
    if (label >= e->model.classes) {
        return BT_ERR_MALFORMED_PAYLOAD;
    }
    load_input(e, x, 1u);
    forward(e, 1u, false);
    bt_real l = bt_softmax_ce(1u, e->model.classes, tensor_ptr(e, e->act_t[e->model.layer_count]), &label, NULL,
                              NULL, predicted);
    if (loss) {
        *loss = l;
    }
    return BT_OK;
}

bt_real *bt_engine_input(bt_engine *e) { return e->loaded ? tensor_ptr(e, e->act_t[0]) : NULL; }
uint32_t bt_engine_input_size(const bt_engine *e) { return bt_shape_size(e->model.input); }
uint32_t bt_engine_param_count(const bt_engine *e) { return e->loaded ? e->model.param_count : 0u; }

uint16_t bt_engine_read_params(const bt_engine *e, uint32_t offset, float *dst, uint32_t count)
{
    if (!e->loaded) {
        return BT_ERR_NOT_READY;
    }
    if (offset > e->model.param_count || count > e->model.param_count - offset) {
        return BT_ERR_MALFORMED_PAYLOAD;
    }
    for (uint32_t k = 0; k < count; k++) {
        dst[k] = (float)e->params[offset + k];
    }
    return BT_OK;
}

uint16_t bt_engine_write_params(bt_engine *e, uint32_t offset, const float *src, uint32_t count)
{
    if (!e->loaded) {
        return BT_ERR_NOT_READY;
    }
    if (offset > e->model.param_count || count > e->model.param_count - offset) {
        return BT_ERR_MALFORMED_PAYLOAD;
    }
    for (uint32_t k = 0; k < count; k++) {
        e->params[offset + k] = (bt_real)src[k];
    }
    if (e->grad_count) {
        memset(e->grads, 0, sizeof(bt_real) * e->grad_count);
    }
    e->pending = 0;
    return BT_OK;
}

uint32_t bt_engine_params_crc(const bt_engine *e)
{
    uint32_t s = bt_crc32c_begin();
    for (uint32_t k = 0; e->loaded && k < e->model.param_count; k++) {
        float f = (float)e->params[k];
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        uint8_t b[4] = {(uint8_t)bits, (uint8_t)(bits >> 8), (uint8_t)(bits >> 16), (uint8_t)(bits >> 24)};
        s = bt_crc32c_update(s, b, 4);
    }
    return bt_crc32c_end(s);
}

bool bt_engine_layer_view(const bt_engine *e, uint32_t index, bt_layer_view *out)
{
    if (!e->loaded || index >= e->model.layer_count) {
        return false;
    }
    const bt_layer_desc *d = &e->model.layers[index];
    const bt_engine_layer *ly = &e->lay[index];
    out->desc = d;
    out->train_weight = ly->train_w;
    out->train_bias = ly->train_b;
    out->weight = d->weight_count ? e->params + d->weight_offset : NULL;
    out->bias = d->bias_count ? e->params + d->bias_offset : NULL;
    out->grad_weight = ly->train_w ? e->grads + ly->grad_w_off : NULL;
    out->grad_bias = ly->train_b ? e->grads + ly->grad_b_off : NULL;
    return true;
}

const bt_plan_report *bt_engine_report(const bt_engine *e) { return &e->report; }
