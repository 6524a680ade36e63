/* Golden vectors of protocol/vectors: decode every frame and compare its fields, build every
 * message from its fields and compare the bytes, and reject every bad frame with its error. */
#include <stdlib.h>
#include <string.h>

#include "bt/device.h"
#include "bt/ring.h"
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

static float vf(const bt_vec *v, const char *key)
{
    const char *text = bt_vec_get(v, key);
    return text ? (float)strtod(text, NULL) : 0.0f;
}

static uint32_t vu(const bt_vec *v, const char *key) { return (uint32_t)bt_vec_uint(v, key); }

static uint64_t vu64(const bt_vec *v, const char *key)
{
    const char *text = bt_vec_get(v, key);
    return text ? strtoull(text, NULL, 0) : 0u;
}

static void put_hex(bt_writer *w, const bt_vec *v, const char *key)
{
    static uint8_t bytes[8192];
    long n = bt_vec_hex(v, key, bytes, sizeof bytes);
    CHECK(n >= 0);
    if (n > 0) {
        bt_wr_bytes(w, bytes, (size_t)n);
    }
}

static void config_from_fields(const bt_vec *v, bt_wire_config *c)
{
    memset(c, 0, sizeof *c);
    c->optimizer = (uint8_t)vu(v, "payload.optimizer");
    c->norm_mode = (uint8_t)vu(v, "payload.norm_mode");
    c->scope = (uint8_t)vu(v, "payload.scope");
    c->learning_rate = vf(v, "payload.learning_rate");
    c->momentum = vf(v, "payload.momentum");
    c->weight_decay = vf(v, "payload.weight_decay");
    c->beta1 = vf(v, "payload.beta1");
    c->beta2 = vf(v, "payload.beta2");
    c->eps = vf(v, "payload.eps");
    c->batch_size = (uint16_t)vu(v, "payload.batch_size");
    c->norm_groups = (uint16_t)vu(v, "payload.norm_groups");
    c->bn_momentum = vf(v, "payload.bn_momentum");
    c->layer_count = (uint8_t)vu(v, "payload.layer_count");
    bt_vec_hex(v, "payload.layer_scope", c->layer_scope, sizeof c->layer_scope);
}

/* A SAMPLES_APPEND payload (also PREDICT's tail) from its fields. */
static void put_samples(bt_writer *w, const bt_vec *v)
{
    bt_wr_u8(w, (uint8_t)vu(v, "payload.format"));
    bt_wr_u8(w, 0u);
    bt_wr_u16(w, (uint16_t)vu(v, "payload.count"));
    put_hex(w, v, "payload.scales");
    put_hex(w, v, "payload.data");
}

/* Builds the payload a vector describes, from its fields alone. */
static size_t payload_from_fields(const bt_vec *v, uint8_t type, uint8_t *out, size_t cap)
{
    bt_writer w = bt_writer_make(out, cap);
    char key[64];
    switch (type) {
    case BT_MSG_HELLO: {
        const char *host = bt_vec_get(v, "payload.host");
        bt_hello h = {(uint16_t)vu(v, "payload.proto_major"), (uint16_t)vu(v, "payload.proto_minor"),
                      vu(v, "payload.max_payload"), {host, (uint8_t)strlen(host)}};
        bt_hello_encode(&w, &h);
        break;
    }
    case BT_MSG_CAPABILITIES: {
        bt_capabilities c;
        memset(&c, 0, sizeof c);
        c.proto_major = (uint16_t)vu(v, "payload.proto_major");
        c.proto_minor = (uint16_t)vu(v, "payload.proto_minor");
        c.firmware = bt_vec_get(v, "payload.firmware");
        c.port = bt_vec_get(v, "payload.port");
        c.max_payload = vu(v, "payload.max_payload");
        c.clock_hz = vu(v, "payload.clock_hz");
        c.cores = (uint8_t)vu(v, "payload.cores");
        c.features = (uint8_t)vu(v, "payload.features");
        c.rx_credit = (uint16_t)vu(v, "payload.rx_credit");
        c.region_count = (uint8_t)vu(v, "payload.region_count");
        for (uint8_t i = 0; i < c.region_count && i < BT_MAX_REGIONS; i++) {
            snprintf(key, sizeof key, "payload.regions.%u.name", i);
            c.regions[i].name = bt_vec_get(v, key);
            snprintf(key, sizeof key, "payload.regions.%u.base", i);
            c.regions[i].base = vu(v, key);
            snprintf(key, sizeof key, "payload.regions.%u.size", i);
            c.regions[i].size = vu(v, key);
        }
        c.arena_bytes = vu(v, "payload.arena_bytes");
        bt_capabilities_encode(&w, &c);
        break;
    }
    case BT_MSG_PING:
    case BT_MSG_PONG: put_hex(&w, v, "payload.data"); break;
    case BT_MSG_ERROR:
        bt_error_encode(&w, (uint16_t)vu(v, "payload.code"), (uint8_t)vu(v, "payload.request_type"),
                        bt_vec_get(v, "payload.text"));
        break;
    case BT_MSG_STATS:
    case BT_MSG_RESET_DONE:
    case BT_MSG_MODEL_READY: break;
    case BT_MSG_RESET: bt_wr_u8(&w, (uint8_t)vu(v, "payload.what")); break;
    case BT_MSG_STATS_REPLY: {
        bt_stats_msg m = {vu64(v, "payload.uptime_us"), vu(v, "payload.arena_bytes"), vu(v, "payload.peak_bytes"),
                          (uint8_t)vu(v, "payload.model_loaded"), vu(v, "payload.frames_ok"),
                          vu(v, "payload.frames_rejected"), vu(v, "payload.errors_sent"), vu(v, "payload.duplicates"),
                          vu(v, "payload.batches"), vu(v, "payload.samples"), vu(v, "payload.steps"),
                          vu64(v, "payload.instructions"), vu(v, "payload.params_crc")};
        bt_stats_encode(&w, &m);
        break;
    }
    case BT_MSG_MODEL_BEGIN:
        bt_wr_u32(&w, vu(v, "payload.size"));
        bt_wr_u32(&w, vu(v, "payload.crc"));
        break;
    case BT_MSG_MODEL_CHUNK:
    case BT_MSG_WEIGHTS_WRITE:
        bt_wr_u32(&w, vu(v, "payload.offset"));
        put_hex(&w, v, "payload.bytes");
        break;
    case BT_MSG_CHUNK_ACK:
    case BT_MSG_WEIGHTS_ACK: bt_wr_u32(&w, vu(v, "payload.received")); break;
    case BT_MSG_MODEL_COMMIT:
    case BT_MSG_CONFIGURE: {
        bt_wire_config c;
        config_from_fields(v, &c);
        bt_wire_config_encode(&w, &c);
        break;
    }
    case BT_MSG_MODEL_PLAN:
    case BT_RESPONSE(BT_MSG_CONFIGURE): {
        bt_model_plan_msg m = {vu(v, "payload.arena_bytes"), vu(v, "payload.peak_bytes"), vu(v, "payload.naive_bytes"),
                               vu(v, "payload.weight_bytes"), vu(v, "payload.grad_bytes"), vu(v, "payload.optim_bytes"),
                               vu(v, "payload.activation_bytes"), vu(v, "payload.param_count"),
                               vu(v, "payload.trainable_count"), vu64(v, "payload.macs_forward"),
                               vu(v, "payload.input_values"), (uint16_t)vu(v, "payload.classes"),
                               (uint16_t)vu(v, "payload.batch_resident"), vu(v, "payload.model_crc"),
                               vu(v, "payload.ring_bytes")};
        bt_model_plan_encode(&w, &m);
        break;
    }
    case BT_MSG_BATCH_BEGIN:
        bt_wr_u32(&w, vu(v, "payload.batch_id"));
        bt_wr_u8(&w, (uint8_t)vu(v, "payload.mode"));
        bt_wr_u8(&w, 0u);
        bt_wr_u16(&w, (uint16_t)vu(v, "payload.count"));
        break;
    case BT_MSG_BATCH_READY:
        bt_wr_u32(&w, vu(v, "payload.batch_id"));
        bt_wr_u32(&w, vu(v, "payload.sample_bytes"));
        break;
    case BT_MSG_SAMPLE:
        bt_wr_u32(&w, vu(v, "payload.batch_id"));
        bt_wr_u16(&w, (uint16_t)vu(v, "payload.index"));
        bt_wr_u16(&w, (uint16_t)vu(v, "payload.label"));
        bt_wr_u32(&w, vu(v, "payload.offset"));
        put_hex(&w, v, "payload.bytes");
        break;
    case BT_MSG_SAMPLE_ACK:
        bt_wr_u32(&w, vu(v, "payload.batch_id"));
        bt_wr_u16(&w, (uint16_t)vu(v, "payload.index"));
        bt_wr_u8(&w, (uint8_t)vu(v, "payload.complete"));
        bt_wr_u8(&w, 0u);
        bt_wr_u32(&w, vu(v, "payload.received"));
        if (vu(v, "payload.complete")) {
            bt_wr_f32(&w, vf(v, "payload.loss"));
            bt_wr_u16(&w, (uint16_t)vu(v, "payload.predicted"));
            bt_wr_u64(&w, vu64(v, "payload.instructions"));
            uint16_t n = (uint16_t)vu(v, "payload.prob_count");
            bt_wr_u16(&w, n);
            for (uint16_t i = 0; i < n; i++) {
                snprintf(key, sizeof key, "payload.probs.%u", i);
                bt_wr_f32(&w, vf(v, key));
            }
        }
        break;
    case BT_MSG_BATCH_END: bt_wr_u32(&w, vu(v, "payload.batch_id")); break;
    case BT_MSG_PREDICT:
        bt_wr_u8(&w, (uint8_t)vu(v, "payload.flags"));
        put_samples(&w, v);
        break;
    case BT_MSG_SAMPLES_APPEND: put_samples(&w, v); break;
    case BT_MSG_RING_STATE:
        bt_wr_u32(&w, vu(v, "payload.filled"));
        bt_wr_u64(&w, vu64(v, "payload.total"));
        break;
    case BT_MSG_PREDICTION: {
        uint16_t n = (uint16_t)vu(v, "payload.prob_count");
        bt_wr_u16(&w, (uint16_t)vu(v, "payload.predicted"));
        bt_wr_u16(&w, n);
        bt_wr_u32(&w, vu(v, "payload.filled"));
        bt_wr_u64(&w, vu64(v, "payload.total"));
        bt_wr_u64(&w, vu64(v, "payload.instructions"));
        bt_wr_u64(&w, vu64(v, "payload.macs"));
        bt_wr_u64(&w, vu64(v, "payload.est_cycles"));
        bt_wr_u32(&w, vu(v, "payload.est_energy_uj"));
        for (uint16_t i = 0; i < n; i++) {
            snprintf(key, sizeof key, "payload.probs.%u", i);
            bt_wr_f32(&w, vf(v, key));
        }
        CHECK_EQ_U(bt_estimate_cycles(vu64(v, "payload.macs")), vu64(v, "payload.est_cycles"));
        CHECK_EQ_U(bt_estimate_energy_uj(vu64(v, "payload.est_cycles")), vu(v, "payload.est_energy_uj"));
        break;
    }
    case BT_MSG_BATCH_RESULT: {
        static uint16_t confusion[BT_DEVICE_MAX_CLASSES * BT_DEVICE_MAX_CLASSES];
        uint16_t k = (uint16_t)vu(v, "payload.classes");
        for (uint32_t i = 0; i < (uint32_t)k * k; i++) {
            snprintf(key, sizeof key, "payload.confusion.%lu", (unsigned long)i);
            confusion[i] = (uint16_t)vu(v, key);
        }
        bt_batch_result_msg m = {vu(v, "payload.batch_id"), (uint8_t)vu(v, "payload.mode"),
                                 (uint16_t)vu(v, "payload.count"), vf(v, "payload.loss_mean"),
                                 (uint16_t)vu(v, "payload.correct"), k, vu64(v, "payload.instructions"),
                                 vu64(v, "payload.macs"), vu64(v, "payload.est_cycles"), vu(v, "payload.est_energy_uj"),
                                 vu(v, "payload.step"), vu(v, "payload.params_crc"), confusion};
        bt_batch_result_encode(&w, &m);
        /* The estimate model of SPEC.md 8 gives the vector's figures from its MACs. */
        CHECK_EQ_U(bt_estimate_cycles(m.macs), m.est_cycles);
        CHECK_EQ_U(bt_estimate_energy_uj(m.est_cycles), m.est_energy_uj);
        break;
    }
    case BT_MSG_WEIGHTS_READ:
        bt_wr_u32(&w, vu(v, "payload.offset"));
        bt_wr_u32(&w, vu(v, "payload.length"));
        break;
    case BT_MSG_WEIGHTS_DATA:
        bt_wr_u32(&w, vu(v, "payload.offset"));
        bt_wr_u32(&w, vu(v, "payload.total"));
        bt_wr_u32(&w, vu(v, "payload.crc"));
        put_hex(&w, v, "payload.bytes");
        break;
    case BT_MSG_WEIGHTS_COMMIT: bt_wr_u32(&w, vu(v, "payload.crc")); break;
    case BT_MSG_WEIGHTS_DONE: bt_wr_u32(&w, vu(v, "payload.params_crc")); break;
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
    } else if (type == BT_MSG_MODEL_COMMIT || type == BT_MSG_CONFIGURE) {
        bt_wire_config got;
        bt_wire_config want;
        CHECK(bt_wire_config_decode(payload, len, &got));
        config_from_fields(v, &want);
        CHECK(got.learning_rate == want.learning_rate && got.eps == want.eps && got.beta2 == want.beta2);
        CHECK_EQ_U(got.batch_size, want.batch_size);
        CHECK_EQ_U(got.layer_count, want.layer_count);
        CHECK(memcmp(got.layer_scope, want.layer_scope, want.layer_count) == 0);
    } else if (type == BT_MSG_SAMPLES_APPEND || type == BT_MSG_PREDICT) {
        /* The vectors' rings have 2 rows; the parser must take exactly what the fields say. */
        size_t skip = type == BT_MSG_PREDICT ? 1u : 0u;
        bt_samples a;
        const char *why = "";
        CHECK(bt_ring_append_parse(payload + skip, len - skip, 2u, &a, &why));
        CHECK_EQ_U(a.format, bt_vec_uint(v, "payload.format"));
        CHECK_EQ_U(a.count, bt_vec_uint(v, "payload.count"));
        CHECK(!bt_ring_append_parse(payload + skip, len - skip, 3u, &a, &why)); /* wrong row count: refused */
    } else if (type == BT_MSG_SAMPLE) {
        bt_sample_msg s;
        CHECK(bt_sample_decode(payload, len, &s));
        CHECK_EQ_U(s.batch_id, bt_vec_uint(v, "payload.batch_id"));
        CHECK_EQ_U(s.index, bt_vec_uint(v, "payload.index"));
        CHECK_EQ_U(s.label, bt_vec_uint(v, "payload.label"));
        CHECK_EQ_U(s.offset, bt_vec_uint(v, "payload.offset"));
        CHECK_EQ_U(s.len * 2u, strlen(bt_vec_get(v, "payload.bytes")));
    }
}

static uint16_t error_by_name(const char *name)
{
    for (uint16_t code = 1; code <= BT_ERR_NON_FINITE; code++) {
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
    static const bt_device_info info = {"test", 370000000u, 1u, 0u, 1u, regions, NULL, 0u};
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
    static uint8_t rxbuf[BT_FRAME_RX_BUFFER_SIZE(BT_DEVICE_MAX_PAYLOAD)];
    long wire_len = bt_vec_hex(v, "frame", wire, sizeof wire);
    CHECK(wire_len > 0);
    if (wire_len <= 0) {
        return;
    }

    bt_frame_receiver rx;
    bt_frame_receiver_init(&rx, rxbuf, sizeof rxbuf);
    bt_rx_result r;
    size_t used = bt_frame_receiver_feed(&rx, wire, (size_t)wire_len, BT_PROTO_MAJOR, &r);
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
    CHECK(files >= 39);
    CHECK_EQ_U(files, count);
    printf("checked %d vectors\n", files);
    return bt_test_report("vectors");
}
