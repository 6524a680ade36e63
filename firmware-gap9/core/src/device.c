#include "bt/device.h"

#include <stdio.h>

#include "bt/version.h"

void bt_device_init(bt_device *dev, const bt_port *port, const bt_device_info *info)
{
    dev->port = *port;
    dev->info = info;
    dev->host_max_payload = BT_MIN_MAX_PAYLOAD;
    dev->counters = (bt_device_counters){0, 0, 0};
    bt_frame_receiver_init(&dev->rx, dev->rx_buf, sizeof dev->rx_buf);
}

void bt_device_reset_link(bt_device *dev)
{
    bt_frame_receiver_init(&dev->rx, dev->rx_buf, sizeof dev->rx_buf);
    dev->host_max_payload = BT_MIN_MAX_PAYLOAD;
}

static void reply(bt_device *dev, uint8_t type, uint16_t seq, uint8_t flags, const uint8_t *payload,
                  size_t len)
{
    bt_frame_header h = {BT_PROTO_MAJOR, type, flags, seq, 1u, 0u};
    bt_frame_send(dev->port.write, dev->port.ctx, &h, payload, len, NULL, 0);
}

static void send_error(bt_device *dev, uint16_t seq, bool seq_known, uint16_t code, uint8_t request_type,
                       const char *text)
{
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_error_encode(&w, code, request_type, text);
    dev->counters.errors_sent++;
    reply(dev, BT_MSG_ERROR, seq_known ? seq : 0u, seq_known ? 0u : BT_FLAG_UNSOLICITED, dev->reply_buf,
          w.pos);
}

static void on_hello(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    bt_hello hello;
    if (!bt_hello_decode(payload, h->length, &hello)) {
        send_error(dev, h->seq, true, BT_ERR_MALFORMED_PAYLOAD, h->type, "HELLO payload does not parse");
        return;
    }
    if (hello.proto_major != BT_PROTO_MAJOR) {
        char text[96];
        snprintf(text, sizeof text, "protocol version mismatch: device %u.%u, host %u.%u", BT_PROTO_MAJOR,
                 BT_PROTO_MINOR, hello.proto_major, hello.proto_minor);
        send_error(dev, h->seq, true, BT_ERR_VERSION_MISMATCH, h->type, text);
        return;
    }
    dev->host_max_payload = hello.max_payload < BT_MIN_MAX_PAYLOAD ? BT_MIN_MAX_PAYLOAD : hello.max_payload;

    bt_capabilities caps = {0};
    caps.proto_major = BT_PROTO_MAJOR;
    caps.proto_minor = BT_PROTO_MINOR;
    caps.firmware = BT_FIRMWARE_VERSION;
    caps.port = dev->info->port_name;
    caps.max_payload = BT_DEVICE_MAX_PAYLOAD;
    caps.clock_hz = dev->info->clock_hz;
    caps.cores = dev->info->cores;
    caps.features = dev->info->features;
    caps.rx_credit = 1u;
    caps.region_count = dev->info->region_count;
    for (uint8_t i = 0; i < caps.region_count && i < BT_MAX_REGIONS; i++) {
        caps.regions[i] = dev->info->regions[i];
    }
    bt_writer w = bt_writer_make(dev->reply_buf, sizeof dev->reply_buf);
    bt_capabilities_encode(&w, &caps);
    if (!w.ok) {
        send_error(dev, h->seq, true, BT_ERR_INTERNAL, h->type, "CAPABILITIES do not fit the reply buffer");
        return;
    }
    reply(dev, BT_MSG_CAPABILITIES, h->seq, 0u, dev->reply_buf, w.pos);
}

static void on_ping(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    if (h->length > dev->host_max_payload) {
        send_error(dev, h->seq, true, BT_ERR_FRAME_TOO_LARGE, h->type, "PONG would exceed the host's max_payload");
        return;
    }
    reply(dev, BT_MSG_PONG, h->seq, 0u, payload, h->length);
}

static void on_rejected(bt_device *dev, const bt_rx_result *r)
{
    dev->counters.frames_rejected++;
    char text[96];
    uint8_t type = r->header_valid ? r->header.type : 0u;
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
    send_error(dev, r->header_valid ? r->header.seq : 0u, r->header_valid, r->error, type, text);
}

static void dispatch(bt_device *dev, const bt_frame_header *h, const uint8_t *payload)
{
    switch (h->type) {
    case BT_MSG_HELLO: on_hello(dev, h, payload); break;
    case BT_MSG_PING: on_ping(dev, h, payload); break;
    default: {
        char text[48];
        snprintf(text, sizeof text, "unknown message type 0x%02X", h->type);
        dev->counters.frames_rejected++;
        send_error(dev, h->seq, true, BT_ERR_UNKNOWN_TYPE, h->type, text);
        return;
    }
    }
    dev->counters.frames_ok++;
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
