/* Little-endian, bounds-checked readers and writers for message payloads.
 * A reader or writer that runs out of bytes sets ok = false and from then on reads zeros and
 * writes nothing, so a decoder checks ok once at the end instead of after every field. */
#ifndef BT_WIRE_H
#define BT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct bt_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    bool ok;
} bt_reader;

typedef struct bt_writer {
    uint8_t *data;
    size_t cap;
    size_t pos;
    bool ok;
} bt_writer;

static inline bt_reader bt_reader_make(const uint8_t *data, size_t len)
{
    bt_reader r = {data, len, 0, true};
    return r;
}

static inline bt_writer bt_writer_make(uint8_t *data, size_t cap)
{
    bt_writer w = {data, cap, 0, true};
    return w;
}

static inline const uint8_t *bt_rd_take(bt_reader *r, size_t n)
{
    if (!r->ok || n > r->len - r->pos) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    return p;
}

static inline uint8_t bt_rd_u8(bt_reader *r)
{
    const uint8_t *p = bt_rd_take(r, 1);
    return p ? p[0] : 0u;
}

static inline uint16_t bt_rd_u16(bt_reader *r)
{
    const uint8_t *p = bt_rd_take(r, 2);
    return p ? (uint16_t)(p[0] | (p[1] << 8)) : 0u;
}

static inline uint32_t bt_rd_u32(bt_reader *r)
{
    const uint8_t *p = bt_rd_take(r, 4);
    return p ? ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24)) : 0u;
}

static inline uint64_t bt_rd_u64(bt_reader *r)
{
    uint64_t lo = bt_rd_u32(r);
    uint64_t hi = bt_rd_u32(r);
    return lo | (hi << 32);
}

static inline float bt_rd_f32(bt_reader *r)
{
    uint32_t u = bt_rd_u32(r);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* A string is a u8 length then that many UTF-8 bytes (not terminated). */
static inline const char *bt_rd_str8(bt_reader *r, uint8_t *len)
{
    *len = bt_rd_u8(r);
    return (const char *)bt_rd_take(r, *len);
}

static inline bool bt_rd_done(const bt_reader *r) { return r->ok && r->pos == r->len; }

static inline uint8_t *bt_wr_take(bt_writer *w, size_t n)
{
    if (!w->ok || n > w->cap - w->pos) {
        w->ok = false;
        return NULL;
    }
    uint8_t *p = w->data + w->pos;
    w->pos += n;
    return p;
}

static inline void bt_wr_u8(bt_writer *w, uint8_t v)
{
    uint8_t *p = bt_wr_take(w, 1);
    if (p) {
        p[0] = v;
    }
}

static inline void bt_wr_u16(bt_writer *w, uint16_t v)
{
    uint8_t *p = bt_wr_take(w, 2);
    if (p) {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    }
}

static inline void bt_wr_u32(bt_writer *w, uint32_t v)
{
    uint8_t *p = bt_wr_take(w, 4);
    if (p) {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
    }
}

static inline void bt_wr_u64(bt_writer *w, uint64_t v)
{
    bt_wr_u32(w, (uint32_t)v);
    bt_wr_u32(w, (uint32_t)(v >> 32));
}

static inline void bt_wr_f32(bt_writer *w, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    bt_wr_u32(w, u);
}

static inline void bt_wr_bytes(bt_writer *w, const void *src, size_t n)
{
    uint8_t *p = bt_wr_take(w, n);
    if (p && n) {
        memcpy(p, src, n);
    }
}

/* Writes a string truncated to 255 bytes. */
static inline void bt_wr_str8(bt_writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0u;
    if (n > 255u) {
        n = 255u;
    }
    bt_wr_u8(w, (uint8_t)n);
    bt_wr_bytes(w, s, n);
}

#endif
