/* The protocol handler under good and bad input: it answers, or answers ERROR, and keeps serving. */
#include <string.h>

#include "bt/crc32c.h"
#include "bt/device.h"
#include "harness.h"

typedef struct bytes {
    uint8_t data[4 * BT_FRAME_RX_BUFFER_SIZE(BT_DEVICE_MAX_PAYLOAD)];
    size_t n;
} bytes;

static void append(void *ctx, const uint8_t *data, size_t len)
{
    bytes *b = (bytes *)ctx;
    if (len <= sizeof b->data - b->n) {
        memcpy(b->data + b->n, data, len);
        b->n += len;
    }
}

static bytes sent;     /* what the device sent */
static bytes request;  /* what the test sends */

static const bt_region regions[] = {{"L2", 0x1C000000u, 1572864u}, {"L1", 0x10000000u, 131072u}};
static const bt_device_info info = {"test", 370000000u, 8u, 0u, 2u, regions, NULL, 0u};
static bt_device dev;

typedef struct reply {
    bt_frame_header h;
    uint8_t payload[BT_DEVICE_MAX_PAYLOAD];
} reply;

static reply replies[8];

/* Parses every frame the device sent since the last call. */
static int take_replies(void)
{
    static uint8_t buf[BT_FRAME_RX_BUFFER_SIZE(BT_DEVICE_MAX_PAYLOAD)];
    bt_frame_receiver rx;
    bt_frame_receiver_init(&rx, buf, sizeof buf);
    int count = 0;
    size_t off = 0;
    while (off < sent.n) {
        bt_rx_result r;
        off += bt_frame_receiver_feed(&rx, sent.data + off, sent.n - off, BT_PROTO_MAJOR, &r);
        if (r.status == BT_RX_FRAME && count < 8) {
            replies[count].h = r.header;
            memcpy(replies[count].payload, r.payload, r.header.length);
            count++;
        } else if (r.status == BT_RX_REJECTED) {
            CHECK(!"device sent a frame that does not decode");
        }
    }
    sent.n = 0;
    return count;
}

static void add_frame(uint8_t version, uint8_t type, uint16_t seq, const uint8_t *payload, size_t len)
{
    bt_frame_header h = {version, type, 0, seq, 0, 0};
    bt_frame_send(append, &request, &h, payload, len, NULL, 0);
}

static void send_all(size_t chunk)
{
    for (size_t off = 0; off < request.n; off += chunk) {
        size_t n = request.n - off < chunk ? request.n - off : chunk;
        bt_device_feed(&dev, request.data + off, n);
    }
    request.n = 0;
}

static uint16_t error_code(const reply *r)
{
    bt_error_msg e;
    CHECK_EQ_U(r->h.type, BT_MSG_ERROR);
    CHECK(bt_error_decode(r->payload, r->h.length, &e));
    return e.code;
}

static void hello(uint16_t seq)
{
    uint8_t payload[64];
    bt_writer w = bt_writer_make(payload, sizeof payload);
    bt_hello h = {BT_PROTO_MAJOR, BT_PROTO_MINOR, 65536u, {"test", 4}};
    bt_hello_encode(&w, &h);
    add_frame(BT_PROTO_MAJOR, BT_MSG_HELLO, seq, payload, w.pos);
}

static void handshake_and_ping(void)
{
    hello(1);
    static uint8_t big[BT_DEVICE_MAX_PAYLOAD];
    uint32_t seed = 7u;
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = (uint8_t)bt_test_rand(&seed);
    }
    add_frame(BT_PROTO_MAJOR, BT_MSG_PING, 2, big, sizeof big);
    add_frame(BT_PROTO_MAJOR, BT_MSG_PING, 3, NULL, 0);
    send_all(1); /* byte by byte, as a UART delivers */
    CHECK_EQ_U(take_replies(), 3);
    CHECK_EQ_U(replies[0].h.type, BT_MSG_CAPABILITIES);
    CHECK_EQ_U(replies[0].h.seq, 1);
    CHECK_EQ_U(replies[0].h.credit, 1);
    CHECK_EQ_U(replies[1].h.type, BT_MSG_PONG);
    CHECK_EQ_U(replies[1].h.seq, 2);
    CHECK_EQ_U(replies[1].h.length, sizeof big);
    CHECK(memcmp(replies[1].payload, big, sizeof big) == 0);
    CHECK_EQ_U(replies[2].h.length, 0);
}

static void garbage_then_good(void)
{
    uint8_t junk[300];
    uint32_t seed = 3u;
    for (size_t i = 0; i < sizeof junk; i++) {
        junk[i] = (uint8_t)(1u + bt_test_rand(&seed) % 255u);
    }
    junk[150] = 0; /* one delimiter inside the garbage: one bad frame */
    bt_device_feed(&dev, junk, sizeof junk);
    static const uint8_t delim = 0;
    bt_device_feed(&dev, &delim, 1); /* the tail of the garbage is a second bad frame */
    int n = take_replies();
    CHECK_EQ_U(n, 2);
    for (int i = 0; i < n; i++) {
        uint16_t code = error_code(&replies[i]);
        CHECK(code == BT_ERR_BAD_FRAMING || code == BT_ERR_BAD_CRC);
        CHECK(replies[i].h.flags & BT_FLAG_UNSOLICITED);
        CHECK_EQ_U(replies[i].h.seq, 0);
    }
    add_frame(BT_PROTO_MAJOR, BT_MSG_PING, 10, (const uint8_t *)"ok", 2);
    send_all(7);
    CHECK_EQ_U(take_replies(), 1);
    CHECK_EQ_U(replies[0].h.type, BT_MSG_PONG);
}

static void truncated_frame_then_good(void)
{
    add_frame(BT_PROTO_MAJOR, BT_MSG_PING, 11, (const uint8_t *)"abcdefgh", 8);
    size_t cut = request.n / 2;
    bt_device_feed(&dev, request.data, cut); /* the rest never arrives */
    request.n = 0;
    /* The host's next frame starts with a delimiter, which ends the truncated one. */
    static const uint8_t delim = 0;
    bt_device_feed(&dev, &delim, 1);
    add_frame(BT_PROTO_MAJOR, BT_MSG_PING, 12, (const uint8_t *)"xy", 2);
    send_all(64);
    CHECK_EQ_U(take_replies(), 2);
    uint16_t code = error_code(&replies[0]);
    CHECK(code == BT_ERR_BAD_FRAMING || code == BT_ERR_BAD_CRC);
    CHECK_EQ_U(replies[1].h.type, BT_MSG_PONG);
    CHECK_EQ_U(replies[1].h.seq, 12);
}

static void oversize_frame(void)
{
    static uint8_t huge[BT_DEVICE_MAX_PAYLOAD + 100];
    memset(huge, 0x55, sizeof huge);
    add_frame(BT_PROTO_MAJOR, BT_MSG_PING, 13, huge, sizeof huge);
    add_frame(BT_PROTO_MAJOR, BT_MSG_PING, 14, (const uint8_t *)"z", 1);
    send_all(4096);
    CHECK_EQ_U(take_replies(), 2);
    CHECK_EQ_U(error_code(&replies[0]), BT_ERR_FRAME_TOO_LARGE);
    CHECK_EQ_U(replies[1].h.seq, 14);
}

static void wrong_crc_length_type_version(void)
{
    /* A valid frame with one payload bit flipped after the CRC was computed. */
    uint8_t raw[BT_FRAME_OVERHEAD + 3];
    bt_frame_header ph = {BT_PROTO_MAJOR, BT_MSG_PING, 0, 20, 0, 3};
    bt_frame_header_write(&ph, raw);
    memcpy(raw + BT_FRAME_HEADER_SIZE, "abc", 3);
    bt_writer cw = bt_writer_make(raw + BT_FRAME_HEADER_SIZE + 3, 4);
    bt_wr_u32(&cw, bt_crc32c(raw, BT_FRAME_HEADER_SIZE + 3));
    raw[BT_FRAME_HEADER_SIZE + 1] ^= 0x40;
    request.n = bt_cobs_encode(raw, sizeof raw, request.data, sizeof request.data);
    send_all(1000);
    CHECK_EQ_U(take_replies(), 1);
    CHECK_EQ_U(error_code(&replies[0]), BT_ERR_BAD_CRC);

    add_frame(BT_PROTO_MAJOR, 0x42, 21, NULL, 0);
    send_all(1000);
    CHECK_EQ_U(take_replies(), 1);
    CHECK_EQ_U(error_code(&replies[0]), BT_ERR_UNKNOWN_TYPE);
    CHECK_EQ_U(replies[0].h.seq, 21);

    uint8_t hello_v9[32];
    bt_writer w = bt_writer_make(hello_v9, sizeof hello_v9);
    bt_hello h = {9, 3, 4096u, {"future", 6}};
    bt_hello_encode(&w, &h);
    add_frame(9, BT_MSG_HELLO, 22, hello_v9, w.pos);
    send_all(1000);
    CHECK_EQ_U(take_replies(), 1);
    CHECK_EQ_U(error_code(&replies[0]), BT_ERR_VERSION_MISMATCH);
    bt_error_msg e;
    bt_error_decode(replies[0].payload, replies[0].h.length, &e);
    const char *want = "protocol version mismatch: device 1.1, host 9.3";
    CHECK(e.text.len == strlen(want) && memcmp(e.text.data, want, e.text.len) == 0);

    add_frame(BT_PROTO_MAJOR, BT_MSG_HELLO, 23, (const uint8_t *)"\x01", 1);
    send_all(1000);
    CHECK_EQ_U(take_replies(), 1);
    CHECK_EQ_U(error_code(&replies[0]), BT_ERR_MALFORMED_PAYLOAD);

    CHECK(dev.counters.frames_rejected >= 5);
}

int main(void)
{
    bt_port port = {append, NULL, NULL, &sent};
    bt_device_init(&dev, &port, &info);
    handshake_and_ping();
    garbage_then_good();
    truncated_frame_then_good();
    oversize_frame();
    wrong_crc_length_type_version();
    handshake_and_ping(); /* still serving */
    return bt_test_report("device");
}
