/* Golden vectors of protocol/vectors: decode every frame and compare its fields, build every
 * message from its fields and compare the bytes, and reject every bad frame with its error. */
#include <stdlib.h>
#include <string.h>

#include "bt/device.h"
#include "bt/frame.h"
#include "bt/proto.h"
#include "harness.h"

typedef struct sink_buf {
    uint8_t data[8192];
    size_t n;
} sink_buf;

static void to_sink(void *ctx, const uint8_t *data, size_t len)
{
    sink_buf *s = (sink_buf *)ctx;
    if (len <= sizeof s->data - s->n) {
        memcpy(s->data + s->n, data, len);
        s->n += len;
    }
}

static bool str_eq(bt_str s, const char *expected)
{
    return expected && s.len == strlen(expected) && memcmp(s.data, expected, s.len) == 0;
}

/* Builds the payload a vector describes, from its fields alone. */
static size_t payload_from_fields(const bt_vec *v, uint8_t type, uint8_t *out, size_t cap)
{
    bt_writer w = bt_writer_make(out, cap);
    switch (type) {
    case BT_MSG_HELLO: {
        const char *host = bt_vec_get(v, "payload.host");
        bt_hello h = {(uint16_t)bt_vec_uint(v, "payload.proto_major"), (uint16_t)bt_vec_uint(v, "payload.proto_minor"),
                      (uint32_t)bt_vec_uint(v, "payload.max_payload"), {host, (uint8_t)strlen(host)}};
        bt_hello_encode(&w, &h);
        break;
    }
    case BT_MSG_CAPABILITIES: {
        bt_capabilities c = {0};
        c.proto_major = (uint16_t)bt_vec_uint(v, "payload.proto_major");
        c.proto_minor = (uint16_t)bt_vec_uint(v, "payload.proto_minor");
        c.firmware = bt_vec_get(v, "payload.firmware");
        c.port = bt_vec_get(v, "payload.port");
        c.max_payload = (uint32_t)bt_vec_uint(v, "payload.max_payload");
        c.clock_hz = (uint32_t)bt_vec_uint(v, "payload.clock_hz");
        c.cores = (uint8_t)bt_vec_uint(v, "payload.cores");
        c.features = (uint8_t)bt_vec_uint(v, "payload.features");
        c.rx_credit = (uint16_t)bt_vec_uint(v, "payload.rx_credit");
        c.region_count = (uint8_t)bt_vec_uint(v, "payload.region_count");
        for (uint8_t i = 0; i < c.region_count && i < BT_MAX_REGIONS; i++) {
            char key[64];
            snprintf(key, sizeof key, "payload.regions.%u.name", i);
            c.regions[i].name = bt_vec_get(v, key);
            snprintf(key, sizeof key, "payload.regions.%u.base", i);
            c.regions[i].base = (uint32_t)bt_vec_uint(v, key);
            snprintf(key, sizeof key, "payload.regions.%u.size", i);
            c.regions[i].size = (uint32_t)bt_vec_uint(v, key);
        }
        bt_capabilities_encode(&w, &c);
        break;
    }
    case BT_MSG_PING:
    case BT_MSG_PONG: {
        long n = bt_vec_hex(v, "payload.data", out, cap);
        return n < 0 ? 0u : (size_t)n;
    }
    case BT_MSG_ERROR:
        bt_error_encode(&w, (uint16_t)bt_vec_uint(v, "payload.code"), (uint8_t)bt_vec_uint(v, "payload.request_type"),
                        bt_vec_get(v, "payload.text"));
        break;
    default: CHECK(!"vector of a type this test does not know"); break;
    }
    CHECK(w.ok);
    return w.pos;
}

static void check_decoded_fields(const bt_vec *v, uint8_t type, const uint8_t *payload, uint32_t len)
{
    if (type == BT_MSG_HELLO) {
        bt_hello h;
        CHECK(bt_hello_decode(payload, len, &h));
        CHECK_EQ_U(h.proto_major, bt_vec_uint(v, "payload.proto_major"));
        CHECK_EQ_U(h.proto_minor, bt_vec_uint(v, "payload.proto_minor"));
        CHECK_EQ_U(h.max_payload, bt_vec_uint(v, "payload.max_payload"));
        CHECK(str_eq(h.host, bt_vec_get(v, "payload.host")));
    } else if (type == BT_MSG_ERROR) {
        bt_error_msg e;
        CHECK(bt_error_decode(payload, len, &e));
        CHECK_EQ_U(e.code, bt_vec_uint(v, "payload.code"));
        CHECK_EQ_U(e.request_type, bt_vec_uint(v, "payload.request_type"));
        CHECK(str_eq(e.text, bt_vec_get(v, "payload.text")));
    }
}

static uint16_t error_by_name(const char *name)
{
    for (uint16_t code = 1; code <= BT_ERR_INTERNAL; code++) {
        if (strcmp(bt_error_name(code), name) == 0) {
            return code;
        }
    }
    return 0xFFFFu;
}

/* A bad frame goes to a device, which must answer ERROR with the expected code. */
static void check_device_rejects(const bt_vec *v, const uint8_t *wire, size_t len, uint16_t expected)
{
    static const bt_region regions[] = {{"L2", 0x1C000000u, 1572864u}};
    static const bt_device_info info = {"test", 370000000u, 1u, 0u, 1u, regions};
    static bt_device dev;
    static sink_buf out;
    out.n = 0;
    bt_port port = {to_sink, NULL, NULL, &out};
    bt_device_init(&dev, &port, &info);
    bt_device_feed(&dev, wire, len);

    static uint8_t buf[BT_FRAME_RX_BUFFER_SIZE(1024)];
    bt_frame_receiver rx;
    bt_frame_receiver_init(&rx, buf, sizeof buf);
    bt_rx_result r;
    bt_frame_receiver_feed(&rx, out.data, out.n, BT_PROTO_MAJOR, &r);
    bt_error_msg e = {0, 0, {NULL, 0}};
    bool is_error = r.status == BT_RX_FRAME && r.header.type == BT_MSG_ERROR &&
                    bt_error_decode(r.payload, r.header.length, &e);
    if (!is_error || e.code != expected) {
        fprintf(stderr, "%s: device answered %s, want ERROR %s\n", v->name,
                is_error ? bt_error_name(e.code) : "no ERROR", bt_error_name(expected));
    }
    CHECK(is_error && e.code == expected);
}

static void check_vector(const bt_vec *v, void *ctx)
{
    int *count = (int *)ctx;
    (*count)++;
    static uint8_t wire[8192];
    static uint8_t rxbuf[BT_FRAME_RX_BUFFER_SIZE(4096)];
    long wire_len = bt_vec_hex(v, "frame", wire, sizeof wire);
    CHECK(wire_len > 0);
    if (wire_len <= 0) {
        return;
    }

    bt_frame_receiver rx;
    bt_frame_receiver_init(&rx, rxbuf, sizeof rxbuf);
    bt_rx_result r;
    size_t used = bt_frame_receiver_feed(&rx, wire, (size_t)wire_len, 0u, &r);
    CHECK_EQ_U(used, (size_t)wire_len);

    const char *expect_error = bt_vec_get(v, "expect_error");
    if (expect_error) {
        check_device_rejects(v, wire, (size_t)wire_len, error_by_name(expect_error));
        return;
    }

    if (r.status != BT_RX_FRAME) {
        fprintf(stderr, "%s: rejected with %s\n", v->name, bt_error_name(r.error));
        CHECK(r.status == BT_RX_FRAME);
        return;
    }
    uint8_t type = (uint8_t)bt_vec_uint(v, "type");
    CHECK_EQ_U(r.header.version, bt_vec_uint(v, "version"));
    CHECK_EQ_U(r.header.type, type);
    CHECK_EQ_U(r.header.flags, bt_vec_uint(v, "flags"));
    CHECK_EQ_U(r.header.seq, bt_vec_uint(v, "seq"));
    CHECK_EQ_U(r.header.credit, bt_vec_uint(v, "credit"));
    check_decoded_fields(v, type, r.payload, r.header.length);

    static uint8_t payload[4096];
    size_t plen = payload_from_fields(v, type, payload, sizeof payload);
    CHECK_EQ_U(plen, r.header.length);
    CHECK(plen == r.header.length && memcmp(payload, r.payload, plen) == 0);

    /* Encode from the fields, sending the payload in two parts to exercise the split. */
    static sink_buf out;
    out.n = 0;
    bt_frame_header h = {(uint8_t)bt_vec_uint(v, "version"), type, (uint8_t)bt_vec_uint(v, "flags"),
                         (uint16_t)bt_vec_uint(v, "seq"), (uint16_t)bt_vec_uint(v, "credit"), 0};
    size_t split = plen / 3u;
    bt_frame_send(to_sink, &out, &h, payload, split, payload + split, plen - split);
    CHECK_EQ_U(out.n, (size_t)wire_len);
    if (out.n != (size_t)wire_len || memcmp(out.data, wire, out.n) != 0) {
        fprintf(stderr, "%s: encoded bytes differ from the golden frame\n", v->name);
        CHECK(!"encoded frame matches");
    }
}

int main(void)
{
    int count = 0;
    int files = bt_vec_each(check_vector, &count);
    CHECK(files >= 15);
    CHECK_EQ_U(files, count);
    printf("checked %d vectors\n", files);
    return bt_test_report("vectors");
}
