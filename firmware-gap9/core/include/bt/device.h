/* The device side of the protocol: feeds received bytes through the frame receiver, dispatches
 * requests, and sends responses through the port. One instance per link; no dynamic memory. */
#ifndef BT_DEVICE_H
#define BT_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "bt/cobs.h"
#include "bt/frame.h"
#include "bt/proto.h"

#ifndef BT_DEVICE_MAX_PAYLOAD
#define BT_DEVICE_MAX_PAYLOAD 8192u
#endif

/* What a port provides. write sends bytes on the link; instret returns instructions retired so far
 * (NULL when the port cannot count them); now_us is a monotonic clock for uptime. */
typedef struct bt_port {
    bt_byte_sink write;
    uint64_t (*instret)(void *ctx);
    uint64_t (*now_us)(void *ctx);
    void *ctx;
} bt_port;

/* Static description of the device a port runs on. */
typedef struct bt_device_info {
    const char *port_name;
    uint32_t clock_hz;
    uint8_t cores;
    uint8_t features;
    uint8_t region_count;
    const bt_region *regions;
} bt_device_info;

typedef struct bt_device_counters {
    uint32_t frames_ok;
    uint32_t frames_rejected;
    uint32_t errors_sent;
} bt_device_counters;

typedef struct bt_device {
    bt_port port;
    const bt_device_info *info;
    bt_frame_receiver rx;
    uint32_t host_max_payload;
    bt_device_counters counters;
    uint8_t rx_buf[BT_FRAME_RX_BUFFER_SIZE(BT_DEVICE_MAX_PAYLOAD)];
    uint8_t reply_buf[512]; /* small replies: CAPABILITIES, ERROR */
} bt_device;

void bt_device_init(bt_device *dev, const bt_port *port, const bt_device_info *info);

/* Forget a partly received frame, e.g. when a new host connects. */
void bt_device_reset_link(bt_device *dev);

/* Processes received bytes; responses go out through port.write before this returns. */
void bt_device_feed(bt_device *dev, const uint8_t *data, size_t len);

#endif
