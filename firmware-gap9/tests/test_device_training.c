/* The v1 protocol on the device end: model upload, planning, batches, weights, statistics, and
 * duplicate suppression (a retransmitted request is answered again, never executed twice). */
#include <stdlib.h>
#include <string.h>

#include "bt/crc32c.h"
#include "bt/device.h"
#include "bt/ring.h"
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

static bytes sent;
static _Alignas(16) uint8_t arena[BT_ARENA_BYTES];
static const bt_region regions[] = {{"L2", 0x1C000000u, 1572864u}};
static const bt_device_info info = {"test", 370000000u, 1u, 0u, 1u, regions, arena, BT_ARENA_BYTES};
static bt_device dev;
static uint16_t seq;

typedef struct reply {
    bt_frame_header h;
    uint8_t payload[BT_DEVICE_MAX_PAYLOAD];
} reply;

static reply last;

/* Sends one request (optionally as a retransmission of seq `again`) and parses the one reply. */
static const reply *request_seq(uint16_t s, uint8_t type, const uint8_t *payload, size_t len)
{
    static bytes req;
    req.n = 0;
    bt_frame_header h = {BT_PROTO_MAJOR, type, 0, s, 0, 0};
    bt_frame_send(append, &req, &h, payload, len, NULL, 0);
    bt_device_feed(&dev, req.data, req.n);
    static uint8_t buf[BT_FRAME_RX_BUFFER_SIZE(BT_DEVICE_MAX_PAYLOAD)];
    bt_frame_receiver rx;
    bt_frame_receiver_init(&rx, buf, sizeof buf);
    bt_rx_result r;
    size_t used = bt_frame_receiver_feed(&rx, sent.data, sent.n, BT_PROTO_MAJOR, &r);
    CHECK(r.status == BT_RX_FRAME);
    CHECK_EQ_U(used, sent.n); /* exactly one reply */
    sent.n = 0;
    memset(&last, 0, sizeof last);
    if (r.status == BT_RX_FRAME) {
        last.h = r.header;
        memcpy(last.payload, r.payload, r.header.length);
    }
    return &last;
}

static const reply *request(uint8_t type, const uint8_t *payload, size_t len)
{
    return request_seq(++seq, type, payload, len);
}

static uint16_t error_of(const reply *r)
{
    bt_error_msg e;
    if (r->h.type != BT_MSG_ERROR || !bt_error_decode(r->payload, r->h.length, &e)) {
        return 0;
    }
    return e.code;
}

static uint32_t u32_at(const reply *r, size_t off)
{
    bt_reader rd = bt_reader_make(r->payload + off, 4);
    return bt_rd_u32(&rd);
}

static uint8_t blob[64 * 1024];
static size_t blob_len;

static void upload(uint16_t batch, uint8_t norm_mode, uint8_t optimizer)
{
    uint8_t p[64];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, (uint32_t)blob_len);
    bt_wr_u32(&w, bt_crc32c(blob, blob_len));
    CHECK_EQ_U(request(BT_MSG_MODEL_BEGIN, p, w.pos)->h.type, BT_MSG_MODEL_READY);
    static uint8_t chunk[4 + 3000];
    for (size_t off = 0; off < blob_len; off += 3000) {
        size_t n = blob_len - off < 3000 ? blob_len - off : 3000;
        bt_writer cw = bt_writer_make(chunk, sizeof chunk);
        bt_wr_u32(&cw, (uint32_t)off);
        bt_wr_bytes(&cw, blob + off, n);
        const reply *r = request(BT_MSG_MODEL_CHUNK, chunk, cw.pos);
        CHECK_EQ_U(r->h.type, BT_MSG_CHUNK_ACK);
        CHECK_EQ_U(u32_at(r, 0), off + n);
    }
    bt_wire_config c;
    memset(&c, 0, sizeof c);
    c.optimizer = optimizer;
    c.norm_mode = norm_mode;
    c.scope = 1;
    c.learning_rate = 0.01f;
    c.momentum = 0.9f;
    c.beta1 = 0.9f;
    c.beta2 = 0.999f;
    c.eps = 1e-8f;
    c.batch_size = batch;
    c.bn_momentum = 0.1f;
    bt_writer cw = bt_writer_make(p, sizeof p);
    bt_wire_config_encode(&cw, &c);
    const reply *r = request(BT_MSG_MODEL_COMMIT, p, cw.pos);
    CHECK_EQ_U(r->h.type, BT_MSG_MODEL_PLAN);
    CHECK(u32_at(r, 4) > 0u && u32_at(r, 4) <= u32_at(r, 0)); /* peak within the arena */
    CHECK(u32_at(r, 8) >= u32_at(r, 4));                      /* naive >= planned */
}

static float sample_values[2 * 1000];

static void make_sample(uint32_t k, uint16_t label)
{
    for (uint32_t i = 0; i < 2000u; i++) {
        /* class-dependent ramps so that training has something to learn */
        sample_values[i] = (float)((int)((i * 7u + k * 13u) % 17u) - 8) * 0.05f + (float)label * 0.1f;
    }
}

/* Sends a sample in two chunks; returns the reply to the last one. */
static const reply *send_sample(uint32_t batch_id, uint16_t index, uint16_t label, uint16_t *last_seq)
{
    static uint8_t p[12 + 4096];
    const uint8_t *bytes_in = (const uint8_t *)sample_values;
    const reply *r = NULL;
    for (uint32_t off = 0; off < 8000u; off += 4000u) {
        bt_writer w = bt_writer_make(p, sizeof p);
        bt_wr_u32(&w, batch_id);
        bt_wr_u16(&w, index);
        bt_wr_u16(&w, label);
        bt_wr_u32(&w, off);
        bt_wr_bytes(&w, bytes_in + off, 4000u);
        r = request(BT_MSG_SAMPLE, p, w.pos);
        CHECK_EQ_U(r->h.type, BT_MSG_SAMPLE_ACK);
        CHECK_EQ_U(r->payload[6], off + 4000u == 8000u ? 1u : 0u);
    }
    *last_seq = seq;
    return r;
}

static void begin_batch(uint32_t id, uint8_t mode, uint16_t count)
{
    uint8_t p[8];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, id);
    bt_wr_u8(&w, mode);
    bt_wr_u8(&w, 0u);
    bt_wr_u16(&w, count);
    const reply *r = request(BT_MSG_BATCH_BEGIN, p, w.pos);
    CHECK_EQ_U(r->h.type, BT_MSG_BATCH_READY);
    CHECK_EQ_U(u32_at(r, 4), 8000u);
}

static uint32_t end_batch(uint32_t id, uint16_t *end_seq)
{
    uint8_t p[4];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, id);
    const reply *r = request(BT_MSG_BATCH_END, p, w.pos);
    *end_seq = seq;
    CHECK_EQ_U(r->h.type, BT_MSG_BATCH_RESULT);
    return u32_at(r, 48); /* params_crc: 4+1+1+2+4+2+2+8+8+8+4+4 = 48 */
}

static void training_and_duplicates(void)
{
    upload(4, 0 /* group norm */, 0);
    uint32_t crc0 = dev.engine.loaded ? bt_engine_params_crc(&dev.engine) : 0u;
    begin_batch(1, 0, 4);
    uint16_t sample_seq = 0;
    for (uint16_t i = 0; i < 4; i++) {
        make_sample(i, (uint16_t)(i % 3u));
        send_sample(1, i, (uint16_t)(i % 3u), &sample_seq);
    }
    CHECK_EQ_U(dev.engine.pending, 4u);
    /* A retransmitted last SAMPLE is answered again and not run again. */
    uint32_t dups = dev.counters.duplicates;
    static uint8_t p[12 + 4096];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, 1u);
    bt_wr_u16(&w, 3u);
    bt_wr_u16(&w, 0u);
    bt_wr_u32(&w, 4000u);
    bt_wr_bytes(&w, (const uint8_t *)sample_values + 4000, 4000u);
    const reply *r = request_seq(sample_seq, BT_MSG_SAMPLE, p, w.pos);
    CHECK_EQ_U(r->h.type, BT_MSG_SAMPLE_ACK);
    CHECK_EQ_U(dev.counters.duplicates, dups + 1u);
    CHECK_EQ_U(dev.engine.pending, 4u);

    uint16_t end_seq;
    uint32_t crc1 = end_batch(1, &end_seq);
    CHECK(crc1 != crc0); /* the step changed the weights */
    CHECK_EQ_U(dev.engine.steps, 1u);
    /* A retransmitted BATCH_END does not step again. */
    uint8_t e[4] = {1, 0, 0, 0};
    r = request_seq(end_seq, BT_MSG_BATCH_END, e, 4);
    CHECK_EQ_U(r->h.type, BT_MSG_BATCH_RESULT);
    CHECK_EQ_U(u32_at(r, 48), crc1);
    CHECK_EQ_U(dev.engine.steps, 1u);
    /* BATCH_END again with a new seq is refused: the batch is over. */
    CHECK_EQ_U(error_of(request(BT_MSG_BATCH_END, e, 4)), BT_ERR_NOT_READY);
}

static void abandoned_batch_leaves_no_gradient(void)
{
    begin_batch(2, 0, 4);
    uint16_t s;
    make_sample(1, 1);
    send_sample(2, 0, 1, &s);
    CHECK_EQ_U(dev.engine.pending, 1u);
    begin_batch(3, 1, 2); /* abandons batch 2 */
    CHECK_EQ_U(dev.engine.pending, 0u);
    for (uint16_t i = 0; i < 2; i++) {
        make_sample(i, 2);
        send_sample(3, i, 2, &s);
    }
    uint32_t before = bt_engine_params_crc(&dev.engine);
    uint16_t end_seq;
    CHECK_EQ_U(end_batch(3, &end_seq), before); /* evaluate changes nothing */
}

static void protocol_errors(void)
{
    static uint8_t p[64];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, 99u);
    bt_wr_u16(&w, 0u);
    bt_wr_u16(&w, 0u);
    bt_wr_u32(&w, 0u);
    CHECK_EQ_U(error_of(request(BT_MSG_SAMPLE, p, w.pos)), BT_ERR_NOT_READY); /* no such batch */
    begin_batch(4, 0, 2);
    w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, 4u);
    bt_wr_u16(&w, 1u); /* out of order */
    bt_wr_u16(&w, 0u);
    bt_wr_u32(&w, 0u);
    CHECK_EQ_U(error_of(request(BT_MSG_SAMPLE, p, w.pos)), BT_ERR_NOT_READY);
    w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, 4u);
    bt_wr_u16(&w, 0u);
    bt_wr_u16(&w, 77u); /* label out of range */
    bt_wr_u32(&w, 0u);
    bt_wr_u32(&w, 0u);
    CHECK_EQ_U(error_of(request(BT_MSG_SAMPLE, p, w.pos)), BT_ERR_MALFORMED_PAYLOAD);
    w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, 4u);
    bt_wr_u16(&w, 0u);
    bt_wr_u16(&w, 0u);
    bt_wr_u32(&w, 400u); /* gap */
    bt_wr_u32(&w, 0u);
    CHECK_EQ_U(error_of(request(BT_MSG_SAMPLE, p, w.pos)), BT_ERR_NOT_READY);
    uint8_t e[4] = {4, 0, 0, 0};
    CHECK_EQ_U(error_of(request(BT_MSG_BATCH_END, e, 4)), BT_ERR_NOT_READY); /* incomplete */
    begin_batch(5, 0, 1);
    uint8_t too_many[8] = {6, 0, 0, 0, 0, 0, 9, 0}; /* train batch of 9 > batch size 4 */
    CHECK_EQ_U(error_of(request(BT_MSG_BATCH_BEGIN, too_many, 8)), BT_ERR_MALFORMED_PAYLOAD);
    uint8_t chunk[8] = {0, 0, 0, 0, 1, 2, 3, 4};
    w = bt_writer_make(p, sizeof p);
    CHECK_EQ_U(error_of(request(BT_MSG_MODEL_CHUNK, chunk, sizeof chunk)), BT_ERR_NOT_READY); /* no MODEL_BEGIN */
}

static void weights_round_trip(void)
{
    uint32_t total = 4u * bt_engine_param_count(&dev.engine);
    static uint8_t weights[64 * 1024];
    static uint8_t p[16];
    uint32_t got = 0;
    uint32_t crc = 0;
    while (got < total) {
        bt_writer w = bt_writer_make(p, sizeof p);
        bt_wr_u32(&w, got);
        bt_wr_u32(&w, 1000u);
        const reply *r = request(BT_MSG_WEIGHTS_READ, p, w.pos);
        CHECK_EQ_U(r->h.type, BT_MSG_WEIGHTS_DATA);
        CHECK_EQ_U(u32_at(r, 4), total);
        crc = u32_at(r, 8);
        uint32_t n = r->h.length - 12u;
        CHECK(n > 0u && n <= 1000u);
        memcpy(weights + got, r->payload + 12, n);
        got += n;
    }
    CHECK_EQ_U(bt_crc32c(weights, total), crc);

    /* Change every weight, write them back, check, and restore. */
    static uint8_t changed[64 * 1024];
    memcpy(changed, weights, total);
    for (uint32_t i = 0; i < total; i += 4) {
        changed[i + 3] ^= 0x01; /* sign-adjacent bit of each float */
    }
    static uint8_t chunk[4 + 2048];
    for (uint32_t off = 0; off < total; off += 2048) {
        uint32_t n = total - off < 2048 ? total - off : 2048;
        bt_writer w = bt_writer_make(chunk, sizeof chunk);
        bt_wr_u32(&w, off);
        bt_wr_bytes(&w, changed + off, n);
        CHECK_EQ_U(request(BT_MSG_WEIGHTS_WRITE, chunk, w.pos)->h.type, BT_MSG_WEIGHTS_ACK);
    }
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, bt_crc32c(changed, total) ^ 1u); /* wrong CRC: refused, weights unchanged */
    CHECK_EQ_U(error_of(request(BT_MSG_WEIGHTS_COMMIT, p, w.pos)), BT_ERR_MALFORMED_PAYLOAD);
    CHECK_EQ_U(bt_engine_params_crc(&dev.engine), crc);
    w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, bt_crc32c(changed, total));
    const reply *r = request(BT_MSG_WEIGHTS_COMMIT, p, w.pos);
    CHECK_EQ_U(r->h.type, BT_MSG_WEIGHTS_DONE);
    CHECK_EQ_U(u32_at(r, 0), bt_crc32c(changed, total));
}

static void stats_reset_and_no_memory(void)
{
    const reply *r = request(BT_MSG_STATS, NULL, 0);
    CHECK_EQ_U(r->h.type, BT_MSG_STATS_REPLY);
    CHECK_EQ_U(r->payload[16], 1u);        /* model loaded */
    CHECK(u32_at(r, 28) >= 1u);            /* duplicates seen */
    uint8_t zero = 0;
    CHECK_EQ_U(request(BT_MSG_RESET, &zero, 1)->h.type, BT_MSG_RESET_DONE);
    CHECK(!dev.engine.loaded);
    uint8_t p[8];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, 0u);
    bt_wr_u32(&w, 0u);
    CHECK_EQ_U(error_of(request(BT_MSG_WEIGHTS_READ, p, w.pos)), BT_ERR_NOT_READY);
    w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, BT_ARENA_BYTES); /* a blob as large as the arena */
    bt_wr_u32(&w, 0u);
    r = request(BT_MSG_MODEL_BEGIN, p, w.pos);
    CHECK_EQ_U(error_of(r), BT_ERR_NO_MEMORY);
}

static void plan_that_does_not_fit_names_the_shortfall(void)
{
    /* MI-BMInet with batch norm on batch statistics and a batch of 64: every activation 64 times. */
    bt_zoo_params zp = bt_zoo_defaults(BT_ZOO_MI_BMINET);
    blob_len = bt_zoo_build(BT_ZOO_MI_BMINET, &zp, blob, sizeof blob);
    CHECK(blob_len > 0);
    uint8_t p[64];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, (uint32_t)blob_len);
    bt_wr_u32(&w, bt_crc32c(blob, blob_len));
    request(BT_MSG_MODEL_BEGIN, p, w.pos);
    static uint8_t chunk[4 + 8000];
    for (size_t off = 0; off < blob_len; off += 8000) {
        size_t n = blob_len - off < 8000 ? blob_len - off : 8000;
        bt_writer cw = bt_writer_make(chunk, sizeof chunk);
        bt_wr_u32(&cw, (uint32_t)off);
        bt_wr_bytes(&cw, blob + off, n);
        request(BT_MSG_MODEL_CHUNK, chunk, cw.pos);
    }
    bt_wire_config c;
    memset(&c, 0, sizeof c);
    c.norm_mode = 1;
    c.scope = 1;
    c.learning_rate = 0.01f;
    c.eps = 1e-8f;
    c.batch_size = 64;
    bt_writer cw = bt_writer_make(p, sizeof p);
    bt_wire_config_encode(&cw, &c);
    const reply *r = request(BT_MSG_MODEL_COMMIT, p, cw.pos);
    CHECK_EQ_U(error_of(r), BT_ERR_NO_MEMORY);
    bt_error_msg e;
    bt_error_decode(r->payload, r->h.length, &e);
    printf("refusal: %.*s\n", e.text.len, e.text.data);
    CHECK(e.text.len > 10);
}

/* ---- inference while training (SPEC.md 3.14, 3.15) ---------------------------------------------- */

/* EpiDeNet here: 2 rows x 1000 samples. Appends `count` samples (f32) and, with predict, runs one. */
static const reply *ring_request(bool predict, uint8_t flags, uint32_t first, uint16_t count)
{
    static uint8_t p[8 + 8 * 1000];
    bt_writer w = bt_writer_make(p, sizeof p);
    if (predict) {
        bt_wr_u8(&w, flags);
    }
    bt_wr_u8(&w, BT_FORMAT_F32);
    bt_wr_u8(&w, 0u);
    bt_wr_u16(&w, count);
    for (uint32_t k = first; k < first + count; k++) {
        bt_wr_f32(&w, (float)((int)(k * 7u % 23u) - 11) * 0.125f);
        bt_wr_f32(&w, (float)((int)(k * 5u % 19u) - 9) * 0.25f);
    }
    return request(predict ? BT_MSG_PREDICT : BT_MSG_SAMPLES_APPEND, p, w.pos);
}

typedef struct prediction {
    uint16_t predicted;
    float probs[BT_DEVICE_MAX_CLASSES];
    uint16_t classes;
} prediction;

static prediction predict_now(void)
{
    const reply *r = ring_request(true, 0u, 0u, 0u);
    CHECK_EQ_U(r->h.type, BT_MSG_PREDICTION);
    prediction out;
    memset(&out, 0, sizeof out);
    bt_reader rd = bt_reader_make(r->payload, r->h.length);
    out.predicted = bt_rd_u16(&rd);
    out.classes = bt_rd_u16(&rd);
    CHECK_EQ_U(bt_rd_u32(&rd), 1000u); /* filled */
    (void)bt_rd_u64(&rd);               /* total */
    (void)bt_rd_u64(&rd);               /* instructions */
    CHECK_EQ_U(bt_rd_u64(&rd), dev.engine.model.macs);
    (void)bt_rd_u64(&rd);
    (void)bt_rd_u32(&rd);
    for (uint16_t k = 0; k < out.classes && k < BT_DEVICE_MAX_CLASSES; k++) {
        out.probs[k] = bt_rd_f32(&rd);
    }
    CHECK(bt_rd_done(&rd));
    return out;
}

static bool same_prediction(const prediction *a, const prediction *b)
{
    return a->predicted == b->predicted && a->classes == b->classes &&
           memcmp(a->probs, b->probs, sizeof(float) * a->classes) == 0;
}

/* Trains batch `id` of 4 samples; with interleave, a PREDICT follows every sample and must give
 * the same answer as before the batch (the weights change only at the step). */
static uint32_t train_batch(uint32_t id, bool interleave, const prediction *before)
{
    begin_batch(id, 0, 4);
    uint16_t s;
    for (uint16_t i = 0; i < 4; i++) {
        make_sample(i + 10u, (uint16_t)(i % 3u));
        send_sample(id, i, (uint16_t)(i % 3u), &s);
        if (interleave) {
            prediction during = predict_now();
            CHECK(same_prediction(&during, before));
        }
    }
    uint16_t end_seq;
    return end_batch(id, &end_seq);
}

static void predictions_interleave_without_changing_training(void)
{
    bt_zoo_params zp = bt_zoo_defaults(BT_ZOO_EPIDENET);
    blob_len = bt_zoo_build(BT_ZOO_EPIDENET, &zp, blob, sizeof blob);

    /* Without predictions. */
    upload(4, 0 /* group norm */, 1 /* adam */);
    uint32_t plain1 = train_batch(20, false, NULL);
    uint32_t plain2 = train_batch(21, false, NULL);

    /* The same training from the same start, a prediction after every sample. */
    upload(4, 0, 1);
    const reply *r = ring_request(true, 0u, 0u, 500u);
    CHECK_EQ_U(error_of(r), BT_ERR_NOT_READY); /* half a window: refused, but appended */
    CHECK_EQ_U(dev.ring.filled, 500u);
    r = ring_request(false, 0u, 500u, 500u);
    CHECK_EQ_U(r->h.type, BT_MSG_RING_STATE);
    CHECK_EQ_U(u32_at(r, 0), 1000u);
    prediction before = predict_now();
    uint32_t mixed1 = train_batch(22, true, &before);
    CHECK_EQ_U(mixed1, plain1);
    prediction after = predict_now();
    CHECK(!same_prediction(&after, &before)); /* the step changed the weights */
    uint32_t mixed2 = train_batch(23, true, &after);
    CHECK_EQ_U(mixed2, plain2);
    CHECK_EQ_U(bt_engine_params_crc(&dev.engine), plain2);

    /* A PREDICT between the chunks of a sample is BUSY and leaves the sample intact. */
    begin_batch(24, 0, 1);
    static uint8_t p[12 + 4096];
    make_sample(3, 1);
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, 24u);
    bt_wr_u16(&w, 0u);
    bt_wr_u16(&w, 1u);
    bt_wr_u32(&w, 0u);
    bt_wr_bytes(&w, (const uint8_t *)sample_values, 4000u);
    CHECK_EQ_U(request(BT_MSG_SAMPLE, p, w.pos)->h.type, BT_MSG_SAMPLE_ACK);
    CHECK_EQ_U(error_of(ring_request(true, 0u, 0u, 0u)), BT_ERR_BUSY);
    w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, 24u);
    bt_wr_u16(&w, 0u);
    bt_wr_u16(&w, 1u);
    bt_wr_u32(&w, 4000u);
    bt_wr_bytes(&w, (const uint8_t *)sample_values + 4000, 4000u);
    r = request(BT_MSG_SAMPLE, p, w.pos);
    CHECK_EQ_U(r->h.type, BT_MSG_SAMPLE_ACK);
    CHECK_EQ_U(r->payload[6], 1u);
    CHECK_EQ_U(dev.engine.pending, 1u);
}

static float prob_at(const reply *r, uint16_t k)
{
    bt_reader rd = bt_reader_make(r->payload + 44u + 4u * k, 4); /* after the 44-byte head */
    return bt_rd_f32(&rd);
}

static void standardised_windows_ignore_offset_and_scale(void)
{
    upload(4, 0, 1);
    ring_request(false, 0u, 0u, 1000u);
    static reply standardised;
    standardised = *ring_request(true, 1u, 0u, 0u);
    const reply *r = &standardised;
    CHECK_EQ_U(r->h.type, BT_MSG_PREDICTION);
    /* The same signal, 3x larger and shifted: standardised, the forward pass sees the same window. */
    static uint8_t p[8 + 8 * 1000];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u8(&w, 1u);
    bt_wr_u8(&w, BT_FORMAT_F32);
    bt_wr_u8(&w, 0u);
    bt_wr_u16(&w, 1000u);
    for (uint32_t k = 0; k < 1000u; k++) {
        bt_wr_f32(&w, ((float)((int)(k * 7u % 23u) - 11) * 0.125f) * 4.0f + 100.0f);
        bt_wr_f32(&w, ((float)((int)(k * 5u % 19u) - 9) * 0.25f) * 4.0f - 3.0f);
    }
    const reply *s = request(BT_MSG_PREDICT, p, w.pos);
    CHECK_EQ_U(s->h.type, BT_MSG_PREDICTION);
    CHECK_EQ_U(s->payload[0], r->payload[0]); /* same class */
    for (uint16_t k = 0; k < dev.engine.model.classes; k++) {
        float a = prob_at(r, k), b = prob_at(s, k);
        CHECK(a - b < 1e-4f && b - a < 1e-4f);
    }
}

static void ring_requests_that_must_be_refused(void)
{
    uint8_t flags_unknown[5] = {2, 0, 0, 0, 0};
    CHECK_EQ_U(error_of(request(BT_MSG_PREDICT, flags_unknown, 5)), BT_ERR_MALFORMED_PAYLOAD);
    uint8_t bad_format[4] = {7, 0, 0, 0};
    CHECK_EQ_U(error_of(request(BT_MSG_SAMPLES_APPEND, bad_format, 4)), BT_ERR_MALFORMED_PAYLOAD);
    uint8_t short_data[7] = {0, 0, 1, 0, 1, 2, 3}; /* one sample of 2 rows wants 8 bytes */
    CHECK_EQ_U(error_of(request(BT_MSG_SAMPLES_APPEND, short_data, 7)), BT_ERR_MALFORMED_PAYLOAD);
    CHECK_EQ_U(error_of(request(BT_MSG_PREDICT, NULL, 0)), BT_ERR_MALFORMED_PAYLOAD);

    /* Batch norm on batch statistics stages the batch where the forward pass reads: BUSY while open. */
    upload(4, 1 /* batch norm */, 1);
    ring_request(false, 0u, 0u, 1000u);
    CHECK_EQ_U(ring_request(true, 0u, 0u, 0u)->h.type, BT_MSG_PREDICTION);
    begin_batch(30, 0, 2);
    CHECK_EQ_U(error_of(ring_request(true, 0u, 0u, 0u)), BT_ERR_BUSY);
    uint8_t zero = 0;
    CHECK_EQ_U(request(BT_MSG_RESET, &zero, 1)->h.type, BT_MSG_RESET_DONE);
    CHECK_EQ_U(error_of(ring_request(true, 0u, 0u, 0u)), BT_ERR_NOT_READY); /* no model, no ring */
}

int main(void)
{
    bt_port port = {append, NULL, NULL, &sent};
    bt_device_init(&dev, &port, &info);
    bt_zoo_params zp = bt_zoo_defaults(BT_ZOO_EPIDENET);
    blob_len = bt_zoo_build(BT_ZOO_EPIDENET, &zp, blob, sizeof blob);
    CHECK(blob_len > 0);
    training_and_duplicates();
    abandoned_batch_leaves_no_gradient();
    protocol_errors();
    weights_round_trip();
    stats_reset_and_no_memory();
    predictions_interleave_without_changing_training();
    standardised_windows_ignore_offset_and_scale();
    ring_requests_that_must_be_refused();
    plan_that_does_not_fit_names_the_shortfall();
    return bt_test_report("device_training");
}
