#include "bt/device.h"

#include <stdio.h>
#include <string.h>

#include "bt/crc32c.h"
#include "bt/version.h"

#define ALIGN16(x) (((x) + 15u) & ~15u)

/* ---- estimates (SPEC.md 8, model E1) -------------------------------------------------------- */

uint64_t bt_estimate_cycles(uint64_t macs)
{
    return macs * 5u; /* 0.2 MAC/cycle end to end, calibrated on BioTrain's measured throughput */
}

uint32_t bt_estimate_energy_uj(uint64_t cycles)
{
    /* cycles / 370 MHz * 50 mW, in microjoules */
    return (uint32_t)(cycles * 5u / 37000u);
}

/* The wire's error code for an engine status (SPEC.md 4). */
static uint16_t wire_error(bt_status st)
{
    switch (st) {
    case BT_STATUS_OK:
        return BT_OK;
    case BT_STATUS_BAD_INPUT:
        return BT_ERR_MALFORMED_PAYLOAD;
    case BT_STATUS_NOT_READY:
        return BT_ERR_NOT_READY;
    case BT_STATUS_NO_MEMORY:
        return BT_ERR_NO_MEMORY;
    case BT_STATUS_NON_FINITE:
        return BT_ERR_NON_FINITE;
    case BT_STATUS_INTERNAL:
    default:
        return BT_ERR_INTERNAL;
    }
}

/* ---- link ---------------------------------------------------------------------------------- */

void bt_device_init(bt_device *dev, const bt_port *port, const bt_device_info *info)
{
    memset(dev, 0, sizeof *dev);
    dev->port = *port;
    dev->info = info;
    dev->host_max_payload = BT_MIN_MAX_PAYLOAD;
    dev->started_us = port->now_us ? port->now_us(port->ctx) : 0u;
    bt_frame_receiver_init(&dev->rx, dev->rx_buf, sizeof dev->rx_buf);
}

static void discard_batch(bt_device *dev)
{
    bt_engine *e = &dev->engine;
    if (dev->batch.open && !dev->batch.ended && e->loaded && e->pending > 0u) {
        /* Gradients of an abandoned batch must not leak into the next step. */
        memset(e->grads, 0, (size_t)e->grad_count * sizeof(bt_real));
        e->pending = 0u;
    }
    dev->batch.open = false;
}

void bt_device_reset_link(bt_device *dev)
{
    bt_frame_receiver_init(&dev->rx, dev->rx_buf, sizeof dev->rx_buf);
    dev->host_max_payload = BT_MIN_MAX_PAYLOAD;
    dev->last_valid = false;
    discard_batch(dev);
}

static uint64_t instret(const bt_device *dev)
{
    return dev->port.instret ? dev->port.instret(dev->port.ctx) : 0u;
}

static void send_frame(bt_device *dev, uint8_t type, uint16_t seq, uint8_t flags, const uint8_t *payload,
                       size_t len)
{
    bt_frame_header h = {BT_PROTO_MAJOR, type, flags, seq, 1u, 0u};
    bt_frame_send(dev->port.write, dev->port.ctx, &h, payload, len, NULL, 0);
}

/* Sends the response in reply_buf and remembers it for duplicate suppression. */
static void reply(bt_device *dev, const bt_frame_header *req, uint8_t type, size_t len)
{
    send_frame(dev, type, req->seq, 0u, dev->reply_buf, len);
    if (req->type != BT_MSG_HELLO) {
        dev->last_valid = true;
        dev->last_seq = req->seq;
        dev->last_type = type;
        dev->last_len = (uint32_t)len;
    }
}

static void fail(bt_device *dev, const bt_frame_header *req, uint16_t code, const char *text)
{
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_error_encode(&w, code, req->type, text);
    dev->counters.errors_sent++;
    reply(dev, req, BT_MSG_ERROR, w.pos);
}

static void fail_unsolicited(bt_device *dev, uint16_t code, uint8_t type, const char *text)
{
    uint8_t buf[160];
    bt_writer w = bt_writer_make(buf, sizeof buf);
    bt_error_encode(&w, code, type, text);
    dev->counters.errors_sent++;
    send_frame(dev, BT_MSG_ERROR, 0u, BT_FLAG_UNSOLICITED, buf, w.pos);
}

/* ---- handshake, ping, stats, reset ----------------------------------------------------------- */

static void on_hello(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_hello hello;
    if (!bt_hello_decode(payload, h->length, &hello)) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "HELLO payload does not parse");
        return;
    }
    if (hello.proto_major != BT_PROTO_MAJOR) {
        char text[96];
        snprintf(text, sizeof text, "protocol version mismatch: device %u.%u, host %u.%u", BT_PROTO_MAJOR,
                 BT_PROTO_MINOR, hello.proto_major, hello.proto_minor);
        fail(dev, h, BT_ERR_VERSION_MISMATCH, text);
        return;
    }
    dev->last_valid = false;
    discard_batch(dev);
    dev->host_max_payload = hello.max_payload < BT_MIN_MAX_PAYLOAD ? BT_MIN_MAX_PAYLOAD : hello.max_payload;

    bt_capabilities caps;
    memset(&caps, 0, sizeof caps);
    caps.proto_major = BT_PROTO_MAJOR;
    caps.proto_minor = BT_PROTO_MINOR;
    caps.firmware = BT_FIRMWARE_VERSION;
    caps.port = dev->info->port_name;
    caps.max_payload = BT_DEVICE_MAX_PAYLOAD;
    caps.clock_hz = dev->info->clock_hz;
    caps.cores = dev->info->cores;
    caps.features = (uint8_t)(dev->info->features | (dev->info->arena_size ? BT_FEATURE_TRAINING : 0u));
    caps.rx_credit = 1u;
    caps.region_count = dev->info->region_count;
    for (uint8_t i = 0; i < caps.region_count && i < BT_MAX_REGIONS; i++) {
        caps.regions[i] = dev->info->regions[i];
    }
    caps.arena_bytes = dev->info->arena_size;
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_capabilities_encode(&w, &caps);
    reply(dev, h, BT_MSG_CAPABILITIES, w.pos);
}

static void on_ping(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    if (h->length > dev->host_max_payload) {
        fail(dev, h, BT_ERR_FRAME_TOO_LARGE, "PONG would exceed the host's max_payload");
        return;
    }
    memcpy(dev->reply_buf, payload, h->length);
    reply(dev, h, BT_MSG_PONG, h->length);
}

static void on_stats(bt_device *dev, const bt_frame_header *h)
{
    const bt_engine *e = &dev->engine;
    bt_stats_msg s;
    memset(&s, 0, sizeof s);
    s.uptime_us = dev->port.now_us ? dev->port.now_us(dev->port.ctx) - dev->started_us : 0u;
    s.arena_bytes = dev->info->arena_size;
    s.peak_bytes = e->loaded ? e->report.peak_bytes : 0u;
    s.model_loaded = e->loaded ? 1u : 0u;
    s.frames_ok = dev->counters.frames_ok;
    s.frames_rejected = dev->counters.frames_rejected;
    s.errors_sent = dev->counters.errors_sent;
    s.duplicates = dev->counters.duplicates;
    s.batches = dev->counters.batches;
    s.samples = dev->counters.samples;
    s.steps = e->loaded ? e->steps : 0u;
    s.instructions = dev->counters.instructions;
    s.params_crc = e->loaded ? bt_engine_params_crc(e) : 0u;
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_stats_encode(&w, &s);
    reply(dev, h, BT_MSG_STATS_REPLY, w.pos);
}

static void unload(bt_device *dev)
{
    discard_batch(dev);
    dev->engine.loaded = false;
    dev->blob_size = dev->blob_received = dev->blob_reserve = dev->blob_crc = 0u;
    dev->weights_received = 0u;
    memset(&dev->batch, 0, sizeof dev->batch);
    memset(&dev->ring, 0, sizeof dev->ring);
}

static void on_reset(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    if (h->length != 1u || payload[0] != 0u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "RESET takes one byte, 0");
        return;
    }
    unload(dev);
    reply(dev, h, BT_MSG_RESET_DONE, 0);
}

/* ---- model upload and planning --------------------------------------------------------------- */

static uint8_t *blob_area(bt_device *dev)
{
    return dev->info->arena + dev->info->arena_size - dev->blob_reserve;
}

static uint32_t engine_arena_size(const bt_device *dev) { return dev->info->arena_size - dev->blob_reserve; }

static void ack_chunk(bt_device *dev, const bt_frame_header *h, uint8_t type, uint32_t received)
{
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_wr_u32(&w, received);
    reply(dev, h, type, w.pos);
}

/* Applies an in-order chunk to a staging area; false (with the error sent) when it does not fit. */
static bool stage_chunk(bt_device *dev, const bt_frame_header *h, uint8_t *area, uint32_t size, uint32_t *received,
                        uint32_t offset, const uint8_t *data, uint32_t len)
{
    char text[96];
    if (offset > size || len > size - offset) {
        snprintf(text, sizeof text, "chunk %lu+%lu runs past %lu bytes", (unsigned long)offset, (unsigned long)len,
                 (unsigned long)size);
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, text);
        return false;
    }
    if (offset > *received) {
        snprintf(text, sizeof text, "gap: chunk at %lu, expected %lu", (unsigned long)offset, (unsigned long)*received);
        fail(dev, h, BT_ERR_NOT_READY, text);
        return false;
    }
    memcpy(area + offset, data, len);
    if (offset + len > *received) {
        *received = offset + len;
    }
    return true;
}

static void on_model_begin(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_reader r = bt_reader_make(payload, h->length);
    uint32_t size = bt_rd_u32(&r);
    uint32_t crc = bt_rd_u32(&r);
    if (!bt_rd_done(&r) || size == 0u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "MODEL_BEGIN wants size (> 0) and crc");
        return;
    }
    if (dev->info->arena_size == 0u) {
        fail(dev, h, BT_ERR_NOT_READY, "this device does not train");
        return;
    }
    unload(dev);
    if (ALIGN16(size) >= dev->info->arena_size) {
        char text[96];
        snprintf(text, sizeof text, "model blob of %lu bytes does not fit the %lu-byte arena", (unsigned long)size,
                 (unsigned long)dev->info->arena_size);
        fail(dev, h, BT_ERR_NO_MEMORY, text);
        return;
    }
    dev->blob_size = size;
    dev->blob_crc = crc;
    dev->blob_reserve = ALIGN16(size);
    reply(dev, h, BT_MSG_MODEL_READY, 0);
}

static void on_model_chunk(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    if (dev->blob_size == 0u) {
        fail(dev, h, BT_ERR_NOT_READY, "MODEL_CHUNK before MODEL_BEGIN");
        return;
    }
    if (h->length < 4u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "MODEL_CHUNK wants an offset");
        return;
    }
    bt_reader r = bt_reader_make(payload, 4);
    uint32_t offset = bt_rd_u32(&r);
    if (stage_chunk(dev, h, blob_area(dev), dev->blob_size, &dev->blob_received, offset, payload + 4, h->length - 4u)) {
        ack_chunk(dev, h, BT_MSG_CHUNK_ACK, dev->blob_received);
    }
}

/* SPEC.md 3.5 -> the engine's configuration; false for values out of range. */
static bool to_train_config(const bt_wire_config *w, bt_train_config *cfg)
{
    bt_train_config_default(cfg);
    if (w->optimizer > BT_OPT_ADAM || w->norm_mode > BT_NORM_FROZEN || w->scope < BT_SCOPE_FULL ||
        w->scope > BT_SCOPE_FROZEN || w->batch_size == 0u || w->batch_size > 64u || !(w->learning_rate >= 0.0f) ||
        w->layer_count > BT_MODEL_MAX_LAYERS) {
        return false;
    }
    cfg->optimizer = w->optimizer;
    cfg->norm_mode = w->norm_mode;
    cfg->scope = w->scope;
    cfg->learning_rate = w->learning_rate;
    cfg->momentum = w->momentum;
    cfg->weight_decay = w->weight_decay;
    cfg->beta1 = w->beta1;
    cfg->beta2 = w->beta2;
    cfg->eps = w->eps;
    cfg->batch_size = w->batch_size;
    cfg->norm_groups = w->norm_groups;
    cfg->bn_momentum = w->bn_momentum;
    for (uint8_t i = 0; i < w->layer_count; i++) {
        if (w->layer_scope[i] > BT_SCOPE_FROZEN) {
            return false;
        }
        cfg->layer_scope[i] = w->layer_scope[i];
    }
    return true;
}

/* ---- the input ring (SPEC.md 3.14): right after the plan's peak, weights staging after it -------- */

static uint32_t ring_rows(const bt_engine *e) { return e->model.input.c * e->model.input.h; }

static uint32_t ring_bytes(const bt_device *dev)
{
    const bt_engine *e = &dev->engine;
    return e->loaded ? (uint32_t)sizeof(bt_real) * ring_rows(e) * e->model.input.w : 0u;
}

static uint32_t ring_offset(const bt_device *dev) { return ALIGN16(dev->engine.report.peak_bytes); }

/* After a plan: places the ring beside it and starts it empty; false (error sent) when it does not fit. */
static bool reserve_ring(bt_device *dev, const bt_frame_header *h)
{
    bt_engine *e = &dev->engine;
    uint32_t need = ring_offset(dev) + ring_bytes(dev);
    if (need > engine_arena_size(dev)) {
        char text[120];
        snprintf(text, sizeof text, "plan needs %lu KiB and the input ring %lu KiB more, %lu KiB available",
                 (unsigned long)(e->report.peak_bytes / 1024u), (unsigned long)(ring_bytes(dev) / 1024u),
                 (unsigned long)(engine_arena_size(dev) / 1024u));
        e->loaded = false;
        fail(dev, h, BT_ERR_NO_MEMORY, text);
        return false;
    }
    bt_ring_init(&dev->ring, (bt_real *)(void *)(dev->info->arena + ring_offset(dev)), ring_rows(e), e->model.input.w);
    return true;
}

static void reply_plan(bt_device *dev, const bt_frame_header *h)
{
    const bt_engine *e = &dev->engine;
    const bt_plan_report *p = &e->report;
    bt_model_plan_msg m;
    m.arena_bytes = p->arena_bytes;
    m.peak_bytes = p->peak_bytes;
    m.naive_bytes = p->naive_bytes;
    m.weight_bytes = p->weight_bytes;
    m.grad_bytes = p->grad_bytes;
    m.optim_bytes = p->optim_bytes;
    m.activation_bytes = p->activation_peak;
    m.param_count = p->param_count;
    m.trainable_count = p->trainable_count;
    m.macs_forward = p->macs_forward;
    m.input_values = bt_engine_input_size(e);
    m.classes = e->model.classes;
    m.batch_resident = p->batch_resident;
    m.model_crc = dev->model_crc;
    m.ring_bytes = ring_bytes(dev);
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_model_plan_encode(&w, &m);
    reply(dev, h, BT_RESPONSE(h->type), w.pos); /* MODEL_PLAN, as 0x92 or 0x93 */
}

static bool decode_config(bt_device *dev, const bt_frame_header *h, const uint8_t *payload, bt_train_config *cfg)
{
    bt_wire_config wire;
    if (!bt_wire_config_decode(payload, h->length, &wire) || !to_train_config(&wire, cfg)) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "training configuration does not parse or is out of range");
        return false;
    }
    return true;
}

static void on_model_commit(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_train_config cfg;
    if (!decode_config(dev, h, payload, &cfg)) {
        return;
    }
    if (dev->blob_size == 0u || dev->blob_received != dev->blob_size) {
        fail(dev, h, BT_ERR_NOT_READY, "MODEL_COMMIT before the whole blob arrived");
        return;
    }
    uint32_t crc = bt_crc32c(blob_area(dev), dev->blob_size);
    if (crc != dev->blob_crc) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "model blob CRC differs from MODEL_BEGIN's");
        return;
    }
    bt_plan_report report;
    bt_status rc = bt_engine_load(&dev->engine, blob_area(dev), dev->blob_size, dev->info->arena,
                                  engine_arena_size(dev), &cfg, &report);
    if (rc != BT_STATUS_OK) {
        dev->engine.loaded = false;
        fail(dev, h, wire_error(rc), report.message);
        return;
    }
    if (dev->engine.model.classes > BT_DEVICE_MAX_CLASSES) {
        dev->engine.loaded = false;
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "models of more than 32 classes are not supported");
        return;
    }
    dev->model_crc = crc;
    dev->blob_size = dev->blob_received = 0u; /* further chunks need a new MODEL_BEGIN; the reserve stays */
    memset(&dev->batch, 0, sizeof dev->batch);
    if (reserve_ring(dev, h)) {
        reply_plan(dev, h);
    }
}

static void on_configure(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_train_config cfg;
    if (!decode_config(dev, h, payload, &cfg)) {
        return;
    }
    if (!dev->engine.loaded) {
        fail(dev, h, BT_ERR_NOT_READY, "CONFIGURE without a model");
        return;
    }
    discard_batch(dev);
    bt_plan_report report;
    bt_status rc = bt_engine_configure(&dev->engine, &cfg, &report);
    if (rc != BT_STATUS_OK) {
        fail(dev, h, wire_error(rc), report.message);
        return;
    }
    if (reserve_ring(dev, h)) {
        reply_plan(dev, h);
    }
}

/* ---- batches ----------------------------------------------------------------------------------- */

static uint32_t sample_bytes(const bt_device *dev) { return 4u * bt_engine_input_size(&dev->engine); }

static bool batch_norm_training(const bt_device *dev)
{
    return dev->batch.mode == BT_BATCH_TRAIN && dev->engine.cfg.norm_mode == BT_NORM_BATCH;
}

static void on_batch_begin(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_reader r = bt_reader_make(payload, h->length);
    uint32_t id = bt_rd_u32(&r);
    uint8_t mode = bt_rd_u8(&r);
    (void)bt_rd_u8(&r);
    uint16_t count = bt_rd_u16(&r);
    if (!bt_rd_done(&r) || mode > BT_BATCH_PREDICT || count == 0u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "BATCH_BEGIN wants batch_id, mode 0-2 and count > 0");
        return;
    }
    if (!dev->engine.loaded) {
        fail(dev, h, BT_ERR_NOT_READY, "BATCH_BEGIN without a model");
        return;
    }
    if (mode == BT_BATCH_TRAIN && count > dev->engine.cfg.batch_size) {
        char text[80];
        snprintf(text, sizeof text, "train batch of %u exceeds the configured batch size %u", count,
                 dev->engine.cfg.batch_size);
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, text);
        return;
    }
    discard_batch(dev);
    memset(&dev->batch, 0, sizeof dev->batch);
    dev->batch.open = true;
    dev->batch.id = id;
    dev->batch.mode = mode;
    dev->batch.count = count;
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_wr_u32(&w, id);
    bt_wr_u32(&w, sample_bytes(dev));
    reply(dev, h, BT_MSG_BATCH_READY, w.pos);
}

static bool check_batch(bt_device *dev, const bt_frame_header *h, uint32_t id)
{
    if (!dev->batch.open || dev->batch.id != id) {
        char text[64];
        snprintf(text, sizeof text, "batch %lu is not open", (unsigned long)id);
        fail(dev, h, BT_ERR_NOT_READY, text);
        return false;
    }
    return true;
}

/* Runs a complete sample; fills the SAMPLE_ACK tail. */
static bt_status run_sample(bt_device *dev, uint16_t label, bt_writer *w)
{
    bt_engine *e = &dev->engine;
    bt_device_batch *b = &dev->batch;
    bt_real *x = bt_engine_input(e);
    bt_real loss = 0;
    uint32_t predicted = 0xFFFFu;
    bt_real probs[BT_DEVICE_MAX_CLASSES];
    uint16_t prob_count = 0;
    bt_status rc = BT_STATUS_OK;
    uint64_t start = instret(dev);
    switch (b->mode) {
    case BT_BATCH_TRAIN:
        if (batch_norm_training(dev)) {
            b->labels[b->next_index] = label; /* runs with the whole batch at BATCH_END */
        } else {
            rc = bt_engine_train_sample(e, x, label, &loss, &predicted);
            b->macs += e->report.macs_train;
        }
        break;
    case BT_BATCH_EVALUATE:
        rc = bt_engine_evaluate(e, x, label, &loss, &predicted);
        b->macs += e->report.macs_forward;
        break;
    default:
        rc = bt_engine_predict(e, x, probs, &predicted);
        prob_count = e->model.classes;
        b->macs += e->report.macs_forward;
        break;
    }
    if (rc != BT_STATUS_OK) {
        return rc;
    }
    uint64_t spent = instret(dev) - start;
    b->instructions += spent;
    if (predicted != 0xFFFFu && b->mode != BT_BATCH_PREDICT) {
        b->loss_sum += (float)loss;
        b->correct += predicted == label;
        b->confusion[label * e->model.classes + predicted]++;
    }
    dev->counters.samples++;
    bt_wr_f32(w, (float)loss);
    bt_wr_u16(w, (uint16_t)predicted);
    bt_wr_u64(w, spent);
    bt_wr_u16(w, prob_count);
    for (uint16_t k = 0; k < prob_count; k++) {
        bt_wr_f32(w, (float)probs[k]);
    }
    return BT_STATUS_OK;
}

static void on_sample(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_sample_msg s;
    if (!bt_sample_decode(payload, h->length, &s)) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "SAMPLE header does not parse");
        return;
    }
    if (!check_batch(dev, h, s.batch_id)) {
        return;
    }
    bt_device_batch *b = &dev->batch;
    char text[96];
    if (b->ended || s.index != b->next_index || s.index >= b->count) {
        snprintf(text, sizeof text, "sample %u out of order: expected %u of %u", s.index, b->next_index, b->count);
        fail(dev, h, BT_ERR_NOT_READY, text);
        return;
    }
    if (b->mode != BT_BATCH_PREDICT && s.label >= dev->engine.model.classes) {
        snprintf(text, sizeof text, "label %u out of range (%u classes)", s.label, dev->engine.model.classes);
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, text);
        return;
    }
    if ((s.offset | s.len) % 4u != 0u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "sample chunks hold whole float32 values");
        return;
    }
    uint8_t *dst = (uint8_t *)bt_engine_input(&dev->engine);
    if (batch_norm_training(dev)) {
        dst += (size_t)s.index * sample_bytes(dev);
    }
    if (!stage_chunk(dev, h, dst, sample_bytes(dev), &b->received, s.offset, s.data, s.len)) {
        return;
    }
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_wr_u32(&w, s.batch_id);
    bt_wr_u16(&w, s.index);
    bool complete = b->received == sample_bytes(dev);
    bt_wr_u8(&w, complete ? 1u : 0u);
    bt_wr_u8(&w, 0u);
    bt_wr_u32(&w, b->received);
    if (complete) {
        bt_status rc = run_sample(dev, s.label, &w);
        if (rc != BT_STATUS_OK) {
            fail(dev, h, wire_error(rc),
                 rc == BT_STATUS_NON_FINITE ? "the sample's loss is not finite: not trained on"
                                            : "the engine refused the sample");
            return;
        }
        b->next_index++;
        b->received = 0u;
    }
    reply(dev, h, BT_MSG_SAMPLE_ACK, w.pos);
}

static void on_batch_end(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_reader r = bt_reader_make(payload, h->length);
    uint32_t id = bt_rd_u32(&r);
    if (!bt_rd_done(&r)) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "BATCH_END wants a batch_id");
        return;
    }
    if (!check_batch(dev, h, id)) {
        return;
    }
    bt_device_batch *b = &dev->batch;
    bt_engine *e = &dev->engine;
    if (b->ended || b->next_index != b->count) {
        char text[80];
        snprintf(text, sizeof text, "batch %lu has %u of %u samples", (unsigned long)id, b->next_index, b->count);
        fail(dev, h, BT_ERR_NOT_READY, text);
        return;
    }
    uint64_t start = instret(dev);
    if (b->mode == BT_BATCH_TRAIN) {
        bt_status rc = BT_STATUS_OK;
        if (batch_norm_training(dev)) {
            bt_real loss_sum = 0;
            uint32_t correct = 0;
            rc = bt_engine_train_batch(e, bt_engine_input(e), b->labels, b->count, &loss_sum, &correct);
            b->loss_sum = (float)loss_sum;
            b->correct = (uint16_t)correct;
            b->macs += (uint64_t)b->count * e->report.macs_train;
        }
        if (rc == BT_STATUS_OK) {
            rc = bt_engine_step(e);
            b->macs += e->report.trainable_count;
        }
        if (rc != BT_STATUS_OK) {
            fail(dev, h, wire_error(rc),
                 rc == BT_STATUS_NON_FINITE ? "the step would make weights non-finite: refused, weights unchanged"
                                            : "training step failed");
            return;
        }
    }
    b->instructions += instret(dev) - start;
    b->ended = true;
    dev->counters.batches++;
    dev->counters.instructions += b->instructions;

    bt_batch_result_msg m;
    m.batch_id = id;
    m.mode = b->mode;
    m.count = b->count;
    m.loss_mean = b->loss_sum / (float)b->count;
    m.correct = b->correct;
    m.classes = e->model.classes;
    m.instructions = b->instructions;
    m.macs = b->macs;
    m.est_cycles = bt_estimate_cycles(b->macs);
    m.est_energy_uj = bt_estimate_energy_uj(m.est_cycles);
    m.step = e->steps;
    m.params_crc = bt_engine_params_crc(e);
    m.confusion = b->confusion;
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_batch_result_encode(&w, &m);
    reply(dev, h, BT_MSG_BATCH_RESULT, w.pos);
}

/* ---- inference while training (SPEC.md 3.14, 3.15) ----------------------------------------------- */

/* Appends a SAMPLES_APPEND-shaped payload; false (error sent) when it does not parse. */
static bool append_samples(bt_device *dev, const bt_frame_header *h, const uint8_t *payload, size_t len)
{
    if (!dev->engine.loaded) {
        fail(dev, h, BT_ERR_NOT_READY, "no model loaded: the ring is sized by the model's input");
        return false;
    }
    bt_samples a;
    const char *why = "";
    if (!bt_ring_append_parse(payload, len, dev->ring.rows, &a, &why)) {
        char text[128];
        snprintf(text, sizeof text, "samples for %lu rows: %s", (unsigned long)dev->ring.rows, why);
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, text);
        return false;
    }
    bt_ring_append(&dev->ring, &a);
    return true;
}

static void on_samples_append(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    if (!append_samples(dev, h, payload, h->length)) {
        return;
    }
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_wr_u32(&w, dev->ring.filled);
    bt_wr_u64(&w, dev->ring.total);
    reply(dev, h, BT_MSG_RING_STATE, w.pos);
}

/* Why the forward pass cannot run now without disturbing an open batch, or NULL. */
static const char *predict_blocked(const bt_device *dev)
{
    const bt_device_batch *b = &dev->batch;
    if (!b->open || b->ended) {
        return NULL;
    }
    if (batch_norm_training(dev)) {
        return "a batch-norm training batch (batch statistics) is open: its samples are staged until BATCH_END";
    }
    if (b->received > 0u) {
        return "a sample of the open batch is partly received: send its remaining chunks first";
    }
    return NULL;
}

static void on_predict(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    if (h->length < 1u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "PREDICT wants flags and a samples payload");
        return;
    }
    uint8_t flags = payload[0];
    if ((flags & ~1u) != 0u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "PREDICT flags: only bit 0 (standardise) is defined");
        return;
    }
    const char *busy = dev->engine.loaded ? predict_blocked(dev) : NULL;
    if (busy) {
        fail(dev, h, BT_ERR_BUSY, busy);
        return;
    }
    uint64_t start = instret(dev);
    if (!append_samples(dev, h, payload + 1, h->length - 1u)) {
        return;
    }
    bt_ring *ring = &dev->ring;
    if (ring->filled < ring->cap) {
        char text[80];
        snprintf(text, sizeof text, "ring holds %lu of %lu samples", (unsigned long)ring->filled,
                 (unsigned long)ring->cap);
        fail(dev, h, BT_ERR_NOT_READY, text);
        return;
    }
    bt_engine *e = &dev->engine;
    bt_real *x = bt_engine_input(e); /* free between samples: the open batch (if any) staged nothing */
    bt_ring_window(ring, x, (flags & 1u) != 0u);
    bt_real probs[BT_DEVICE_MAX_CLASSES];
    uint32_t predicted = 0;
    bt_status rc = bt_engine_predict(e, x, probs, &predicted);
    if (rc != BT_STATUS_OK) {
        fail(dev, h, wire_error(rc), "the engine refused the forward pass");
        return;
    }
    uint64_t spent = instret(dev) - start;
    uint64_t cycles = bt_estimate_cycles(e->report.macs_forward);
    dev->counters.samples++;
    dev->counters.instructions += spent;
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_wr_u16(&w, (uint16_t)predicted);
    bt_wr_u16(&w, e->model.classes);
    bt_wr_u32(&w, ring->filled);
    bt_wr_u64(&w, ring->total);
    bt_wr_u64(&w, spent);
    bt_wr_u64(&w, e->report.macs_forward);
    bt_wr_u64(&w, cycles);
    bt_wr_u32(&w, bt_estimate_energy_uj(cycles));
    for (uint16_t k = 0; k < e->model.classes; k++) {
        bt_wr_f32(&w, (float)probs[k]);
    }
    reply(dev, h, BT_MSG_PREDICTION, w.pos);
}

/* ---- weights ----------------------------------------------------------------------------------- */

static uint32_t weights_bytes(const bt_device *dev) { return 4u * bt_engine_param_count(&dev->engine); }

static void on_weights_read(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_reader r = bt_reader_make(payload, h->length);
    uint32_t offset = bt_rd_u32(&r);
    uint32_t length = bt_rd_u32(&r);
    if (!bt_rd_done(&r) || offset % 4u != 0u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "WEIGHTS_READ wants a 4-byte aligned offset and a length");
        return;
    }
    if (!dev->engine.loaded) {
        fail(dev, h, BT_ERR_NOT_READY, "no model loaded");
        return;
    }
    uint32_t total = weights_bytes(dev);
    if (offset > total) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "offset past the weights");
        return;
    }
    uint32_t room = (uint32_t)sizeof dev->reply_buf - 12u;
    uint32_t host_room = dev->host_max_payload - 12u;
    uint32_t n = total - offset;
    n = n < length ? n : length;
    n = n < room ? n : room;
    n = (n < host_room ? n : host_room) & ~3u;
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_wr_u32(&w, offset);
    bt_wr_u32(&w, total);
    bt_wr_u32(&w, bt_engine_params_crc(&dev->engine));
    float *dst = (float *)(void *)(dev->reply_buf + 12u);
    bt_engine_read_params(&dev->engine, offset / 4u, dst, n / 4u);
    reply(dev, h, BT_MSG_WEIGHTS_DATA, 12u + n);
}

/* Staging for WEIGHTS_WRITE: the arena above the plan's peak. */
static uint8_t *weights_staging(bt_device *dev, uint32_t *available)
{
    uint32_t start = ALIGN16(ring_offset(dev) + ring_bytes(dev));
    uint32_t end = engine_arena_size(dev);
    *available = end > start ? end - start : 0u;
    return dev->info->arena + start;
}

static void on_weights_write(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    if (!dev->engine.loaded) {
        fail(dev, h, BT_ERR_NOT_READY, "no model loaded");
        return;
    }
    if (h->length < 4u) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "WEIGHTS_WRITE wants an offset");
        return;
    }
    uint32_t available;
    uint8_t *staging = weights_staging(dev, &available);
    uint32_t total = weights_bytes(dev);
    if (available < total) {
        char text[96];
        snprintf(text, sizeof text, "staging weights needs %lu bytes, %lu free beside the plan", (unsigned long)total,
                 (unsigned long)available);
        fail(dev, h, BT_ERR_NO_MEMORY, text);
        return;
    }
    bt_reader r = bt_reader_make(payload, 4);
    uint32_t offset = bt_rd_u32(&r);
    if (offset == 0u) {
        dev->weights_received = 0u; /* a new write starts over */
    }
    if (stage_chunk(dev, h, staging, total, &dev->weights_received, offset, payload + 4, h->length - 4u)) {
        ack_chunk(dev, h, BT_MSG_WEIGHTS_ACK, dev->weights_received);
    }
}

static void on_weights_commit(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_reader r = bt_reader_make(payload, h->length);
    uint32_t crc = bt_rd_u32(&r);
    if (!bt_rd_done(&r)) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "WEIGHTS_COMMIT wants a crc");
        return;
    }
    if (!dev->engine.loaded) {
        fail(dev, h, BT_ERR_NOT_READY, "no model loaded");
        return;
    }
    uint32_t available;
    uint8_t *staging = weights_staging(dev, &available);
    uint32_t total = weights_bytes(dev);
    if (dev->weights_received != total || bt_crc32c(staging, total) != crc) {
        fail(dev, h, BT_ERR_MALFORMED_PAYLOAD, "staged weights are incomplete or their CRC differs; weights unchanged");
        return;
    }
    discard_batch(dev);
    bt_engine_write_params(&dev->engine, 0u, (const float *)(const void *)staging, total / 4u);
    dev->weights_received = 0u;
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_wr_u32(&w, bt_engine_params_crc(&dev->engine));
    reply(dev, h, BT_MSG_WEIGHTS_DONE, w.pos);
}

/* ---- dispatch ----------------------------------------------------------------------------------- */

static void on_rejected(bt_device *dev, const bt_rx_result *r)
{
    dev->counters.frames_rejected++;
    char text[96];
    switch (r->error) {
    case BT_ERR_BAD_LENGTH:
        snprintf(text, sizeof text, "length field %lu disagrees with the frame", (unsigned long)r->header.length);
        break;
    case BT_ERR_VERSION_MISMATCH: {
        bt_hello hello;
        if (r->header.type == BT_MSG_HELLO && bt_hello_decode(r->payload, r->header.length, &hello)) {
            snprintf(text, sizeof text, "protocol version mismatch: device %u.%u, host %u.%u", BT_PROTO_MAJOR,
                     BT_PROTO_MINOR, hello.proto_major, hello.proto_minor);
        } else {
            snprintf(text, sizeof text, "protocol version mismatch: device %u.%u, host %u", BT_PROTO_MAJOR,
                     BT_PROTO_MINOR, r->header.version);
        }
        break;
    }
    case BT_ERR_FRAME_TOO_LARGE:
        snprintf(text, sizeof text, "frame larger than %u payload bytes", (unsigned)BT_DEVICE_MAX_PAYLOAD);
        break;
    case BT_ERR_BAD_CRC: snprintf(text, sizeof text, "bad CRC"); break;
    default: snprintf(text, sizeof text, "bad framing"); break;
    }
    if (r->header_valid) {
        /* The header can be trusted (its CRC held): answer by its seq. Not remembered as an
         * executed request, so duplicate suppression keeps the last real response. */
        uint8_t buf[160];
        bt_writer w = bt_writer_make(buf, sizeof buf);
        bt_error_encode(&w, r->error, r->header.type, text);
        dev->counters.errors_sent++;
        send_frame(dev, BT_MSG_ERROR, r->header.seq, 0u, buf, w.pos);
    } else {
        fail_unsolicited(dev, r->error, 0u, text);
    }
}

static void dispatch(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    if (h->type != BT_MSG_HELLO && dev->last_valid && h->seq == dev->last_seq) {
        /* A retransmission of the request just executed: answer again, do not execute again. */
        dev->counters.duplicates++;
        send_frame(dev, dev->last_type, h->seq, 0u, dev->reply_buf, dev->last_len);
        return;
    }
    dev->counters.frames_ok++;
    switch (h->type) {
    case BT_MSG_HELLO: on_hello(dev, h, payload); break;
    case BT_MSG_PING: on_ping(dev, h, payload); break;
    case BT_MSG_STATS: on_stats(dev, h); break;
    case BT_MSG_RESET: on_reset(dev, h, payload); break;
    case BT_MSG_MODEL_BEGIN: on_model_begin(dev, h, payload); break;
    case BT_MSG_MODEL_CHUNK: on_model_chunk(dev, h, payload); break;
    case BT_MSG_MODEL_COMMIT: on_model_commit(dev, h, payload); break;
    case BT_MSG_CONFIGURE: on_configure(dev, h, payload); break;
    case BT_MSG_BATCH_BEGIN: on_batch_begin(dev, h, payload); break;
    case BT_MSG_SAMPLE: on_sample(dev, h, payload); break;
    case BT_MSG_BATCH_END: on_batch_end(dev, h, payload); break;
    case BT_MSG_SAMPLES_APPEND: on_samples_append(dev, h, payload); break;
    case BT_MSG_PREDICT: on_predict(dev, h, payload); break;
    case BT_MSG_WEIGHTS_READ: on_weights_read(dev, h, payload); break;
    case BT_MSG_WEIGHTS_WRITE: on_weights_write(dev, h, payload); break;
    case BT_MSG_WEIGHTS_COMMIT: on_weights_commit(dev, h, payload); break;
    default: {
        char text[48];
        snprintf(text, sizeof text, "unknown message type 0x%02X", h->type);
        dev->counters.frames_ok--;
        dev->counters.frames_rejected++;
        fail(dev, h, BT_ERR_UNKNOWN_TYPE, text);
        break;
    }
    }
}

void bt_device_feed(bt_device *dev, const uint8_t *data, size_t len)
{
    while (len > 0) {
        bt_rx_result r;
        size_t used = bt_frame_receiver_feed(&dev->rx, data, len, BT_PROTO_MAJOR, &r);
        data += used;
        len -= used;
        if (r.status == BT_RX_FRAME) {
            dispatch(dev, &r.header, r.payload);
        } else if (r.status == BT_RX_REJECTED) {
            on_rejected(dev, &r);
        }
    }
}
