/* Message types and payload codecs of the host<->device protocol (protocol/SPEC.md section 3). */
#ifndef BT_PROTO_H
#define BT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt/wire.h"

enum bt_msg_type {
    BT_MSG_HELLO = 0x01,
    BT_MSG_PING = 0x02,
    BT_MSG_STATS = 0x03,
    BT_MSG_RESET = 0x04,
    BT_MSG_MODEL_BEGIN = 0x10,
    BT_MSG_MODEL_CHUNK = 0x11,
    BT_MSG_MODEL_COMMIT = 0x12,
    BT_MSG_CONFIGURE = 0x13,
    BT_MSG_BATCH_BEGIN = 0x20,
    BT_MSG_SAMPLE = 0x21,
    BT_MSG_BATCH_END = 0x22,
    BT_MSG_SAMPLES_APPEND = 0x24,
    BT_MSG_PREDICT = 0x25,
    BT_MSG_WEIGHTS_READ = 0x30,
    BT_MSG_WEIGHTS_WRITE = 0x31,
    BT_MSG_WEIGHTS_COMMIT = 0x32,
    BT_MSG_CAPABILITIES = 0x81,
    BT_MSG_PONG = 0x82,
    BT_MSG_STATS_REPLY = 0x83,
    BT_MSG_RESET_DONE = 0x84,
    BT_MSG_MODEL_READY = 0x90,
    BT_MSG_CHUNK_ACK = 0x91,
    BT_MSG_MODEL_PLAN = 0x92,
    BT_MSG_BATCH_READY = 0xA0,
    BT_MSG_SAMPLE_ACK = 0xA1,
    BT_MSG_BATCH_RESULT = 0xA2,
    BT_MSG_RING_STATE = 0xA4,
    BT_MSG_PREDICTION = 0xA5,
    BT_MSG_WEIGHTS_DATA = 0xB0,
    BT_MSG_WEIGHTS_ACK = 0xB1,
    BT_MSG_WEIGHTS_DONE = 0xB2,
    BT_MSG_ERROR = 0xFF,
};

enum bt_batch_mode { BT_BATCH_TRAIN = 0, BT_BATCH_EVALUATE = 1, BT_BATCH_PREDICT = 2 };

#define BT_RESPONSE(type) ((uint8_t)((type) | 0x80u))

enum bt_feature {
    BT_FEATURE_INSTRUCTION_COUNTERS = 0x01,
    BT_FEATURE_CYCLE_COUNTERS = 0x02,
    BT_FEATURE_FPU_F32 = 0x04,
    BT_FEATURE_TRAINING = 0x08,
};

#define BT_MAX_REGIONS 8u

/* Strings in decoded messages point into the payload and are not terminated. */
typedef struct bt_str {
    const char *data;
    uint8_t len;
} bt_str;

typedef struct bt_hello {
    uint16_t proto_major;
    uint16_t proto_minor;
    uint32_t max_payload;
    bt_str host;
} bt_hello;

typedef struct bt_region {
    const char *name;
    uint32_t base;
    uint32_t size;
} bt_region;

typedef struct bt_capabilities {
    uint16_t proto_major;
    uint16_t proto_minor;
    const char *firmware;
    const char *port;
    uint32_t max_payload;
    uint32_t clock_hz;
    uint8_t cores;
    uint8_t features;
    uint16_t rx_credit;
    uint8_t region_count;
    bt_region regions[BT_MAX_REGIONS];
    uint32_t arena_bytes;
} bt_capabilities;

/* The training configuration of MODEL_COMMIT and CONFIGURE (SPEC.md 3.5), as sent. */
#define BT_PROTO_MAX_LAYER_SCOPES 64u
typedef struct bt_wire_config {
    uint8_t optimizer, norm_mode, scope;
    float learning_rate, momentum, weight_decay, beta1, beta2, eps;
    uint16_t batch_size, norm_groups;
    float bn_momentum;
    uint8_t layer_count;
    uint8_t layer_scope[BT_PROTO_MAX_LAYER_SCOPES];
} bt_wire_config;

typedef struct bt_model_plan_msg {
    uint32_t arena_bytes, peak_bytes, naive_bytes;
    uint32_t weight_bytes, grad_bytes, optim_bytes, activation_bytes;
    uint32_t param_count, trainable_count;
    uint64_t macs_forward;
    uint32_t input_values;
    uint16_t classes, batch_resident;
    uint32_t model_crc;
    uint32_t ring_bytes;
} bt_model_plan_msg;

typedef struct bt_sample_msg {
    uint32_t batch_id;
    uint16_t index, label;
    uint32_t offset;
    const uint8_t *data;
    uint32_t len;
} bt_sample_msg;

typedef struct bt_batch_result_msg {
    uint32_t batch_id;
    uint8_t mode;
    uint16_t count;
    float loss_mean;
    uint16_t correct, classes;
    uint64_t instructions, macs, est_cycles;
    uint32_t est_energy_uj, step, params_crc;
    const uint16_t *confusion; /* classes x classes, label-major */
} bt_batch_result_msg;

typedef struct bt_stats_msg {
    uint64_t uptime_us;
    uint32_t arena_bytes, peak_bytes;
    uint8_t model_loaded;
    uint32_t frames_ok, frames_rejected, errors_sent, duplicates;
    uint32_t batches, samples, steps;
    uint64_t instructions;
    uint32_t params_crc;
} bt_stats_msg;

typedef struct bt_error_msg {
    uint16_t code;
    uint8_t request_type;
    bt_str text;
} bt_error_msg;

bool bt_hello_decode(const uint8_t *payload, size_t len, bt_hello *out);
void bt_hello_encode(bt_writer *w, const bt_hello *msg);

void bt_capabilities_encode(bt_writer *w, const bt_capabilities *msg);

bool bt_wire_config_decode(const uint8_t *payload, size_t len, bt_wire_config *out);
void bt_wire_config_encode(bt_writer *w, const bt_wire_config *cfg);
void bt_model_plan_encode(bt_writer *w, const bt_model_plan_msg *msg);
bool bt_sample_decode(const uint8_t *payload, size_t len, bt_sample_msg *out);
void bt_batch_result_encode(bt_writer *w, const bt_batch_result_msg *msg);
void bt_stats_encode(bt_writer *w, const bt_stats_msg *msg);

bool bt_error_decode(const uint8_t *payload, size_t len, bt_error_msg *out);
void bt_error_encode(bt_writer *w, uint16_t code, uint8_t request_type, const char *text);

#endif
