#include "bt/cobs.h"

#include <string.h>

long bt_cobs_decode_inplace(uint8_t *buf, size_t len)
{
    size_t in = 0;
    size_t out = 0;
    while (in < len) {
        uint8_t code = buf[in++];
        if (code == 0u) {
            return -1;
        }
        size_t run = (size_t)code - 1u;
        if (run > len - in) {
            return -1;
        }
        for (size_t k = 0; k < run; k++) {
            uint8_t b = buf[in + k];
            if (b == 0u) {
                return -1;
            }
            buf[out++] = b;
        }
        in += run;
        if (code != 0xFFu && in < len) {
            buf[out++] = 0u;
        }
    }
    return (long)out;
}

static void flush_block(bt_cobs_encoder *enc)
{
    enc->block[0] = (uint8_t)(enc->count + 1u);
    enc->sink(enc->ctx, enc->block, (size_t)enc->count + 1u);
    enc->count = 0;
}

void bt_cobs_encoder_begin(bt_cobs_encoder *enc, bt_byte_sink sink, void *ctx)
{
    enc->sink = sink;
    enc->ctx = ctx;
    enc->count = 0;
}

void bt_cobs_encoder_put(bt_cobs_encoder *enc, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == 0u) {
            flush_block(enc);
            continue;
        }
        enc->block[++enc->count] = data[i];
        if (enc->count == 254u) {
            flush_block(enc);
        }
    }
}

void bt_cobs_encoder_end(bt_cobs_encoder *enc)
{
    static const uint8_t delimiter = 0u;
    flush_block(enc);
    enc->sink(enc->ctx, &delimiter, 1);
}

typedef struct {
    uint8_t *out;
    size_t cap;
    size_t n;
    bool overflow;
} buffer_sink;

static void to_buffer(void *ctx, const uint8_t *data, size_t len)
{
    buffer_sink *b = (buffer_sink *)ctx;
    if (b->overflow || len > b->cap - b->n) {
        b->overflow = true;
        return;
    }
    memcpy(b->out + b->n, data, len);
    b->n += len;
}

size_t bt_cobs_encode(const uint8_t *data, size_t len, uint8_t *out, size_t cap)
{
    buffer_sink sink = {out, cap, 0, false};
    bt_cobs_encoder enc;
    bt_cobs_encoder_begin(&enc, to_buffer, &sink);
    bt_cobs_encoder_put(&enc, data, len);
    bt_cobs_encoder_end(&enc);
    return sink.overflow ? 0u : sink.n;
}
