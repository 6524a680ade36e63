#include "bt/model.h"

#include <stdio.h>
#include <string.h>

#include "bt/crc32c.h"
#include "bt/layer.h"
#include "bt/wire.h"

static bool fail(char *err, size_t cap, const char *text, unsigned index)
{
    if (err && cap > 0u) {
        snprintf(err, cap, text, index);
    }
    return false;
}

/* Computes a layer's output shape, parameter slots and MACs from its input shape (the kind's
 * derive), then its place in the weight section; false with a reason when it does not fit. */
static bool layer_derive(bt_layer_desc *d, bt_shape in, uint32_t *param_off, unsigned index, char *err,
                         size_t cap)
{
    d->in = in;
    d->weight_count = d->bias_count = d->buffer_count = 0;
    d->macs = 0;
    const bt_layer_ops *k = bt_layer_ops_find(d->kind);
    if (!k) {
        return fail(err, cap, "layer %u: unknown layer kind", index);
    }
    if (!k->derive(d, index, err, cap)) {
        return false;
    }
    d->weight_offset = *param_off;
    d->bias_offset = d->weight_offset + d->weight_count;
    d->buffer_offset = d->bias_offset + d->bias_count;
    *param_off = d->buffer_offset + d->buffer_count;
    if (bt_shape_size(d->out) == 0u || bt_shape_size(d->out) > (1u << 24)) {
        return fail(err, cap, "layer %u: output size out of range", index);
    }
    return true;
}

bool bt_model_parse(const uint8_t *blob, size_t len, bt_model *m, char *err, size_t cap)
{
    if (len < BT_MODEL_HEADER_SIZE + 4u || memcmp(blob, BT_MODEL_MAGIC, 4) != 0) {
        return fail(err, cap, "not a model blob (magic BTMD missing)", 0);
    }
    bt_reader r = bt_reader_make(blob, len);
    (void)bt_rd_take(&r, 4);
    uint16_t version = bt_rd_u16(&r);
    if (version != BT_MODEL_VERSION) {
        return fail(err, cap, "model format version %u is not supported (expected 1)", version);
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
        return fail(err, cap, "model header has unknown flags", 0);
    }
    memcpy(m->name, name, BT_MODEL_NAME_SIZE);
    m->name[BT_MODEL_NAME_SIZE] = '\0';
    if (m->layer_count == 0u || m->layer_count > BT_MODEL_MAX_LAYERS) {
        return fail(err, cap, "model has %u layers (1 to 64 supported)", m->layer_count);
    }
    if (bt_shape_size(m->input) == 0u || m->classes < 2u) {
        return fail(err, cap, "model input is empty or has fewer than 2 classes", 0);
    }
    if (m->param_count > (1u << 26) || len != bt_model_blob_size(m->layer_count, m->param_count)) {
        return fail(err, cap, "model blob length does not match its header", 0);
    }
    uint32_t crc = bt_crc32c(blob, len - 4u);
    uint32_t stored = (uint32_t)blob[len - 4u] | (uint32_t)blob[len - 3u] << 8 | (uint32_t)blob[len - 2u] << 16 |
                      (uint32_t)blob[len - 1u] << 24;
    if (crc != stored) {
        return fail(err, cap, "model blob CRC-32C mismatch", 0);
    }
    bt_shape cur = m->input;
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
            return fail(err, cap, "layer %u: reserved bits set", i);
        }
        if (!layer_derive(d, cur, &param_off, i, err, cap)) {
            return false;
        }
        m->macs += d->macs;
        cur = d->out;
    }
    if (bt_shape_size(cur) != m->classes) {
        return fail(err, cap, "the last layer has %u outputs, the header says otherwise", bt_shape_size(cur));
    }
    if (param_off != m->param_count) {
        return fail(err, cap, "the layers need %u parameters, the header says otherwise", param_off);
    }
    m->weights_le = r.data + r.pos;
    return true;
}

/* ---- writer ----------------------------------------------------------------------------------- */

void bt_mw_begin(bt_model_writer *w, const char *name, uint32_t c, uint32_t h, uint32_t wdt)
{
    memset(w, 0, sizeof *w);
    size_t n = strlen(name);
    memcpy(w->m.name, name, n < BT_MODEL_NAME_SIZE ? n : BT_MODEL_NAME_SIZE);
    w->m.input = (bt_shape){c, h, wdt};
    w->failed = c == 0u || h == 0u || wdt == 0u || c > 65535u || h > 65535u || wdt > 65535u;
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
    bt_shape in = w->m.layer_count ? w->m.layers[w->m.layer_count - 1].out : w->m.input;
    if (!layer_derive(d, in, &w->m.param_count, w->m.layer_count, NULL, 0)) {
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
    }
    return "?";
}

bt_zoo_params bt_zoo_defaults(bt_zoo_model which)
{
    switch (which) {
    case BT_ZOO_EPIDENET:
        return (bt_zoo_params){2u, 1000u, 11u, 0u, 0u, 0u, 1u};
    case BT_ZOO_EEGNET:
        return (bt_zoo_params){22u, 256u, 4u, 8u, 2u, 16u, 1u};
    case BT_ZOO_MI_BMINET:
    default:
        return (bt_zoo_params){8u, 2000u, 4u, 8u, 1u, 16u, 1u};
    }
}

#define NORM_EPS 1e-5f

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
