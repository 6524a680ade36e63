#include "bt/ring.h"

#include <string.h>

#include "bt/btmath.h"


void bt_ring_init(bt_ring *r, bt_real *storage, uint32_t rows, uint32_t cap)
{
    r->data = storage;
    r->rows = rows;
    r->cap = cap;
    bt_ring_clear(r);
}

void bt_ring_clear(bt_ring *r)
{
    r->head = 0u;
    r->filled = 0u;
    r->total = 0u;
}

float bt_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    uint32_t bits;
    if (exponent == 0x1Fu) {
        bits = sign | 0x7F800000u | (mantissa << 13); /* infinity, or NaN with its payload */
    } else if (exponent != 0u) {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0u) {
        bits = sign; /* signed zero */
    } else {
        /* Subnormal half: normalise into a float exponent. */
        uint32_t e = 113u;
        while ((mantissa & 0x400u) == 0u) {
            mantissa <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((mantissa & 0x3FFu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint32_t value_bytes(uint8_t format) { return format == BT_FORMAT_F32 ? 4u : 2u; }

bool bt_ring_append_parse(const uint8_t *payload, size_t len, uint32_t rows, bt_samples *out, const char **why)
{
    if (len < 4u) {
        *why = "wants format, reserved and count";
        return false;
    }
    out->format = payload[0];
    out->count = (uint16_t)(payload[2] | (payload[3] << 8));
    if (out->format > BT_FORMAT_I16_SCALED || payload[1] != 0u) {
        *why = "format must be 0 (float32), 1 (float16) or 2 (int16 scaled), reserved 0";
        return false;
    }
    size_t scales = out->format == BT_FORMAT_I16_SCALED ? 4u * (size_t)rows : 0u;
    size_t data = (size_t)out->count * rows * value_bytes(out->format);
    if (len != 4u + scales + data) {
        *why = "length is not the header, scales and count x rows values";
        return false;
    }
    out->scales = payload + 4u;
    out->data = payload + 4u + scales;
    return true;
}

static float read_f32(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static float read_value(const bt_samples *a, const uint8_t *p, uint32_t row)
{
    switch (a->format) {
    case BT_FORMAT_F16: return bt_half_to_float((uint16_t)(p[0] | (p[1] << 8)));
    case BT_FORMAT_I16_SCALED: return (float)(int16_t)(uint16_t)(p[0] | (p[1] << 8)) * read_f32(a->scales + 4u * row);
    default: return read_f32(p);
    }
}

void bt_ring_append(bt_ring *r, const bt_samples *a)
{
    uint32_t size = value_bytes(a->format);
    const uint8_t *p = a->data;
    for (uint32_t s = 0; s < a->count; s++) {
        for (uint32_t row = 0; row < r->rows; row++) {
            r->data[(size_t)row * r->cap + r->head] = (bt_real)read_value(a, p, row);
            p += size;
        }
        r->head = r->head + 1u == r->cap ? 0u : r->head + 1u;
        if (r->filled < r->cap) {
            r->filled++;
        }
    }
    r->total += a->count;
}

void bt_ring_window(const bt_ring *r, bt_real *dst, bool standardise)
{
    /* With a full ring, the oldest sample sits at head. */
    uint32_t tail = r->cap - r->head;
    for (uint32_t row = 0; row < r->rows; row++) {
        const bt_real *src = r->data + (size_t)row * r->cap;
        bt_real *out = dst + (size_t)row * r->cap;
        memcpy(out, src + r->head, sizeof(bt_real) * tail);
        memcpy(out + tail, src, sizeof(bt_real) * r->head);
        if (!standardise) {
            continue;
        }
        /* Two passes in float: the mean, then the spread around it (accurate without the software
         * double a one-pass E[x^2] - mean^2 would need on RV32F, which costs 8 KB of L2 code). */
        bt_real sum = 0;
        for (uint32_t i = 0; i < r->cap; i++) {
            sum += out[i];
        }
        bt_real mean = sum / (bt_real)r->cap;
        bt_real squares = 0;
        for (uint32_t i = 0; i < r->cap; i++) {
            bt_real d = out[i] - mean;
            squares += d * d;
        }
        bt_real scale = (bt_real)1 / bt_sqrt(squares / (bt_real)r->cap + (bt_real)1e-12);
        for (uint32_t i = 0; i < r->cap; i++) {
            out[i] = (out[i] - mean) * scale;
        }
    }
}
