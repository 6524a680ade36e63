#include "bt/frame.h"

#include "bt/crc32c.h"
#include "bt/wire.h"

const char *bt_error_name(uint16_t code)
{
    switch (code) {
    case BT_OK: return "OK";
    case BT_ERR_BAD_FRAMING: return "BAD_FRAMING";
    case BT_ERR_BAD_CRC: return "BAD_CRC";
    case BT_ERR_FRAME_TOO_LARGE: return "FRAME_TOO_LARGE";
    case BT_ERR_BAD_LENGTH: return "BAD_LENGTH";
    case BT_ERR_VERSION_MISMATCH: return "VERSION_MISMATCH";
    case BT_ERR_UNKNOWN_TYPE: return "UNKNOWN_TYPE";
    case BT_ERR_MALFORMED_PAYLOAD: return "MALFORMED_PAYLOAD";
    case BT_ERR_NOT_READY: return "NOT_READY";
    case BT_ERR_BUSY: return "BUSY";
    case BT_ERR_NO_MEMORY: return "NO_MEMORY";
    case BT_ERR_INTERNAL: return "INTERNAL";
    case BT_ERR_NON_FINITE: return "NON_FINITE";
    default: return "UNKNOWN";
    }
}

void bt_frame_header_write(const bt_frame_header *h, uint8_t out[BT_FRAME_HEADER_SIZE])
{
    bt_writer w = bt_writer_make(out, BT_FRAME_HEADER_SIZE);
    bt_wr_u8(&w, h->version);
    bt_wr_u8(&w, h->type);
    bt_wr_u8(&w, h->flags);
    bt_wr_u8(&w, 0u);
    bt_wr_u16(&w, h->seq);
    bt_wr_u16(&w, h->credit);
    bt_wr_u32(&w, h->length);
}

bt_frame_header bt_frame_header_read(const uint8_t in[BT_FRAME_HEADER_SIZE])
{
    bt_reader r = bt_reader_make(in, BT_FRAME_HEADER_SIZE);
    bt_frame_header h;
    h.version = bt_rd_u8(&r);
    h.type = bt_rd_u8(&r);
    h.flags = bt_rd_u8(&r);
    (void)bt_rd_u8(&r);
    h.seq = bt_rd_u16(&r);
    h.credit = bt_rd_u16(&r);
    h.length = bt_rd_u32(&r);
    return h;
}

static bt_rx_result rejected(uint16_t error)
{
    bt_rx_result r = {BT_RX_REJECTED, error, false, {0, 0, 0, 0, 0, 0}, NULL};
    return r;
}

bt_rx_result bt_frame_check(const uint8_t *frame, size_t len, uint8_t expected_version)
{
    if (len < BT_FRAME_OVERHEAD) {
        return rejected(BT_ERR_BAD_FRAMING);
    }
    size_t body = len - BT_FRAME_CRC_SIZE;
    bt_reader crc_reader = bt_reader_make(frame + body, BT_FRAME_CRC_SIZE);
    if (bt_crc32c(frame, body) != bt_rd_u32(&crc_reader)) {
        return rejected(BT_ERR_BAD_CRC);
    }
    bt_rx_result r = rejected(BT_OK);
    r.header = bt_frame_header_read(frame);
    r.header_valid = true;
    if (r.header.length != len - BT_FRAME_OVERHEAD) {
        r.error = BT_ERR_BAD_LENGTH;
        return r;
    }
    if (r.header.version != expected_version) {
        r.error = BT_ERR_VERSION_MISMATCH;
        r.payload = frame + BT_FRAME_HEADER_SIZE;
        return r;
    }
    r.status = BT_RX_FRAME;
    r.payload = frame + BT_FRAME_HEADER_SIZE;
    return r;
}

void bt_frame_receiver_init(bt_frame_receiver *rx, uint8_t *buf, size_t cap)
{
    rx->buf = buf;
    rx->cap = cap;
    rx->n = 0;
    rx->overflow = false;
}

size_t bt_frame_receiver_feed(bt_frame_receiver *rx, const uint8_t *data, size_t len,
                              uint8_t expected_version, bt_rx_result *result)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (b != 0u) {
            if (rx->n < rx->cap) {
                rx->buf[rx->n++] = b;
            } else {
                rx->overflow = true;
            }
            continue;
        }
        size_t n = rx->n;
        bool overflow = rx->overflow;
        rx->n = 0;
        rx->overflow = false;
        if (overflow) {
            *result = rejected(BT_ERR_FRAME_TOO_LARGE);
            return i + 1;
        }
        if (n == 0) {
            continue; /* an empty frame: a leading or repeated delimiter */
        }
        long decoded = bt_cobs_decode_inplace(rx->buf, n);
        *result = decoded < 0 ? rejected(BT_ERR_BAD_FRAMING)
                              : bt_frame_check(rx->buf, (size_t)decoded, expected_version);
        return i + 1;
    }
    result->status = BT_RX_NEED_MORE;
    return len;
}

void bt_frame_send(bt_byte_sink sink, void *ctx, const bt_frame_header *header,
                   const uint8_t *part1, size_t len1, const uint8_t *part2, size_t len2)
{
    bt_frame_header h = *header;
    h.length = (uint32_t)(len1 + len2);
    uint8_t head[BT_FRAME_HEADER_SIZE];
    bt_frame_header_write(&h, head);

    uint32_t crc = bt_crc32c_begin();
    crc = bt_crc32c_update(crc, head, sizeof head);
    crc = bt_crc32c_update(crc, part1, len1);
    crc = bt_crc32c_update(crc, part2, len2);
    uint8_t tail[BT_FRAME_CRC_SIZE];
    bt_writer w = bt_writer_make(tail, sizeof tail);
    bt_wr_u32(&w, bt_crc32c_end(crc));

    bt_cobs_encoder enc;
    bt_cobs_encoder_begin(&enc, sink, ctx);
    bt_cobs_encoder_put(&enc, head, sizeof head);
    bt_cobs_encoder_put(&enc, part1, len1);
    bt_cobs_encoder_put(&enc, part2, len2);
    bt_cobs_encoder_put(&enc, tail, sizeof tail);
    bt_cobs_encoder_end(&enc);
}
