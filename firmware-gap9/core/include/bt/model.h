/* The model format (protocol/MODEL.md): a header, the layer list with shapes and hyper-parameters,
 * the weights as float32, a CRC-32C trailer. All little-endian. This module parses and validates a
 * blob into layer descriptions with computed shapes, and writes blobs (tests, the self-check, the
 * model tool); the engine builds its training graph from the parsed model. */
#ifndef BT_MODEL_H
#define BT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BT_MODEL_MAGIC "BTMD"
#define BT_MODEL_VERSION 1u
#define BT_MODEL_HEADER_SIZE 48u
#define BT_MODEL_LAYER_SIZE 32u
#define BT_MODEL_NAME_SIZE 16u
#define BT_MODEL_MAX_LAYERS 64u

/* Layer kinds. New kinds (layer norm, GELU, attention for TinyMyo-class models) take new numbers;
 * a device refuses kinds it does not know with a clear error. */
typedef enum bt_layer_kind {
    BT_LAYER_CONV2D = 1,
    BT_LAYER_LINEAR = 2,
    BT_LAYER_NORM = 3,
    BT_LAYER_RELU = 4,
    BT_LAYER_ELU = 5,
    BT_LAYER_AVGPOOL = 6,
    BT_LAYER_MAXPOOL = 7,
    BT_LAYER_FLATTEN = 8,
} bt_layer_kind;

#define BT_LAYER_FLAG_BIAS 0x01u

/* Hyper-parameter slots p[] per kind:
 *   CONV2D   out_c, kh, kw, sh, sw, pad_top, pad_left, pad_bottom, pad_right, groups
 *   LINEAR   out
 *   NORM     default group count for group norm (0: one group per two channels); f = eps
 *   ELU      f = alpha
 *   AVGPOOL, MAXPOOL  kh, kw, sh, sw */
enum {
    BT_P_OUT_C = 0, BT_P_KH = 1, BT_P_KW = 2, BT_P_SH = 3, BT_P_SW = 4, BT_P_PAD_TOP = 5,
    BT_P_PAD_LEFT = 6, BT_P_PAD_BOTTOM = 7, BT_P_PAD_RIGHT = 8, BT_P_GROUPS = 9,
};
enum { BT_P_POOL_KH = 0, BT_P_POOL_KW = 1, BT_P_POOL_SH = 2, BT_P_POOL_SW = 3 };

typedef struct bt_shape {
    uint32_t c, h, w;
} bt_shape;

static inline uint32_t bt_shape_size(bt_shape s) { return s.c * s.h * s.w; }

typedef struct bt_layer_desc {
    uint8_t kind;
    uint8_t flags;
    uint16_t p[12];
    float f;
    /* Derived while parsing. */
    bt_shape in, out;
    uint32_t weight_offset, weight_count; /* conv/linear weights, norm gamma */
    uint32_t bias_offset, bias_count;     /* conv/linear bias, norm beta */
    uint32_t buffer_offset, buffer_count; /* norm running mean then running variance (not trained) */
    uint64_t macs;                        /* multiply-accumulates of one forward pass, one sample */
} bt_layer_desc;

typedef struct bt_model {
    char name[BT_MODEL_NAME_SIZE + 1];
    uint32_t seed;
    bt_shape input;
    uint16_t classes;
    uint16_t layer_count;
    uint32_t param_count;        /* floats in the weight section */
    const uint8_t *weights_le;   /* the weight section of the blob (float32 LE, maybe unaligned) */
    uint64_t macs;
    bt_layer_desc layers[BT_MODEL_MAX_LAYERS];
} bt_model;

/* Parses and validates a blob. On error returns false and writes a reason into err. */
bool bt_model_parse(const uint8_t *blob, size_t len, bt_model *m, char *err, size_t err_cap);

/* Size of a blob for a parsed model. */
static inline size_t bt_model_blob_size(uint16_t layers, uint32_t params)
{
    return BT_MODEL_HEADER_SIZE + (size_t)layers * BT_MODEL_LAYER_SIZE + (size_t)params * 4u + 4u;
}

/* Writer: describe layers one after another from the input shape, then finish into a buffer with
 * seeded initialisation (MODEL.md section 4: He-uniform for conv/linear weights from SplitMix64,
 * zero biases, gamma 1, beta 0, running mean 0, running variance 1). */
typedef struct bt_model_writer {
    bt_model m;
    bool failed;
} bt_model_writer;

void bt_mw_begin(bt_model_writer *w, const char *name, uint32_t c, uint32_t h, uint32_t wdt);
void bt_mw_conv(bt_model_writer *w, uint32_t out_c, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw,
                uint32_t pad_top, uint32_t pad_left, uint32_t pad_bottom, uint32_t pad_right, uint32_t groups,
                bool bias);
void bt_mw_linear(bt_model_writer *w, uint32_t out, bool bias);
void bt_mw_norm(bt_model_writer *w, uint32_t groups, float eps);
void bt_mw_relu(bt_model_writer *w);
void bt_mw_elu(bt_model_writer *w, float alpha);
void bt_mw_avgpool(bt_model_writer *w, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw);
void bt_mw_maxpool(bt_model_writer *w, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw);
void bt_mw_flatten(bt_model_writer *w);
/* Writes the blob; returns its size, or 0 when a layer was invalid or the buffer is too small. */
size_t bt_mw_finish(bt_model_writer *w, uint32_t seed, uint8_t *out, size_t cap);

/* The shipped models (the C# builders in src/BioTrain.Stream.Models make the same bytes). */
typedef struct bt_zoo_params {
    uint32_t channels, samples, classes;
    uint32_t f1, d, f2; /* EEGNet-family filters; ignored by EpiDeNet */
    uint32_t seed;
} bt_zoo_params;

typedef enum bt_zoo_model { BT_ZOO_MI_BMINET = 0, BT_ZOO_EPIDENET = 1, BT_ZOO_EEGNET = 2 } bt_zoo_model;

/* Defaults: MI-BMInet 8 x 2000, 4 classes, F1 8, D 1, F2 16; EpiDeNet 2 x 1000, 11 classes;
 * EEGNet-8,2 22 x 256, 4 classes, F1 8, D 2, F2 16. Seed 1. */
bt_zoo_params bt_zoo_defaults(bt_zoo_model which);
size_t bt_zoo_build(bt_zoo_model which, const bt_zoo_params *p, uint8_t *out, size_t cap);
const char *bt_zoo_name(bt_zoo_model which);

#endif
