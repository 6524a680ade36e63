/* The input ring (SPEC.md 3.14) on its own: float16 conversion of every code, the three sample
 * formats, wrap-around, windows oldest first, standardisation, and payloads that must be refused. */
#include <math.h>
#include <string.h>

#include "bt/ring.h"
#include "bt/wire.h"
#include "harness.h"

static void every_half_converts_exactly(void)
{
    uint32_t wrong = 0;
    for (uint32_t code = 0; code <= 0xFFFFu; code++) {
        uint16_t h = (uint16_t)code;
        _Float16 reference;
        memcpy(&reference, &h, sizeof h);
        float want = (float)reference, got = bt_half_to_float(h);
        uint32_t a, b;
        memcpy(&a, &want, 4);
        memcpy(&b, &got, 4);
        /* NaNs may differ in quietening; everything else bit for bit. */
        if (a != b && !(isnan(want) && isnan(got))) {
            wrong++;
        }
    }
    CHECK_EQ_U(wrong, 0u);
}

static size_t payload(uint8_t *out, uint8_t format, uint16_t count, const float *scales, uint32_t rows,
                      const void *values, size_t value_bytes)
{
    bt_writer w = bt_writer_make(out, 4096);
    bt_wr_u8(&w, format);
    bt_wr_u8(&w, 0u);
    bt_wr_u16(&w, count);
    for (uint32_t r = 0; scales && r < rows; r++) {
        bt_wr_f32(&w, scales[r]);
    }
    bt_wr_bytes(&w, (const uint8_t *)values, value_bytes);
    return w.pos;
}

static void formats_wrap_and_window(void)
{
    static bt_real storage[2 * 4];
    bt_ring ring;
    bt_ring_init(&ring, storage, 2u, 4u);
    uint8_t p[4096];
    bt_samples a;
    const char *why;

    /* 3 samples of float32, then 2 of float16, then 1 of int16: 6 appended, the ring keeps the last 4. */
    const float f32[6] = {1, 10, 2, 20, 3, 30};
    CHECK(bt_ring_append_parse(p, payload(p, BT_FORMAT_F32, 3, NULL, 2, f32, sizeof f32), 2u, &a, &why));
    bt_ring_append(&ring, &a);
    CHECK_EQ_U(ring.filled, 3u);
    const uint16_t f16[4] = {0x4400, 0x5100, 0x4500, 0x5240}; /* 4, 40, 5, 50 */
    CHECK(bt_ring_append_parse(p, payload(p, BT_FORMAT_F16, 2, NULL, 2, f16, sizeof f16), 2u, &a, &why));
    bt_ring_append(&ring, &a);
    const float scales[2] = {0.5f, 2.0f};
    const int16_t i16[2] = {12, 30}; /* 6, 60 */
    CHECK(bt_ring_append_parse(p, payload(p, BT_FORMAT_I16_SCALED, 1, scales, 2, i16, sizeof i16), 2u, &a, &why));
    bt_ring_append(&ring, &a);
    CHECK_EQ_U(ring.filled, 4u);
    CHECK_EQ_U(ring.total, 6u);

    bt_real window[8];
    bt_ring_window(&ring, window, false);
    const bt_real want[8] = {3, 4, 5, 6, 30, 40, 50, 60};
    CHECK(memcmp(window, want, sizeof want) == 0);

    bt_ring_window(&ring, window, true);
    /* Row 0 is 3..6: mean 4.5, population variance 1.25. */
    CHECK(fabs((double)window[0] - (3.0 - 4.5) / sqrt(1.25)) < 1e-6);
    CHECK(fabs((double)window[7] - (60.0 - 45.0) / sqrt(125.0)) < 1e-6);

    bt_ring_clear(&ring);
    CHECK_EQ_U(ring.filled, 0u);
    CHECK_EQ_U(ring.total, 0u);
}

static void constant_rows_standardise_to_zero(void)
{
    static bt_real storage[3];
    bt_ring ring;
    bt_ring_init(&ring, storage, 1u, 3u);
    uint8_t p[64];
    const float same[3] = {7, 7, 7};
    bt_samples a;
    const char *why;
    CHECK(bt_ring_append_parse(p, payload(p, BT_FORMAT_F32, 3, NULL, 1, same, sizeof same), 1u, &a, &why));
    bt_ring_append(&ring, &a);
    bt_real window[3];
    bt_ring_window(&ring, window, true);
    CHECK(window[0] == 0 && window[1] == 0 && window[2] == 0);
}

static void bad_payloads_are_refused(void)
{
    uint8_t p[64];
    bt_samples a;
    const char *why = NULL;
    const float two[2] = {1, 2};
    size_t n = payload(p, BT_FORMAT_F32, 1, NULL, 2, two, sizeof two);
    CHECK(bt_ring_append_parse(p, n, 2u, &a, &why));
    CHECK(!bt_ring_append_parse(p, n - 1, 2u, &a, &why)); /* a value cut short */
    CHECK(!bt_ring_append_parse(p, n, 3u, &a, &why));     /* rows disagree */
    CHECK(!bt_ring_append_parse(p, 3, 2u, &a, &why));     /* no header */
    p[0] = 3;                                            /* unknown format */
    CHECK(!bt_ring_append_parse(p, n, 2u, &a, &why));
    p[0] = 0;
    p[1] = 1; /* reserved must be 0 */
    CHECK(!bt_ring_append_parse(p, n, 2u, &a, &why));
    CHECK(why != NULL);
    /* count 0 is allowed and appends nothing */
    n = payload(p, BT_FORMAT_F16, 0, NULL, 2, NULL, 0);
    CHECK(bt_ring_append_parse(p, n, 2u, &a, &why));
    CHECK_EQ_U(a.count, 0u);
}

int main(void)
{
    every_half_converts_exactly();
    formats_wrap_and_window();
    constant_rows_standardise_to_zero();
    bad_payloads_are_refused();
    return bt_test_report("ring");
}
