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
