/* Consistent Overhead Byte Stuffing: frames on the wire contain no 0x00, which delimits them. */
#ifndef BT_COBS_H
#define BT_COBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Worst-case encoded size of n bytes (without the trailing delimiter). */
#define BT_COBS_MAX_ENCODED(n) ((n) + ((n) / 254u) + 1u)

/* Decode in place (output never exceeds input). Returns the decoded length, or -1 when the
 * input holds a zero byte or a block runs past the end (a truncated or corrupted frame). */
long bt_cobs_decode_inplace(uint8_t *buf, size_t len);

/* Streaming encoder: bytes go in piecewise, complete blocks go out through the sink, so a frame
 * can be sent from several buffers (header, payload, CRC) without assembling it first. */
typedef void (*bt_byte_sink)(void *ctx, const uint8_t *data, size_t len);

typedef struct bt_cobs_encoder {
    bt_byte_sink sink;
    void *ctx;
    uint8_t block[255]; /* block[0] is the code byte */
    uint8_t count;      /* data bytes in the current block, 0..254 */
} bt_cobs_encoder;

void bt_cobs_encoder_begin(bt_cobs_encoder *enc, bt_byte_sink sink, void *ctx);
void bt_cobs_encoder_put(bt_cobs_encoder *enc, const uint8_t *data, size_t len);
/* Emits the last block and the 0x00 delimiter. */
void bt_cobs_encoder_end(bt_cobs_encoder *enc);

/* One-shot encode into out (capacity cap), with the trailing 0x00. Returns bytes written or 0. */
size_t bt_cobs_encode(const uint8_t *data, size_t len, uint8_t *out, size_t cap);

#endif
