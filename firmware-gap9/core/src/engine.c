#include "bt/engine.h"

#include <stdio.h>
#include <string.h>

#include "bt/btmath.h"
#include "bt/crc32c.h"
#include "bt/loss.h"
#include "bt/parallel.h"

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

/* ---- the plan ---------------------------------------------------------------------------------- */

static bt_real *tensor_ptr(const bt_engine *e, int16_t t)
{
    return t < 0 ? NULL : (bt_real *)(void *)(e->arena + bt_schedule_offset(&e->sched, t));
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

/* Decides what trains and where its gradients go; which layers run backward and make an input
 * gradient. Layers before the first trainable one run no backward pass. */
static bt_status decide_training(bt_engine *e, char *msg, size_t cap)
{
    const bt_model *m = &e->model;
    uint16_t L = m->layer_count;
    uint16_t last_param = 0;
    for (uint16_t i = 0; i < L; i++) {
        if (has_params(&m->layers[i])) {
            last_param = i;
        }
    }
    uint32_t grad_off = 0;
    int first_trainable = -1;
    for (uint16_t i = 0; i < L; i++) {
        const bt_layer_desc *d = &m->layers[i];
        bt_engine_layer *ly = &e->lay[i];
        const bt_layer_ops *kind = ly->kind;
        memset(ly, 0, sizeof *ly);
        ly->kind = kind;
        uint8_t s = layer_scope(&e->cfg, i, last_param);
        if (s == 0u || s > BT_SCOPE_FROZEN) {
            snprintf(msg, cap, "layer %u: unknown training scope %u", i, s);
            return BT_STATUS_BAD_INPUT;
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
    }
    e->grad_count = grad_off;
    for (uint16_t i = 0; i < L; i++) {
        bt_engine_layer *ly = &e->lay[i];
        ly->run_bwd = first_trainable >= 0 && i >= first_trainable;
        ly->need_dx = first_trainable >= 0 && i > first_trainable;
        const bt_layer_ops *k = ly->kind;
        if (k->plan && !k->plan(&m->layers[i], &e->layer_cfg, ly->train_w, ly->need_dx, &ly->plan, i, msg, cap)) {
            return BT_STATUS_BAD_INPUT;
        }
        if (!ly->run_bwd) {
            ly->plan.keep = 0u; /* no backward step reads anything */
        }
    }
    return BT_STATUS_OK;
}

static void fill_report(bt_engine *e, const bt_schedule_sizes *z)
{
    const bt_model *m = &e->model;
    bt_plan_report *r = &e->report;
    memset(r, 0, sizeof *r);
    r->arena_bytes = e->arena_size;
    r->peak_bytes = z->peak;
    r->naive_bytes = z->naive;
    r->lower_bound = z->lower_bound;
    r->weight_bytes = z->persist[BT_SCHED_WEIGHTS];
    r->grad_bytes = z->persist[BT_SCHED_GRADS];
    r->optim_bytes = z->persist[BT_SCHED_OPT_M] + z->persist[BT_SCHED_OPT_V];
    uint32_t persistent = 0;
    for (int k = 0; k < BT_SCHED_PERSIST; k++) {
        persistent += bt_align_up(z->persist[k]);
    }
    r->activation_peak = z->peak > persistent ? z->peak - persistent : 0u;
    r->param_count = m->param_count;
    r->trainable_count = e->grad_count;
    for (uint16_t i = 0; i < m->layer_count; i++) {
        const bt_engine_layer *ly = &e->lay[i];
        r->macs_forward += bt_layer_macs(&m->layers[i], false, false, false);
        r->macs_train += bt_layer_macs(&m->layers[i], true, ly->train_w, ly->need_dx);
    }
    r->layer_count = m->layer_count;
    r->tensor_count = e->sched.tensor_count;
    r->batch_resident = e->n_max;
    r->fits = z->peak <= e->arena_size;
}

/* Decides what trains and what each backward step needs kept, derives the schedule and every
 * tensor's lifetime, then plans the arena. */
static bt_status build_plan(bt_engine *e, char *msg, size_t cap)
{
    const bt_model *m = &e->model;
    const bt_train_config *cfg = &e->cfg;
    uint16_t L = m->layer_count;
    e->n_max = cfg->norm_mode == BT_NORM_BATCH ? cfg->batch_size : 1u;
    e->layer_cfg = (bt_layer_config){cfg->norm_mode, cfg->norm_groups, cfg->bn_momentum};
    bt_status rc = decide_training(e, msg, cap);
    if (rc != BT_STATUS_OK) {
        return rc;
    }
    bt_sched_layer sl[BT_MODEL_MAX_LAYERS];
    for (uint16_t i = 0; i < L; i++) {
        const bt_engine_layer *ly = &e->lay[i];
        sl[i] = (bt_sched_layer){bt_shape_size(m->layers[i].out), ly->plan.stats_elems, ly->plan.stats_per_sample,
                                 ly->plan.keep, ly->kind->fwd_inplace, ly->kind->bwd_inplace, ly->run_bwd,
                                 ly->need_dx};
    }
    uint32_t opt_bufs = cfg->optimizer == BT_OPT_ADAM ? 2u : (cfg->momentum != 0.0f ? 1u : 0u);
    uint32_t persist[BT_SCHED_PERSIST] = {m->param_count, e->grad_count, opt_bufs >= 1u ? e->grad_count : 0u,
                                          opt_bufs >= 2u ? e->grad_count : 0u};
    bt_schedule_build(&e->sched, sl, L, bt_shape_size(m->input), m->classes, persist);
    bt_schedule_sizes z;
    rc = bt_schedule_plan(&e->sched, e->n_max, cfg->batch_size, (uint32_t)sizeof(bt_real), &z, msg, cap);
    if (rc != BT_STATUS_OK) {
        return rc;
    }
    fill_report(e, &z);
    bt_plan_report *r = &e->report;
    if (!r->fits) {
        snprintf(r->message, sizeof r->message,
                 "model needs %lu bytes of arena, the device has %lu: short by %lu bytes", (unsigned long)z.peak,
                 (unsigned long)e->arena_size, (unsigned long)(z.peak - e->arena_size));
        snprintf(msg, cap, "%s", r->message);
        return BT_STATUS_NO_MEMORY;
    }
    snprintf(r->message, sizeof r->message, "planned %lu of %lu bytes (naive %lu)", (unsigned long)z.peak,
             (unsigned long)e->arena_size, (unsigned long)r->naive_bytes);
    const int16_t *p = e->sched.persist;
    e->params = tensor_ptr(e, p[BT_SCHED_WEIGHTS]);
    e->grads = tensor_ptr(e, p[BT_SCHED_GRADS]);
    e->opt_m = opt_bufs >= 1u ? tensor_ptr(e, p[BT_SCHED_OPT_M]) : NULL;
    e->opt_v = opt_bufs >= 2u ? tensor_ptr(e, p[BT_SCHED_OPT_V]) : NULL;
    return BT_STATUS_OK;
}

static bt_status check_config(const bt_train_config *cfg, char *msg, size_t cap)
{
    if (cfg->optimizer > BT_OPT_ADAM || cfg->norm_mode > BT_NORM_FROZEN || cfg->batch_size == 0u ||
        !(cfg->learning_rate >= 0.0f) || !(cfg->momentum >= 0.0f && cfg->momentum < 1.0f) ||
        !(cfg->weight_decay >= 0.0f) || !(cfg->beta1 >= 0.0f && cfg->beta1 < 1.0f) ||
        !(cfg->beta2 >= 0.0f && cfg->beta2 < 1.0f) || !(cfg->eps > 0.0f) ||
        !(cfg->bn_momentum >= 0.0f && cfg->bn_momentum <= 1.0f)) {
        snprintf(msg, cap, "training configuration out of range");
        return BT_STATUS_BAD_INPUT;
    }
    if (cfg->norm_mode == BT_NORM_BATCH && cfg->batch_size > MAX_BATCH) {
        snprintf(msg, cap, "batch norm with training statistics supports batches up to %u", (unsigned)MAX_BATCH);
        return BT_STATUS_BAD_INPUT;
    }
    return BT_STATUS_OK;
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
    e->refused_steps = 0;
    e->refused_samples = 0;
    e->adam_b1t = ONE;
    e->adam_b2t = ONE;
}

static bt_status plan_with(bt_engine *e, const bt_train_config *cfg, bt_plan_report *report)
{
    char msg[160];
    bt_status rc = check_config(cfg, msg, sizeof msg);
    if (rc == BT_STATUS_OK) {
        e->cfg = *cfg;
        rc = build_plan(e, msg, sizeof msg);
    }
    if (rc != BT_STATUS_OK && rc != BT_STATUS_NO_MEMORY) {
        memset(&e->report, 0, sizeof e->report);
        snprintf(e->report.message, sizeof e->report.message, "%s", msg);
    }
    if (report) {
        *report = e->report;
    }
    return rc;
}

bt_status bt_engine_load(bt_engine *e, const uint8_t *blob, size_t len, void *arena, size_t arena_size,
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
        return BT_STATUS_BAD_INPUT;
    }
    for (uint16_t i = 0; i < e->model.layer_count; i++) {
        e->lay[i].kind = bt_layer_ops_find(e->model.layers[i].kind); /* known: the parser checked */
    }
    bt_status rc = plan_with(e, cfg, report);
    if (rc != BT_STATUS_OK) {
        return rc;
    }
    if (((uintptr_t)arena % BT_PLAN_ALIGN) != 0u) {
        snprintf(e->report.message, sizeof e->report.message, "arena must be 16-byte aligned");
        if (report) {
            *report = e->report;
        }
        return BT_STATUS_INTERNAL;
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
    return BT_STATUS_OK;
}

bt_status bt_engine_configure(bt_engine *e, const bt_train_config *cfg, bt_plan_report *report)
{
    if (!e->loaded) {
        return BT_STATUS_NOT_READY;
    }
    bt_train_config old = e->cfg;
    bt_status rc = plan_with(e, cfg, report);
    if (rc != BT_STATUS_OK) {
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
    return BT_STATUS_OK;
}

/* ---- forward and backward ---------------------------------------------------------------------- */

static bt_layer_call call_of(const bt_engine *e, uint16_t i, uint32_t n, bool training)
{
    const bt_layer_desc *d = &e->model.layers[i];
    const bt_engine_layer *ly = &e->lay[i];
    bt_layer_call c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.plan = &ly->plan;
    c.cfg = &e->layer_cfg;
    c.n = n;
    c.training = training;
    c.x = tensor_ptr(e, e->sched.act[i]);
    c.y = tensor_ptr(e, e->sched.act[i + 1]);
    c.w = d->weight_count ? e->params + d->weight_offset : NULL;
    c.b = d->bias_count ? e->params + d->bias_offset : NULL;
    c.buf = d->buffer_count ? e->params + d->buffer_offset : NULL;
    c.stats = tensor_ptr(e, e->sched.stats[i]);
    return c;
}

static void observe(const bt_engine *e, uint16_t layer, bool backward, bool end)
{
    if (e->observer) {
        e->observer(e->observer_ctx, layer, backward, end);
    }
}

static void forward(bt_engine *e, uint32_t n, bool training)
{
    for (uint16_t i = 0; i < e->model.layer_count; i++) {
        const bt_layer_ops *k = e->lay[i].kind;
        observe(e, i, false, false);
        if (k->forward) {
            bt_layer_call c = call_of(e, i, n, training);
            k->forward(&c);
        }
        observe(e, i, false, true);
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
        if (!ly->kind->backward) {
            continue; /* the gradient passes through (its storage is shared) */
        }
        observe(e, i, true, false);
        bt_layer_call c = call_of(e, i, n, true);
        if (!(ly->plan.keep & BT_KEEP_INPUT)) {
            c.x = NULL; /* not kept: its storage may hold something else by now */
        }
        if (!(ly->plan.keep & BT_KEEP_OUTPUT)) {
            c.y = NULL;
        }
        c.dy = tensor_ptr(e, e->sched.grad[i + 1]);
        c.dx = ly->need_dx ? tensor_ptr(e, e->sched.grad[i]) : NULL;
        c.gw = ly->train_w ? e->grads + ly->grad_w_off : NULL;
        c.gb = ly->train_b ? e->grads + ly->grad_b_off : NULL;
        ly->kind->backward(&c);
        observe(e, i, true, true);
    }
}

static void load_input(bt_engine *e, const bt_real *x, uint32_t n)
{
    bt_real *in = tensor_ptr(e, e->sched.act[0]);
    if (x != in) {
        memmove(in, x, sizeof(bt_real) * bt_shape_size(e->model.input) * n);
    }
}

/* One pass over n samples (n > 1 only in BATCH norm mode). */
static bt_status train_pass(bt_engine *e, const bt_real *x, const uint32_t *labels, uint32_t n, bt_real *loss,
                           uint32_t *predicted)
{
    for (uint32_t s = 0; s < n; s++) {
        if (labels[s] >= e->model.classes) {
            return BT_STATUS_BAD_INPUT;
        }
    }
    /* Non-finite input would reach batch statistics in the forward pass and the gradients after it. */
    size_t in_values = (size_t)n * bt_shape_size(e->model.input);
    for (size_t k = 0; k < in_values; k++) {
        if (!bt_finite(x[k])) {
            e->refused_samples += n;
            return BT_STATUS_NON_FINITE;
        }
    }
    load_input(e, x, n);
    forward(e, n, true);
    const bt_real *z = tensor_ptr(e, e->sched.act[e->model.layer_count]);
    bt_real *dz = tensor_ptr(e, e->sched.grad[e->model.layer_count]);
    observe(e, BT_ENGINE_LOSS, false, false);
    bt_real l = bt_softmax_ce(n, e->model.classes, z, labels, dz, NULL, predicted);
    observe(e, BT_ENGINE_LOSS, false, true);
    if (!bt_finite(l)) {
        e->refused_samples += n; /* nothing accumulated: the gradients so far stay as they were */
        return BT_STATUS_NON_FINITE;
    }
    if (dz) {
        backward(e, n);
    }
    e->pending += n;
    if (loss) {
        *loss = l;
    }
    return BT_STATUS_OK;
}

bt_status bt_engine_train_sample(bt_engine *e, const bt_real *x, uint32_t label, bt_real *loss, uint32_t *predicted)
{
    if (!e->loaded) {
        return BT_STATUS_NOT_READY;
    }
    uint32_t p = 0;
    bt_status rc = train_pass(e, x, &label, 1u, loss, &p);
    if (predicted) {
        *predicted = p;
    }
    return rc;
}

bt_status bt_engine_train_batch(bt_engine *e, const bt_real *x, const uint32_t *labels, uint32_t count,
                               bt_real *loss_sum, uint32_t *correct)
{
    if (!e->loaded) {
        return BT_STATUS_NOT_READY;
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
        bt_status rc = train_pass(e, x + (size_t)s * in_size, e->labels, n, &l, pred);
        if (rc != BT_STATUS_OK) {
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
    return BT_STATUS_OK;
}

/* ---- optimiser --------------------------------------------------------------------------------- */

/* One segment's optimiser update. With apply false nothing is written: it only tells whether every new
 * weight and moment would be finite (the step is refused otherwise). Both passes compute the same
 * expressions in the same order, so checking first changes no bit of the result. */
static bool update_segment(bt_engine *e, bt_real *w, uint32_t goff, uint32_t count, bt_real scale, bool apply)
{
    const bt_train_config *c = &e->cfg;
    bt_real lr = (bt_real)c->learning_rate;
    bt_real wd = (bt_real)c->weight_decay;
    bt_real *g = e->grads + goff;
    bool finite = true;
    if (c->optimizer == BT_OPT_ADAM) {
        bt_real b1 = (bt_real)c->beta1, b2 = (bt_real)c->beta2, eps = (bt_real)c->eps;
        bt_real c1 = ONE - e->adam_b1t, c2 = ONE - e->adam_b2t;
        bt_real *m = e->opt_m + goff, *v = e->opt_v + goff;
        for (uint32_t k = 0; k < count; k++) {
            bt_real gk = g[k] * scale + wd * w[k];
            bt_real mk = b1 * m[k] + (ONE - b1) * gk;
            bt_real vk = b2 * v[k] + (ONE - b2) * (gk * gk);
            bt_real mh = mk / c1;
            bt_real vh = vk / c2;
            bt_real wk = w[k] - lr * mh / (bt_sqrt(vh) + eps);
            if (apply) {
                m[k] = mk;
                v[k] = vk;
                w[k] = wk;
                g[k] = ZERO;
            } else {
                finite = finite && bt_finite(wk) && bt_finite(mk) && bt_finite(vk);
            }
        }
        return finite;
    }
    bt_real mu = (bt_real)c->momentum;
    bt_real *v = e->opt_m ? e->opt_m + goff : NULL;
    for (uint32_t k = 0; k < count; k++) {
        bt_real gk = g[k] * scale + wd * w[k];
        if (v) {
            gk = mu * v[k] + gk;
        }
        bt_real wk = w[k] - lr * gk;
        if (apply) {
            if (v) {
                v[k] = gk;
            }
            w[k] = wk;
            g[k] = ZERO;
        } else {
            finite = finite && bt_finite(wk) && bt_finite(gk);
        }
    }
    return finite;
}

/* The step is element-wise: jobs of STEP_CHUNK parameters of one trained segment (a layer's
 * weights or bias), split across the cores like any kernel. */
#define STEP_CHUNK 64u

typedef struct step_segment {
    bt_real *w;
    uint32_t goff, count, first_job;
} step_segment;

typedef struct step_ctx {
    bt_engine *e;
    bt_real scale;
    uint32_t segments;
    step_segment seg[2u * BT_MODEL_MAX_LAYERS];
} step_ctx;

static void step_range(void *p, uint32_t begin, uint32_t end)
{
    step_ctx *c = (step_ctx *)p;
    uint32_t s = 0;
    for (uint32_t j = begin; j < end; j++) {
        while (s + 1u < c->segments && c->seg[s + 1u].first_job <= j) {
            s++;
        }
        const step_segment *g = &c->seg[s];
        uint32_t k0 = (j - g->first_job) * STEP_CHUNK;
        uint32_t n = g->count - k0 < STEP_CHUNK ? g->count - k0 : STEP_CHUNK;
        (void)update_segment(c->e, g->w + k0, g->goff + k0, n, c->scale, true);
    }
}

bt_status bt_engine_step(bt_engine *e)
{
    if (!e->loaded || e->pending == 0u) {
        return BT_STATUS_NOT_READY;
    }
    observe(e, BT_ENGINE_STEP, false, false);
    bt_real scale = ONE / (bt_real)e->pending;
    bt_real b1t = e->adam_b1t, b2t = e->adam_b2t;
    if (e->cfg.optimizer == BT_OPT_ADAM) {
        e->adam_b1t = e->adam_b1t * (bt_real)e->cfg.beta1;
        e->adam_b2t = e->adam_b2t * (bt_real)e->cfg.beta2;
    }
    step_ctx c;
    c.e = e;
    c.scale = scale;
    c.segments = 0;
    uint32_t jobs = 0;
    for (uint16_t i = 0; i < e->model.layer_count; i++) {
        const bt_layer_desc *d = &e->model.layers[i];
        const bt_engine_layer *ly = &e->lay[i];
        for (int b = 0; b < 2; b++) {
            uint32_t count = b ? d->bias_count : d->weight_count;
            if (!(b ? ly->train_b : ly->train_w) || count == 0u) {
                continue;
            }
            c.seg[c.segments++] = (step_segment){e->params + (b ? d->bias_offset : d->weight_offset),
                                                 b ? ly->grad_b_off : ly->grad_w_off, count, jobs};
            jobs += (count + STEP_CHUNK - 1u) / STEP_CHUNK;
        }
    }
    /* A diverging run or a poisoned gradient must not reach the weights: check the whole step first
     * (serially: a fraction of one sample's work), and refuse it whole. */
    bool finite = true;
    for (uint32_t s = 0; s < c.segments && finite; s++) {
        finite = update_segment(e, c.seg[s].w, c.seg[s].goff, c.seg[s].count, scale, false);
    }
    if (!finite) {
        for (uint32_t s = 0; s < c.segments; s++) {
            memset(e->grads + c.seg[s].goff, 0, sizeof(bt_real) * c.seg[s].count);
        }
        e->adam_b1t = b1t;
        e->adam_b2t = b2t;
        e->pending = 0;
        e->refused_steps++;
        observe(e, BT_ENGINE_STEP, false, true);
        return BT_STATUS_NON_FINITE;
    }
    e->steps++;
    bt_parallel_for(jobs, step_range, &c);
    e->pending = 0;
    observe(e, BT_ENGINE_STEP, false, true);
    return BT_STATUS_OK;
}

/* ---- inference and access ------------------------------------------------------------------------ */

bt_status bt_engine_predict(bt_engine *e, const bt_real *x, bt_real *probs, uint32_t *predicted)
{
    if (!e->loaded) {
        return BT_STATUS_NOT_READY;
    }
    load_input(e, x, 1u);
    forward(e, 1u, false);
    bt_softmax_ce(1u, e->model.classes, tensor_ptr(e, e->sched.act[e->model.layer_count]), NULL, NULL, probs,
                  predicted);
    return BT_STATUS_OK;
}

bt_status bt_engine_evaluate(bt_engine *e, const bt_real *x, uint32_t label, bt_real *loss, uint32_t *predicted)
{
    if (!e->loaded) {
        return BT_STATUS_NOT_READY;
    }
    if (label >= e->model.classes) {
        return BT_STATUS_BAD_INPUT;
    }
    load_input(e, x, 1u);
    forward(e, 1u, false);
    bt_real l = bt_softmax_ce(1u, e->model.classes, tensor_ptr(e, e->sched.act[e->model.layer_count]), &label, NULL,
                              NULL, predicted);
    if (loss) {
        *loss = l;
    }
    return BT_STATUS_OK;
}

bt_real *bt_engine_input(bt_engine *e) { return e->loaded ? tensor_ptr(e, e->sched.act[0]) : NULL; }
uint32_t bt_engine_input_size(const bt_engine *e) { return bt_shape_size(e->model.input); }
uint32_t bt_engine_param_count(const bt_engine *e) { return e->loaded ? e->model.param_count : 0u; }

bt_status bt_engine_read_params(const bt_engine *e, uint32_t offset, float *dst, uint32_t count)
{
    if (!e->loaded) {
        return BT_STATUS_NOT_READY;
    }
    if (offset > e->model.param_count || count > e->model.param_count - offset) {
        return BT_STATUS_BAD_INPUT;
    }
    for (uint32_t k = 0; k < count; k++) {
        dst[k] = (float)e->params[offset + k];
    }
    return BT_STATUS_OK;
}

bt_status bt_engine_write_params(bt_engine *e, uint32_t offset, const float *src, uint32_t count)
{
    if (!e->loaded) {
        return BT_STATUS_NOT_READY;
    }
    if (offset > e->model.param_count || count > e->model.param_count - offset) {
        return BT_STATUS_BAD_INPUT;
    }
    for (uint32_t k = 0; k < count; k++) {
        e->params[offset + k] = (bt_real)src[k];
    }
    if (e->grad_count) {
        memset(e->grads, 0, sizeof(bt_real) * e->grad_count);
    }
    e->pending = 0;
    return BT_STATUS_OK;
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

void bt_engine_observe(bt_engine *e, bt_engine_observer fn, void *ctx)
{
    e->observer = fn;
    e->observer_ctx = ctx;
}
