#include "bt/proto.h"

static bt_str read_str(bt_reader *r)
{
    bt_str s;
    s.data = bt_rd_str8(r, &s.len);
    return s;
}

static void write_str(bt_writer *w, bt_str s)
{
    bt_wr_u8(w, s.len);
    bt_wr_bytes(w, s.data, s.len);
}

bool bt_hello_decode(const uint8_t *payload, size_t len, bt_hello *out)
{
    bt_reader r = bt_reader_make(payload, len);
    out->proto_major = bt_rd_u16(&r);
    out->proto_minor = bt_rd_u16(&r);
    out->max_payload = bt_rd_u32(&r);
    out->host = read_str(&r);
    return bt_rd_done(&r);
}

void bt_hello_encode(bt_writer *w, const bt_hello *msg)
{
    bt_wr_u16(w, msg->proto_major);
    bt_wr_u16(w, msg->proto_minor);
    bt_wr_u32(w, msg->max_payload);
    write_str(w, msg->host);
}

void bt_capabilities_encode(bt_writer *w, const bt_capabilities *msg)
{
    bt_wr_u16(w, msg->proto_major);
    bt_wr_u16(w, msg->proto_minor);
    bt_wr_str8(w, msg->firmware);
    bt_wr_str8(w, msg->port);
    bt_wr_u32(w, msg->max_payload);
    bt_wr_u32(w, msg->clock_hz);
    bt_wr_u8(w, msg->cores);
    bt_wr_u8(w, msg->features);
    bt_wr_u16(w, msg->rx_credit);
    uint8_t count = msg->region_count > BT_MAX_REGIONS ? (uint8_t)BT_MAX_REGIONS : msg->region_count;
    bt_wr_u8(w, count);
    for (uint8_t i = 0; i < count; i++) {
        bt_wr_str8(w, msg->regions[i].name);
        bt_wr_u32(w, msg->regions[i].base);
        bt_wr_u32(w, msg->regions[i].size);
    }
    bt_wr_u32(w, msg->arena_bytes);
}

bool bt_wire_config_decode(const uint8_t *payload, size_t len, bt_wire_config *out)
{
    bt_reader r = bt_reader_make(payload, len);
    out->optimizer = bt_rd_u8(&r);
    out->norm_mode = bt_rd_u8(&r);
    out->scope = bt_rd_u8(&r);
    (void)bt_rd_u8(&r);
    out->learning_rate = bt_rd_f32(&r);
    out->momentum = bt_rd_f32(&r);
    out->weight_decay = bt_rd_f32(&r);
    out->beta1 = bt_rd_f32(&r);
    out->beta2 = bt_rd_f32(&r);
    out->eps = bt_rd_f32(&r);
    out->batch_size = bt_rd_u16(&r);
    out->norm_groups = bt_rd_u16(&r);
    out->bn_momentum = bt_rd_f32(&r);
    out->layer_count = bt_rd_u8(&r);
    if (out->layer_count > BT_PROTO_MAX_LAYER_SCOPES) {
        return false;
    }
    const uint8_t *scopes = bt_rd_take(&r, out->layer_count);
    if (scopes) {
        memcpy(out->layer_scope, scopes, out->layer_count);
    }
    return bt_rd_done(&r);
}

void bt_wire_config_encode(bt_writer *w, const bt_wire_config *cfg)
{
    bt_wr_u8(w, cfg->optimizer);
    bt_wr_u8(w, cfg->norm_mode);
    bt_wr_u8(w, cfg->scope);
    bt_wr_u8(w, 0u);
    bt_wr_f32(w, cfg->learning_rate);
    bt_wr_f32(w, cfg->momentum);
    bt_wr_f32(w, cfg->weight_decay);
    bt_wr_f32(w, cfg->beta1);
    bt_wr_f32(w, cfg->beta2);
    bt_wr_f32(w, cfg->eps);
    bt_wr_u16(w, cfg->batch_size);
    bt_wr_u16(w, cfg->norm_groups);
    bt_wr_f32(w, cfg->bn_momentum);
    bt_wr_u8(w, cfg->layer_count);
    bt_wr_bytes(w, cfg->layer_scope, cfg->layer_count);
}

void bt_model_plan_encode(bt_writer *w, const bt_model_plan_msg *m)
{
    bt_wr_u32(w, m->arena_bytes);
    bt_wr_u32(w, m->peak_bytes);
    bt_wr_u32(w, m->naive_bytes);
    bt_wr_u32(w, m->weight_bytes);
    bt_wr_u32(w, m->grad_bytes);
    bt_wr_u32(w, m->optim_bytes);
    bt_wr_u32(w, m->activation_bytes);
    bt_wr_u32(w, m->param_count);
    bt_wr_u32(w, m->trainable_count);
    bt_wr_u64(w, m->macs_forward);
    bt_wr_u32(w, m->input_values);
    bt_wr_u16(w, m->classes);
    bt_wr_u16(w, m->batch_resident);
    bt_wr_u32(w, m->model_crc);
    bt_wr_u32(w, m->ring_bytes);
}

bool bt_sample_decode(const uint8_t *payload, size_t len, bt_sample_msg *out)
{
    bt_reader r = bt_reader_make(payload, len);
    out->batch_id = bt_rd_u32(&r);
    out->index = bt_rd_u16(&r);
    out->label = bt_rd_u16(&r);
    out->offset = bt_rd_u32(&r);
    if (!r.ok) {
        return false;
    }
    out->len = (uint32_t)(len - r.pos);
    out->data = payload + r.pos;
    return true;
}

void bt_batch_result_encode(bt_writer *w, const bt_batch_result_msg *m)
{
    bt_wr_u32(w, m->batch_id);
    bt_wr_u8(w, m->mode);
    bt_wr_u8(w, 0u);
    bt_wr_u16(w, m->count);
    bt_wr_f32(w, m->loss_mean);
    bt_wr_u16(w, m->correct);
    bt_wr_u16(w, m->classes);
    bt_wr_u64(w, m->instructions);
    bt_wr_u64(w, m->macs);
    bt_wr_u64(w, m->est_cycles);
    bt_wr_u32(w, m->est_energy_uj);
    bt_wr_u32(w, m->step);
    bt_wr_u32(w, m->params_crc);
    for (uint32_t i = 0; i < (uint32_t)m->classes * m->classes; i++) {
        bt_wr_u16(w, m->confusion[i]);
    }
}

void bt_stats_encode(bt_writer *w, const bt_stats_msg *m)
{
    bt_wr_u64(w, m->uptime_us);
    bt_wr_u32(w, m->arena_bytes);
    bt_wr_u32(w, m->peak_bytes);
    bt_wr_u8(w, m->model_loaded);
    bt_wr_u8(w, 0u);
    bt_wr_u16(w, 0u);
    bt_wr_u32(w, m->frames_ok);
    bt_wr_u32(w, m->frames_rejected);
    bt_wr_u32(w, m->errors_sent);
    bt_wr_u32(w, m->duplicates);
    bt_wr_u32(w, m->batches);
    bt_wr_u32(w, m->samples);
    bt_wr_u32(w, m->steps);
    bt_wr_u64(w, m->instructions);
    bt_wr_u32(w, m->params_crc);
}

bool bt_error_decode(const uint8_t *payload, size_t len, bt_error_msg *out)
{
    bt_reader r = bt_reader_make(payload, len);
    out->code = bt_rd_u16(&r);
    out->request_type = bt_rd_u8(&r);
    (void)bt_rd_u8(&r);
    out->text = read_str(&r);
    return bt_rd_done(&r);
}

void bt_error_encode(bt_writer *w, uint16_t code, uint8_t request_type, const char *text)
{
    bt_wr_u16(w, code);
    bt_wr_u8(w, request_type);
    bt_wr_u8(w, 0u);
    bt_wr_str8(w, text);
}
