/* Frames of the host<->device protocol (protocol/SPEC.md section 2): header, payload, CRC-32C,
 * COBS-delimited on the wire. */
#ifndef BT_FRAME_H
#define BT_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt/cobs.h"

#define BT_PROTO_MAJOR 1u
#define BT_PROTO_MINOR 1u

#define BT_FRAME_HEADER_SIZE 12u
#define BT_FRAME_CRC_SIZE 4u
#define BT_FRAME_OVERHEAD (BT_FRAME_HEADER_SIZE + BT_FRAME_CRC_SIZE)
/* Every device accepts at least this payload, before CAPABILITIES tells the host more. */
#define BT_MIN_MAX_PAYLOAD 256u

#define BT_FLAG_UNSOLICITED 0x01u
#define BT_FLAG_RETRANSMIT 0x02u

typedef enum bt_error_code {
    BT_OK = 0x0000,
    BT_ERR_BAD_FRAMING = 0x0001,
    BT_ERR_BAD_CRC = 0x0002,
    BT_ERR_FRAME_TOO_LARGE = 0x0003,
    BT_ERR_BAD_LENGTH = 0x0004,
    BT_ERR_VERSION_MISMATCH = 0x0005,
    BT_ERR_UNKNOWN_TYPE = 0x0006,
    BT_ERR_MALFORMED_PAYLOAD = 0x0007,
    BT_ERR_NOT_READY = 0x0008,
    BT_ERR_BUSY = 0x0009,
    BT_ERR_NO_MEMORY = 0x000A,
    BT_ERR_INTERNAL = 0x000B,
    BT_ERR_NON_FINITE = 0x000C,
} bt_error_code;

/* Name as written in SPEC.md section 4 ("BAD_CRC"), or "UNKNOWN". */
const char *bt_error_name(uint16_t code);

typedef struct bt_frame_header {
    uint8_t version;
    uint8_t type;
    uint8_t flags;
    uint16_t seq;
    uint16_t credit;
    uint32_t length;
} bt_frame_header;

/* Receiver buffer size for a given maximum payload: the COBS-encoded worst case. */
#define BT_FRAME_RX_BUFFER_SIZE(max_payload) BT_COBS_MAX_ENCODED((max_payload) + BT_FRAME_OVERHEAD)

/* Accumulates encoded bytes up to a delimiter, then decodes and validates the frame in place. */
typedef struct bt_frame_receiver {
    uint8_t *buf;
    size_t cap;
    size_t n;
    bool overflow;
} bt_frame_receiver;

typedef enum bt_rx_status {
    BT_RX_NEED_MORE = 0, /* all input consumed, no frame complete */
    BT_RX_FRAME,         /* a valid frame: header and payload are set */
    BT_RX_REJECTED,      /* a bad frame: error is set; header is set when it could be trusted */
} bt_rx_status;

typedef struct bt_rx_result {
    bt_rx_status status;
    uint16_t error;
    bool header_valid;
    bt_frame_header header;
    const uint8_t *payload; /* points into the receiver's buffer; valid until the next feed */
} bt_rx_result;

void bt_frame_receiver_init(bt_frame_receiver *rx, uint8_t *buf, size_t cap);

/* Consumes bytes until a frame completes (or the input ends) and returns how many it consumed.
 * Call again with the rest of the input after handling a frame. expected_version is the
 * receiver's protocol major version. */
size_t bt_frame_receiver_feed(bt_frame_receiver *rx, const uint8_t *data, size_t len,
                              uint8_t expected_version, bt_rx_result *result);

/* Validates one decoded frame (used by the receiver, and by tests on raw frames). */
bt_rx_result bt_frame_check(const uint8_t *frame, size_t len, uint8_t expected_version);

/* Sends header + payload + CRC as one COBS frame through the sink, without assembling it. The
 * payload may be given in two parts (e.g. a message head and a bulk body); either may be empty. */
void bt_frame_send(bt_byte_sink sink, void *ctx, const bt_frame_header *header,
                   const uint8_t *part1, size_t len1, const uint8_t *part2, size_t len2);

void bt_frame_header_write(const bt_frame_header *h, uint8_t out[BT_FRAME_HEADER_SIZE]);
bt_frame_header bt_frame_header_read(const uint8_t in[BT_FRAME_HEADER_SIZE]);

#endif
