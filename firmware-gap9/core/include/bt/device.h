/* The device side of the protocol (protocol/SPEC.md): feeds received bytes through the frame
 * receiver, dispatches requests to the training engine, and sends responses through the port.
 * One instance per link; no dynamic memory. */
#ifndef BT_DEVICE_H
#define BT_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt/cobs.h"
#include "bt/engine.h"
#include "bt/frame.h"
#include "bt/proto.h"
#include "bt/ring.h"

#ifndef BT_DEVICE_MAX_PAYLOAD
#define BT_DEVICE_MAX_PAYLOAD 8192u
#endif

/* The arena every port gives to models: GAP9's L2 (1.5 MiB) less 128 KiB kept for the firmware's
 * code, data and frame buffers. The same size on every port, so a plan that fits one fits all. */
#define BT_ARENA_BYTES (1408u * 1024u)

/* Confusion counts are kept for models of up to this many classes. */
#define BT_DEVICE_MAX_CLASSES 32u

/* What a port provides. write sends bytes on the link; instret returns instructions retired so far
 * (NULL when the port cannot count them); now_us is a monotonic clock for uptime. */
typedef struct bt_port {
    bt_byte_sink write;
    uint64_t (*instret)(void *ctx);
    uint64_t (*now_us)(void *ctx);
    void *ctx;
} bt_port;

/* Static description of the device a port runs on, and the memory it gives to models. */
typedef struct bt_device_info {
    const char *port_name;
    uint32_t clock_hz;
    uint8_t cores;
    uint8_t features;
    uint8_t region_count;
    const bt_region *regions;
    uint8_t *arena;      /* 16-byte aligned */
    uint32_t arena_size; /* 0: no training */
} bt_device_info;

typedef struct bt_device_counters {
    uint32_t frames_ok;
    uint32_t frames_rejected;
    uint32_t errors_sent;
    uint32_t duplicates;
    uint32_t batches;
    uint32_t samples;
    uint64_t instructions;
} bt_device_counters;

/* The open batch (SPEC.md 3.7-3.9). */
typedef struct bt_device_batch {
    bool open;
    bool ended;
    uint8_t mode;
    uint32_t id;
    uint16_t count;
    uint16_t next_index;  /* sample being received */
    uint32_t received;    /* bytes of that sample */
    float loss_sum;
    uint16_t correct;
    uint64_t instructions;
    uint64_t macs;
    uint32_t labels[64];  /* batch-norm mode runs the whole batch at BATCH_END */
    uint16_t confusion[BT_DEVICE_MAX_CLASSES * BT_DEVICE_MAX_CLASSES];
} bt_device_batch;

typedef struct bt_device {
    bt_port port;
    const bt_device_info *info;
    bt_frame_receiver rx;
    uint32_t host_max_payload;
    bt_device_counters counters;
    uint64_t started_us;

    /* Duplicate suppression (SPEC.md 7): the last executed request and its response. */
    bool last_valid;
    uint16_t last_seq;
    uint8_t last_type;
    uint32_t last_len;

    /* Model upload staging at the top of the arena, and the engine below it. */
    uint32_t blob_size, blob_crc, blob_received, blob_reserve;
    uint32_t model_crc;
    uint32_t weights_received; /* WEIGHTS_WRITE staging */
    bt_engine engine;
    bt_device_batch batch;
    bt_ring ring; /* SPEC.md 3.14: reserved in the arena right after the plan's peak */

    _Alignas(16) uint8_t rx_buf[BT_FRAME_RX_BUFFER_SIZE(BT_DEVICE_MAX_PAYLOAD)];
    _Alignas(16) uint8_t reply_buf[BT_DEVICE_MAX_PAYLOAD]; /* also the last response, for duplicates */
} bt_device;

void bt_device_init(bt_device *dev, const bt_port *port, const bt_device_info *info);

/* Forget a partly received frame and the duplicate-suppression memory, e.g. when a new host
 * connects. A loaded model stays. */
void bt_device_reset_link(bt_device *dev);

/* Processes received bytes; responses go out through port.write before this returns. */
void bt_device_feed(bt_device *dev, const uint8_t *data, size_t len);

/* GAP9 estimate model E1 (SPEC.md 8): cycles and energy from multiply-accumulates. */
uint64_t bt_estimate_cycles(uint64_t macs);
uint32_t bt_estimate_energy_uj(uint64_t cycles);

#endif
