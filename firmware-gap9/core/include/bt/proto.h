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
    BT_MSG_CAPABILITIES = 0x81,
    BT_MSG_PONG = 0x82,
    BT_MSG_ERROR = 0xFF,
};

#define BT_RESPONSE(type) ((uint8_t)((type) | 0x80u))

enum bt_feature {
    BT_FEATURE_INSTRUCTION_COUNTERS = 0x01,
    BT_FEATURE_CYCLE_COUNTERS = 0x02,
    BT_FEATURE_FPU_F32 = 0x04,
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
} bt_capabilities;

typedef struct bt_error_msg {
    uint16_t code;
    uint8_t request_type;
    bt_str text;
} bt_error_msg;

bool bt_hello_decode(const uint8_t *payload, size_t len, bt_hello *out);
void bt_hello_encode(bt_writer *w, const bt_hello *msg);

void bt_capabilities_encode(bt_writer *w, const bt_capabilities *msg);

bool bt_error_decode(const uint8_t *payload, size_t len, bt_error_msg *out);
void bt_error_encode(bt_writer *w, uint16_t code, uint8_t request_type, const char *text);

#endif
