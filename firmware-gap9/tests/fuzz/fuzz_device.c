/* libFuzzer target for the device end of the protocol: every input must leave the device up,
 * answering, and within its memory (ASan/UBSan watch). The first byte picks how the rest is fed:
 *   bit 0 clear: raw link bytes (the frame decoder: COBS, CRC, lengths, versions);
 *   bit 0 set:   records (type u8, length u16, payload) sent as valid frames, so the message
 *                handlers see arbitrary payloads; bit 1 set first loads a model, so the
 *                training paths (batches, samples, weights) are reached too. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bt/crc32c.h"
#include "bt/device.h"

static _Alignas(16) uint8_t arena[BT_ARENA_BYTES];
static const bt_region regions[] = {{"L2", 0x1C000000u, 1572864u}};
static const bt_device_info info = {"fuzz", 370000000u, 1u, 0u, 1u, regions, arena, BT_ARENA_BYTES};
static bt_device dev;
static size_t sent_bytes;
static uint8_t model[32 * 1024];
static size_t model_len;

static void count_output(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)data;
    sent_bytes += len;
}

typedef struct frame_buf {
    uint8_t data[BT_FRAME_RX_BUFFER_SIZE(BT_DEVICE_MAX_PAYLOAD) + 8];
    size_t n;
} frame_buf;

static void to_buf(void *ctx, const uint8_t *data, size_t len)
{
    frame_buf *b = (frame_buf *)ctx;
    if (len <= sizeof b->data - b->n) {
        memcpy(b->data + b->n, data, len);
        b->n += len;
    }
}

static uint16_t seq;

static void send(uint8_t type, const uint8_t *payload, size_t len)
{
    static frame_buf buf;
    buf.n = 0;
    bt_frame_header h = {BT_PROTO_MAJOR, type, 0, ++seq, 0, 0};
    bt_frame_send(to_buf, &buf, &h, payload, len, NULL, 0);
    bt_device_feed(&dev, buf.data, buf.n);
}

static void load_model(void)
{
    uint8_t p[64];
    bt_writer w = bt_writer_make(p, sizeof p);
    bt_wr_u32(&w, (uint32_t)model_len);
    bt_wr_u32(&w, bt_crc32c(model, model_len));
    send(BT_MSG_MODEL_BEGIN, p, w.pos);
    static uint8_t chunk[4 + 4096];
    for (size_t off = 0; off < model_len; off += 4096) {
        size_t n = model_len - off < 4096 ? model_len - off : 4096;
        bt_writer cw = bt_writer_make(chunk, sizeof chunk);
        bt_wr_u32(&cw, (uint32_t)off);
        bt_wr_bytes(&cw, model + off, n);
        send(BT_MSG_MODEL_CHUNK, chunk, cw.pos);
    }
    bt_wire_config c;
    memset(&c, 0, sizeof c);
    c.scope = 1;
    c.learning_rate = 0.01f;
    c.beta1 = 0.9f;
    c.beta2 = 0.999f;
    c.eps = 1e-8f;
    c.batch_size = 4;
    bt_writer cw = bt_writer_make(p, sizeof p);
    bt_wire_config_encode(&cw, &c);
    send(BT_MSG_MODEL_COMMIT, p, cw.pos);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bt_zoo_params zp = bt_zoo_defaults(BT_ZOO_EPIDENET);
    zp.classes = 4;
    model_len = bt_zoo_build(BT_ZOO_EPIDENET, &zp, model, sizeof model);
    return model_len > 0 ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    bt_port port = {count_output, NULL, NULL, NULL};
    bt_device_init(&dev, &port, &info);
    seq = 0;
    uint8_t mode = data[0];
    data++;
    size--;
    if ((mode & 1u) == 0u) {
        bt_device_feed(&dev, data, size);
    } else {
        if (mode & 2u) {
            load_model();
        }
        while (size >= 3) {
            uint8_t type = data[0];
            size_t len = (size_t)(data[1] | (data[2] << 8)) % (BT_DEVICE_MAX_PAYLOAD + 1u);
            data += 3;
            size -= 3;
            len = len < size ? len : size;
            send(type, data, len);
            data += len;
            size -= len;
        }
    }
    /* Still up and answering. */
    size_t before = sent_bytes;
    send(BT_MSG_PING, (const uint8_t *)"alive", 5);
    if (sent_bytes == before) {
        __builtin_trap();
    }
    return 0;
}
