#include "bt/model.h"

#include <stdio.h>
#include <string.h>

#include "bt/crc32c.h"
#include "bt/layer.h"
#include "bt/wire.h"

static bool fail(bt_reject *rj, uint8_t reason, const char *text, unsigned value)
{
    rj->reason = reason;
    if (rj->text && rj->cap > 0u) {
        snprintf(rj->text, rj->cap, text, value);
    }
    return false;
}

/* A second input (skip connection) must name a tensor before layer i's own input, with the same
 * shape. `tensors` is the model's last tensor (its layer count), or BT_NO_SKIP while a writer does
 * not know it yet. */
static bool skip_check(const bt_model *m, uint16_t i, uint32_t tensors, bt_reject *rj)
{
    const bt_layer_desc *d = &m->layers[i];
    char what[112];
    uint8_t reason = BT_MODEL_OK;
    if (d->skip > tensors) {
        reason = BT_MODEL_ERR_SKIP_MISSING;
        snprintf(what, sizeof what, "skip connection to tensor %u, the model has tensors 0 to %lu", d->skip,
                 (unsigned long)tensors);
    } else if (d->skip >= i) {
        reason = BT_MODEL_ERR_SKIP_LATER;
        snprintf(what, sizeof what, "skip connection to tensor %u, which is not before this layer's input (tensor %u)",
                 d->skip, i);
    } else {
        bt_shape a = bt_model_tensor_shape(m, d->skip);
        if (a.c != d->in.c || a.h != d->in.h || a.w != d->in.w) {
            reason = BT_MODEL_ERR_SKIP_SHAPE;
            snprintf(what, sizeof what, "skip connection to tensor %u of another shape than the layer's input",
                     d->skip);
        }
    }
    return reason == BT_MODEL_OK || bt_layer_reject(rj, reason, what);
}

/* Computes layer i's output shape, parameter slots and MACs from its input shape (the kind's
 * derive), checks its second input, then places it in the weight section; false with a reason
 * when it does not fit. */
static bool layer_derive(bt_model *m, uint16_t i, uint32_t tensors, uint32_t *param_off, bt_reject *rj)
{
    bt_layer_desc *d = &m->layers[i];
    d->in = bt_model_tensor_shape(m, i);
    d->weight_count = d->bias_count = d->buffer_count = 0;
    d->macs = 0;
    d->skip = BT_NO_SKIP;
    rj->index = i;
    const bt_layer_ops *k = bt_layer_ops_find(d->kind);
    if (!k) {
        return fail(rj, BT_MODEL_ERR_KIND, "layer %u: unknown layer kind", i);
    }
    if (!k->derive(d, rj) || (d->skip != BT_NO_SKIP && !skip_check(m, i, tensors, rj))) {
        return false;
    }
    d->weight_offset = *param_off;
    d->bias_offset = d->weight_offset + d->weight_count;
    d->buffer_offset = d->bias_offset + d->bias_count;
    *param_off = d->buffer_offset + d->buffer_count;
    uint64_t size = (uint64_t)d->out.c * d->out.h * d->out.w; /* 64-bit: no wrap past the limit */
    if (size == 0u || size > BT_MODEL_MAX_TENSOR) {
        return fail(rj, BT_MODEL_ERR_LAYER, "layer %u: output size out of range", i);
    }
    return true;
}

static bool parse(const uint8_t *blob, size_t len, bt_model *m, bt_reject *rj)
{
    if (len < BT_MODEL_HEADER_SIZE + 4u || memcmp(blob, BT_MODEL_MAGIC, 4) != 0) {
        return fail(rj, BT_MODEL_ERR_FORMAT, "not a model blob (magic BTMD missing)", 0);
    }
    bt_reader r = bt_reader_make(blob, len);
    (void)bt_rd_take(&r, 4);
    uint16_t version = bt_rd_u16(&r);
    if (version != BT_MODEL_VERSION) {
        return fail(rj, BT_MODEL_ERR_FORMAT, "model format version %u is not supported (expected 1)", version);
    }
    m->layer_count = bt_rd_u16(&r);
    m->input.c = bt_rd_u16(&r);
    m->input.h = bt_rd_u16(&r);
    m->input.w = bt_rd_u16(&r);
    m->classes = bt_rd_u16(&r);
    m->param_count = bt_rd_u32(&r);
    m->seed = bt_rd_u32(&r);
    uint32_t flags = bt_rd_u32(&r);
    uint32_t reserved = bt_rd_u32(&r);
    const uint8_t *name = bt_rd_take(&r, BT_MODEL_NAME_SIZE);
    if (!r.ok || flags != 0u || reserved != 0u) {
        return fail(rj, BT_MODEL_ERR_FORMAT, "model header has unknown flags", 0);
    }
    memcpy(m->name, name, BT_MODEL_NAME_SIZE);
    m->name[BT_MODEL_NAME_SIZE] = '\0';
    if (m->layer_count == 0u || m->layer_count > BT_MODEL_MAX_LAYERS) {
        char text[96];
        snprintf(text, sizeof text, "model has %%u layers (this device holds 1 to %u)", (unsigned)BT_MODEL_MAX_LAYERS);
        return fail(rj, BT_MODEL_ERR_FORMAT, text, m->layer_count);
    }
    uint64_t in_size = (uint64_t)m->input.c * m->input.h * m->input.w;
    if (in_size == 0u || in_size > BT_MODEL_MAX_TENSOR || m->classes < 2u) {
        return fail(rj, BT_MODEL_ERR_FORMAT, "model input is empty or too large, or has fewer than 2 classes", 0);
    }
    if (m->param_count > BT_MODEL_MAX_PARAMS || len != bt_model_blob_size(m->layer_count, m->param_count)) {
        return fail(rj, BT_MODEL_ERR_FORMAT, "model blob length does not match its header", 0);
    }
    uint32_t crc = bt_crc32c(blob, len - 4u);
    uint32_t stored = (uint32_t)blob[len - 4u] | (uint32_t)blob[len - 3u] << 8 | (uint32_t)blob[len - 2u] << 16 |
                      (uint32_t)blob[len - 1u] << 24;
    if (crc != stored) {
        return fail(rj, BT_MODEL_ERR_FORMAT, "model blob CRC-32C mismatch", 0);
    }
    uint32_t param_off = 0;
    m->macs = 0;
    for (uint16_t i = 0; i < m->layer_count; i++) {
        bt_layer_desc *d = &m->layers[i];
        memset(d, 0, sizeof *d);
        d->kind = bt_rd_u8(&r);
        d->flags = bt_rd_u8(&r);
        uint16_t res = bt_rd_u16(&r);
        for (int k = 0; k < 12; k++) {
            d->p[k] = bt_rd_u16(&r);
        }
        d->f = bt_rd_f32(&r);
        if (res != 0u || (d->flags & ~BT_LAYER_FLAG_BIAS) != 0u) {
            return fail(rj, BT_MODEL_ERR_FORMAT, "layer %u: reserved bits set", i);
        }
        if (!layer_derive(m, i, m->layer_count, &param_off, rj)) {
            return false;
        }
        m->macs += d->macs;
    }
    uint32_t outputs = bt_shape_size(m->layers[m->layer_count - 1u].out);
    if (outputs != m->classes) {
        return fail(rj, BT_MODEL_ERR_FORMAT, "the last layer has %u outputs, the header says otherwise", outputs);
    }
    if (param_off != m->param_count) {
        return fail(rj, BT_MODEL_ERR_FORMAT, "the layers need %u parameters, the header says otherwise", param_off);
    }
    m->weights_le = r.data + r.pos;
    return true;
}

const char *bt_model_reason_name(uint8_t reason)
{
    static const char *const names[] = {"ok",         "format",       "unknown-kind", "layer", "skip-missing",
                                        "skip-later", "skip-shape",   "heads",        "sequence"};
    return reason < sizeof names / sizeof names[0] ? names[reason] : "?";
}

bool bt_model_parse(const uint8_t *blob, size_t len, bt_model *m, char *err, size_t cap)
{
    bt_reject rj = {err, cap, 0u, BT_MODEL_OK};
    bool ok = parse(blob, len, m, &rj);
    m->reason = ok ? BT_MODEL_OK : rj.reason;
    return ok;
}

/* ---- writer ----------------------------------------------------------------------------------- */

void bt_mw_begin(bt_model_writer *w, const char *name, uint32_t c, uint32_t h, uint32_t wdt)
{
    memset(w, 0, sizeof *w);
    size_t n = strlen(name);
    memcpy(w->m.name, name, n < BT_MODEL_NAME_SIZE ? n : BT_MODEL_NAME_SIZE);
    w->m.input = (bt_shape){c, h, wdt};
    w->failed = c == 0u || h == 0u || wdt == 0u || c > 65535u || h > 65535u || wdt > 65535u ||
                (uint64_t)c * h * wdt > BT_MODEL_MAX_TENSOR;
}

static void add(bt_model_writer *w, uint8_t kind, uint8_t flags, const uint32_t *p, int np, float f)
{
    if (w->failed || w->m.layer_count == BT_MODEL_MAX_LAYERS) {
        w->failed = true;
        return;
    }
    bt_layer_desc *d = &w->m.layers[w->m.layer_count];
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->flags = flags;
    d->f = f;
    for (int k = 0; k < np; k++) {
        if (p[k] > 65535u) {
            w->failed = true;
            return;
        }
        d->p[k] = (uint16_t)p[k];
    }
    bt_reject rj = {NULL, 0u, 0u, BT_MODEL_OK};
    if (!layer_derive(&w->m, w->m.layer_count, BT_NO_SKIP, &w->m.param_count, &rj)) {
        w->failed = true;
        return;
    }
    w->m.macs += d->macs;
    w->m.layer_count++;
}

void bt_mw_conv(bt_model_writer *w, uint32_t out_c, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw,
                uint32_t pad_top, uint32_t pad_left, uint32_t pad_bottom, uint32_t pad_right, uint32_t groups,
                bool bias)
{
    uint32_t p[10] = {out_c, kh, kw, sh, sw, pad_top, pad_left, pad_bottom, pad_right, groups};
    add(w, BT_LAYER_CONV2D, bias ? BT_LAYER_FLAG_BIAS : 0u, p, 10, 0.0f);
}

void bt_mw_linear(bt_model_writer *w, uint32_t out, bool bias)
{
    add(w, BT_LAYER_LINEAR, bias ? BT_LAYER_FLAG_BIAS : 0u, &out, 1, 0.0f);
}

void bt_mw_norm(bt_model_writer *w, uint32_t groups, float eps) { add(w, BT_LAYER_NORM, 0u, &groups, 1, eps); }
void bt_mw_relu(bt_model_writer *w) { add(w, BT_LAYER_RELU, 0u, NULL, 0, 0.0f); }
void bt_mw_elu(bt_model_writer *w, float alpha) { add(w, BT_LAYER_ELU, 0u, NULL, 0, alpha); }
void bt_mw_flatten(bt_model_writer *w) { add(w, BT_LAYER_FLATTEN, 0u, NULL, 0, 0.0f); }
void bt_mw_layernorm(bt_model_writer *w, float eps) { add(w, BT_LAYER_LAYERNORM, 0u, NULL, 0, eps); }
void bt_mw_gelu(bt_model_writer *w) { add(w, BT_LAYER_GELU, 0u, NULL, 0, 0.0f); }
void bt_mw_add(bt_model_writer *w, uint32_t tensor) { add(w, BT_LAYER_ADD, 0u, &tensor, 1, 0.0f); }
void bt_mw_token_mean(bt_model_writer *w) { add(w, BT_LAYER_TOKEN_MEAN, 0u, NULL, 0, 0.0f); }

void bt_mw_patch_embed(bt_model_writer *w, uint32_t width, uint32_t patch, bool bias)
{
    uint32_t p[2] = {width, patch};
    add(w, BT_LAYER_PATCH_EMBED, bias ? BT_LAYER_FLAG_BIAS : 0u, p, 2, 0.0f);
}

void bt_mw_token_linear(bt_model_writer *w, uint32_t out, bool bias)
{
    add(w, BT_LAYER_TOKEN_LINEAR, bias ? BT_LAYER_FLAG_BIAS : 0u, &out, 1, 0.0f);
}

void bt_mw_rope(bt_model_writer *w, uint32_t head_dim, uint32_t max_positions, float base)
{
    uint32_t p[2] = {head_dim, max_positions};
    add(w, BT_LAYER_ROPE, 0u, p, 2, base);
}

void bt_mw_attention(bt_model_writer *w, uint32_t heads, uint32_t rotary_positions, float base, bool bias)
{
    uint32_t p[2] = {heads, rotary_positions};
    add(w, BT_LAYER_ATTENTION, bias ? BT_LAYER_FLAG_BIAS : 0u, p, 2, base);
}

void bt_mw_recon_head(bt_model_writer *w, uint32_t patch, bool bias)
{
    add(w, BT_LAYER_RECON_HEAD, bias ? BT_LAYER_FLAG_BIAS : 0u, &patch, 1, 0.0f);
}

void bt_mw_avgpool(bt_model_writer *w, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw)
{
    uint32_t p[4] = {kh, kw, sh, sw};
    add(w, BT_LAYER_AVGPOOL, 0u, p, 4, 0.0f);
}

void bt_mw_maxpool(bt_model_writer *w, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw)
{
    uint32_t p[4] = {kh, kw, sh, sw};
    add(w, BT_LAYER_MAXPOOL, 0u, p, 4, 0.0f);
}

/* SplitMix64: the initialisation's random source, simple to write the same in C#. */
static uint64_t splitmix64(uint64_t *state)
{
    *state += 0x9E3779B97F4A7C15ull;
    uint64_t z = *state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [-bound, bound): 24 random bits to [-1, 1) exactly, then one rounding by bound. */
static float uniform(uint64_t *state, float bound)
{
    float u = (float)(uint32_t)(splitmix64(state) >> 40) * (1.0f / 8388608.0f) - 1.0f;
    return u * bound;
}

typedef struct init_state {
    bt_writer *wr;
    uint64_t rng;
} init_state;

static void init_put(void *ctx, float v) { bt_wr_f32(((init_state *)ctx)->wr, v); }
static float init_uniform(void *ctx, float bound) { return uniform(&((init_state *)ctx)->rng, bound); }

size_t bt_mw_finish(bt_model_writer *w, uint32_t seed, uint8_t *out, size_t cap)
{
    bt_model *m = &w->m;
    if (w->failed || m->layer_count == 0u) {
        return 0;
    }
    bt_shape last = m->layers[m->layer_count - 1].out;
    uint32_t classes = bt_shape_size(last);
    size_t size = bt_model_blob_size(m->layer_count, m->param_count);
    if (classes < 2u || classes > 65535u || size > cap) {
        return 0;
    }
    bt_writer wr = bt_writer_make(out, cap);
    bt_wr_bytes(&wr, BT_MODEL_MAGIC, 4);
    bt_wr_u16(&wr, BT_MODEL_VERSION);
    bt_wr_u16(&wr, m->layer_count);
    bt_wr_u16(&wr, (uint16_t)m->input.c);
    bt_wr_u16(&wr, (uint16_t)m->input.h);
    bt_wr_u16(&wr, (uint16_t)m->input.w);
    bt_wr_u16(&wr, (uint16_t)classes);
    bt_wr_u32(&wr, m->param_count);
    bt_wr_u32(&wr, seed);
    bt_wr_u32(&wr, 0u);
    bt_wr_u32(&wr, 0u);
    bt_wr_bytes(&wr, m->name, BT_MODEL_NAME_SIZE);
    for (uint16_t i = 0; i < m->layer_count; i++) {
        const bt_layer_desc *d = &m->layers[i];
        bt_wr_u8(&wr, d->kind);
        bt_wr_u8(&wr, d->flags);
        bt_wr_u16(&wr, 0u);
        for (int k = 0; k < 12; k++) {
            bt_wr_u16(&wr, d->p[k]);
        }
        bt_wr_f32(&wr, d->f);
    }
    init_state st = {&wr, seed};
    bt_param_init sink = {init_put, init_uniform, &st};
    for (uint16_t i = 0; i < m->layer_count; i++) {
        const bt_layer_desc *d = &m->layers[i];
        const bt_layer_ops *k = bt_layer_ops_find(d->kind);
        if (k && k->init) {
            k->init(d, &sink);
        }
    }
    bt_wr_u32(&wr, bt_crc32c(out, wr.pos));
    return wr.ok && wr.pos == size ? size : 0u;
}

/* ---- the shipped models ----------------------------------------------------------------------- */

const char *bt_zoo_name(bt_zoo_model which)
{
    switch (which) {
    case BT_ZOO_MI_BMINET:
        return "mi-bminet";
    case BT_ZOO_EPIDENET:
        return "epidenet";
    case BT_ZOO_EEGNET:
        return "eegnet";
    case BT_ZOO_TINYMYO:
        return "tinymyo";
    case BT_ZOO_TINYMYO_S:
        return "tinymyo-s";
    }
    return "?";
}

bt_zoo_params bt_zoo_defaults(bt_zoo_model which)
{
    switch (which) {
    case BT_ZOO_EPIDENET:
        return (bt_zoo_params){2u, 1000u, 11u, 0u, 0u, 0u, 1u, 0u, 0u, 0u, 0u};
    case BT_ZOO_EEGNET:
        return (bt_zoo_params){22u, 256u, 4u, 8u, 2u, 16u, 1u, 0u, 0u, 0u, 0u};
    case BT_ZOO_TINYMYO:
        return (bt_zoo_params){16u, 1000u, 6u, 0u, 0u, 0u, 1u, 20u, 192u, 3u, 8u};
    case BT_ZOO_TINYMYO_S:
        return (bt_zoo_params){8u, 100u, 6u, 0u, 0u, 0u, 1u, 10u, 32u, 2u, 3u};
    case BT_ZOO_MI_BMINET:
    default:
        return (bt_zoo_params){8u, 2000u, 4u, 8u, 1u, 16u, 1u, 0u, 0u, 0u, 0u};
    }
}

#define NORM_EPS 1e-5f
#define ROPE_BASE 10000.0f

/* 'same' padding of a 1 x k temporal kernel: (k - 1) / 2 left, the rest right (as PyTorch). */
static void temporal_same(bt_model_writer *w, uint32_t out_c, uint32_t k, uint32_t groups)
{
    bt_mw_conv(w, out_c, 1u, k, 1u, 1u, 0u, (k - 1u) / 2u, 0u, k - 1u - (k - 1u) / 2u, groups, false);
}

size_t bt_zoo_build(bt_zoo_model which, const bt_zoo_params *p, uint8_t *out, size_t cap)
{
    static bt_model_writer w; /* large: keep it off the small device stack */
    bt_mw_begin(&w, bt_zoo_name(which), 1u, p->channels, p->samples);
    switch (which) {
    case BT_ZOO_MI_BMINET: {
        uint32_t f1d = p->f1 * p->d;
        bt_mw_conv(&w, p->f1, p->channels, 1u, 1u, 1u, 0u, 0u, 0u, 0u, 1u, false); /* spatial */
        bt_mw_norm(&w, 0u, NORM_EPS);
        temporal_same(&w, f1d, 64u, p->f1); /* temporal, grouped */
        bt_mw_norm(&w, 0u, NORM_EPS);
        bt_mw_relu(&w);
        bt_mw_avgpool(&w, 1u, 8u, 1u, 8u);
        temporal_same(&w, f1d, 16u, f1d);                          /* separable: depthwise */
        bt_mw_conv(&w, p->f2, 1u, 1u, 1u, 1u, 0u, 0u, 0u, 0u, 1u, false); /* pointwise */
        bt_mw_norm(&w, 0u, NORM_EPS);
        bt_mw_relu(&w);
        bt_mw_avgpool(&w, 1u, 8u, 1u, 8u);
        bt_mw_flatten(&w);
        bt_mw_linear(&w, p->classes, true);
        break;
    }
    case BT_ZOO_EPIDENET: {
        static const uint32_t kernel[3] = {4u, 16u, 8u};
        static const uint32_t filters[3] = {4u, 16u, 16u};
        static const uint32_t pool[3] = {8u, 4u, 4u};
        for (int b = 0; b < 3; b++) {
            bt_mw_conv(&w, filters[b], 1u, kernel[b], 1u, 1u, 0u, 0u, 0u, 0u, 1u, false);
            bt_mw_norm(&w, 0u, NORM_EPS);
            bt_mw_relu(&w);
            bt_mw_maxpool(&w, 1u, pool[b], 1u, pool[b]);
        }
        bt_mw_conv(&w, 16u, p->channels, 1u, 1u, 1u, 0u, 0u, 0u, 0u, 1u, false); /* spatial */
        bt_mw_norm(&w, 0u, NORM_EPS);
        bt_mw_relu(&w);
        bt_mw_conv(&w, 16u, 1u, 1u, 1u, 1u, 0u, 0u, 0u, 0u, 1u, false);
        bt_mw_norm(&w, 0u, NORM_EPS);
        bt_mw_relu(&w);
        uint32_t t = w.failed ? 1u : w.m.layers[w.m.layer_count - 1].out.w;
        bt_mw_avgpool(&w, 1u, t < 5u ? t : 5u, 1u, t < 5u ? t : 5u);
        bt_mw_flatten(&w);
        bt_mw_linear(&w, p->classes, true);
        break;
    }
    case BT_ZOO_TINYMYO:
    case BT_ZOO_TINYMYO_S: {
        /* Channel-independent patches, pre-norm encoder blocks with rotary attention over all tokens
         * (positions restart in every channel), MLP ratio 4, mean of the tokens, linear head. */
        bt_mw_patch_embed(&w, p->width, p->patch, true);
        uint32_t positions = p->patch ? p->samples / p->patch : 0u;
        for (uint32_t b = 0; b < p->blocks; b++) {
            uint32_t block_in = bt_mw_tensor(&w);
            bt_mw_layernorm(&w, NORM_EPS);
            bt_mw_attention(&w, p->heads, positions, ROPE_BASE, true);
            bt_mw_add(&w, block_in);
            uint32_t mlp_in = bt_mw_tensor(&w);
            bt_mw_layernorm(&w, NORM_EPS);
            bt_mw_token_linear(&w, 4u * p->width, true);
            bt_mw_gelu(&w);
            bt_mw_token_linear(&w, p->width, true);
            bt_mw_add(&w, mlp_in);
        }
        bt_mw_layernorm(&w, NORM_EPS);
        bt_mw_token_mean(&w);
        bt_mw_linear(&w, p->classes, true);
        break;
    }
    case BT_ZOO_EEGNET: {
        uint32_t f1d = p->f1 * p->d;
        temporal_same(&w, p->f1, 64u, 1u); /* temporal */
        bt_mw_norm(&w, 0u, NORM_EPS);
        bt_mw_conv(&w, f1d, p->channels, 1u, 1u, 1u, 0u, 0u, 0u, 0u, p->f1, false); /* depthwise spatial */
        bt_mw_norm(&w, 0u, NORM_EPS);
        bt_mw_elu(&w, 1.0f);
        bt_mw_avgpool(&w, 1u, 4u, 1u, 4u);
        temporal_same(&w, f1d, 16u, f1d);                                 /* separable: depthwise */
        bt_mw_conv(&w, p->f2, 1u, 1u, 1u, 1u, 0u, 0u, 0u, 0u, 1u, false); /* pointwise */
        bt_mw_norm(&w, 0u, NORM_EPS);
        bt_mw_elu(&w, 1.0f);
        bt_mw_avgpool(&w, 1u, 8u, 1u, 8u);
        bt_mw_flatten(&w);
        bt_mw_linear(&w, p->classes, true);
        break;
    }
    }
    return bt_mw_finish(&w, p->seed, out, cap);
}
