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
#define BT_MODEL_FORMAT_MAX_LAYERS 128u /* what a blob may hold (MODEL.md) */
/* What this build holds: the engine's tables are sized by it. 64 on the devices, where it is L2
 * (about 230 bytes a layer); the host builds hold the format's 128 (CMakeLists.txt). */
#ifndef BT_MODEL_MAX_LAYERS
#define BT_MODEL_MAX_LAYERS 64u
#endif
#define BT_MODEL_MAX_PARAMS (1u << 26)  /* floats in a weight section; a layer's own share too */
#define BT_MODEL_MAX_TABLE (1u << 24)   /* values in a rotary table (positions x head dim) */
#define BT_MODEL_MAX_TENSOR (1u << 24)  /* values of one sample in any tensor, the input too */

/* Layer kinds (MODEL.md section 2); a device refuses kinds it does not know with a clear error.
 * 9 and up are the token-sequence (transformer) kinds: a sequence is a tensor (c, h, w) of c h
 * tokens of width w, h being the position within channel c. */
typedef enum bt_layer_kind {
    BT_LAYER_CONV2D = 1,
    BT_LAYER_LINEAR = 2,
    BT_LAYER_NORM = 3,
    BT_LAYER_RELU = 4,
    BT_LAYER_ELU = 5,
    BT_LAYER_AVGPOOL = 6,
    BT_LAYER_MAXPOOL = 7,
    BT_LAYER_FLATTEN = 8,
    BT_LAYER_PATCH_EMBED = 9,
    BT_LAYER_TOKEN_LINEAR = 10,
    BT_LAYER_LAYERNORM = 11,
    BT_LAYER_GELU = 12,
    BT_LAYER_ROPE = 13,
    BT_LAYER_ATTENTION = 14,
    BT_LAYER_ADD = 15,
    BT_LAYER_TOKEN_MEAN = 16,
    BT_LAYER_RECON_HEAD = 17,
} bt_layer_kind;

/* Why a blob or a layer was refused (MODEL.md section 6; the C# ModelError has the same numbers). */
typedef enum bt_model_reason {
    BT_MODEL_OK = 0,
    BT_MODEL_ERR_FORMAT = 1,       /* header, length, CRC, counts */
    BT_MODEL_ERR_KIND = 2,         /* a layer kind the device does not know */
    BT_MODEL_ERR_LAYER = 3,        /* a layer's hyper-parameters do not fit its input */
    BT_MODEL_ERR_SKIP_MISSING = 4, /* a second input names a tensor the model does not have */
    BT_MODEL_ERR_SKIP_LATER = 5,   /* a second input names this layer's input or a later tensor */
    BT_MODEL_ERR_SKIP_SHAPE = 6,   /* a second input's shape differs from the first input's */
    BT_MODEL_ERR_HEADS = 7,        /* attention heads do not divide the width */
    BT_MODEL_ERR_SEQUENCE = 8,     /* more positions per channel than the layer's plan holds */
} bt_model_reason;

/* A refusal being written: the text ("layer <index>: <what>") and its reason. */
typedef struct bt_reject {
    char *text; /* may be NULL */
    size_t cap;
    unsigned index;
    uint8_t reason; /* bt_model_reason */
} bt_reject;

#define BT_LAYER_FLAG_BIAS 0x01u

/* Hyper-parameter slots p[] per kind:
 *   CONV2D   out_c, kh, kw, sh, sw, pad_top, pad_left, pad_bottom, pad_right, groups
 *   LINEAR   out
 *   NORM     default group count for group norm (0: one group per two channels); f = eps
 *   ELU      f = alpha
 *   AVGPOOL, MAXPOOL  kh, kw, sh, sw
 *   PATCH_EMBED  width, patch length       TOKEN_LINEAR  out       RECON_HEAD  patch length
 *   LAYERNORM    f = eps                   ROPE  head dim, max positions; f = base
 *   ATTENTION    heads, rotary max positions (0: none); f = rotary base
 *   ADD          the tensor added (0: the model input, k: layer k - 1's output) */
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
    uint16_t skip; /* derived: tensor read as a second input (ADD), BT_NO_SKIP: none */
    uint16_t p[12];
    float f;
    /* Derived while parsing. */
    bt_shape in, out;
    uint32_t weight_offset, weight_count; /* conv/linear weights, norm gamma */
    uint32_t bias_offset, bias_count;     /* conv/linear bias, norm beta */
    uint32_t buffer_offset, buffer_count; /* norm running mean then running variance (not trained) */
    uint64_t macs;                        /* multiply-accumulates of one forward pass, one sample */
} bt_layer_desc;

#define BT_NO_SKIP 0xFFFFu

typedef struct bt_model {
    char name[BT_MODEL_NAME_SIZE + 1];
    uint32_t seed;
    bt_shape input;
    uint16_t classes;
    uint16_t layer_count;
    uint32_t param_count;        /* floats in the weight section */
    const uint8_t *weights_le;   /* the weight section of the blob (float32 LE, maybe unaligned) */
    uint64_t macs;
    uint8_t reason;              /* bt_model_reason of a refused blob */
    bt_layer_desc layers[BT_MODEL_MAX_LAYERS];
} bt_model;

/* The shape of tensor k: the model input (k = 0) or layer k - 1's output. */
static inline bt_shape bt_model_tensor_shape(const bt_model *m, uint16_t k)
{
    return k == 0u ? m->input : m->layers[k - 1u].out;
}

/* Parses and validates a blob. On error returns false, writes the text into err and the
 * bt_model_reason into m->reason. */
bool bt_model_parse(const uint8_t *blob, size_t len, bt_model *m, char *err, size_t err_cap);

/* The reason's name as MODEL.md section 6 writes it ("skip-missing", ...). */
const char *bt_model_reason_name(uint8_t reason);

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
void bt_mw_patch_embed(bt_model_writer *w, uint32_t width, uint32_t patch, bool bias);
void bt_mw_token_linear(bt_model_writer *w, uint32_t out, bool bias);
void bt_mw_layernorm(bt_model_writer *w, float eps);
void bt_mw_gelu(bt_model_writer *w);
void bt_mw_rope(bt_model_writer *w, uint32_t head_dim, uint32_t max_positions, float base);
/* rotary_positions 0: no rotary embedding of queries and keys (base then 0). */
void bt_mw_attention(bt_model_writer *w, uint32_t heads, uint32_t rotary_positions, float base, bool bias);
/* Adds tensor `tensor` (0: the model input, k: layer k - 1's output) to the current one. */
void bt_mw_add(bt_model_writer *w, uint32_t tensor);
void bt_mw_token_mean(bt_model_writer *w);
void bt_mw_recon_head(bt_model_writer *w, uint32_t patch, bool bias);
/* The tensor the next layer reads (for bt_mw_add): the current layer count. */
static inline uint32_t bt_mw_tensor(const bt_model_writer *w) { return w->m.layer_count; }
/* Writes the blob; returns its size, or 0 when a layer was invalid or the buffer is too small. */
size_t bt_mw_finish(bt_model_writer *w, uint32_t seed, uint8_t *out, size_t cap);

/* The shipped models (the C# builders in src/BioTrain.Stream.Models make the same bytes). */
typedef struct bt_zoo_params {
    uint32_t channels, samples, classes;
    uint32_t f1, d, f2; /* EEGNet-family filters; ignored by the others */
    uint32_t seed;
    uint32_t patch, width, heads, blocks; /* TinyMyo family; ignored by the others */
} bt_zoo_params;

typedef enum bt_zoo_model {
    BT_ZOO_MI_BMINET = 0,
    BT_ZOO_EPIDENET = 1,
    BT_ZOO_EEGNET = 2,
    BT_ZOO_TINYMYO = 3,
    BT_ZOO_TINYMYO_S = 4,
} bt_zoo_model;

/* Defaults: MI-BMInet 8 x 2000, 4 classes, F1 8, D 1, F2 16; EpiDeNet 2 x 1000, 11 classes;
 * EEGNet-8,2 22 x 256, 4 classes, F1 8, D 2, F2 16; TinyMyo 16 x 1000, patches of 20, width 192,
 * 3 heads, 8 blocks, 6 classes; TinyMyo-S 8 x 100, patches of 10, width 32, 2 heads, 3 blocks,
 * 6 classes (MODEL.md section 5). Seed 1. */
bt_zoo_params bt_zoo_defaults(bt_zoo_model which);
size_t bt_zoo_build(bt_zoo_model which, const bt_zoo_params *p, uint8_t *out, size_t cap);
const char *bt_zoo_name(bt_zoo_model which);

#endif
