/* CRC-32C check values and COBS round trips, including the 254-byte block edges. */
#include <string.h>

#include "bt/cobs.h"
#include "bt/crc32c.h"
#include "harness.h"

static void crc_known_values(void)
{
    const uint8_t digits[] = "123456789";
    CHECK_EQ_U(bt_crc32c(digits, 9), 0xE3069283u); /* the CRC-32C check value */
    CHECK_EQ_U(bt_crc32c(NULL, 0), 0u);
    uint8_t zeros[32] = {0};
    CHECK_EQ_U(bt_crc32c(zeros, sizeof zeros), 0x8A9136AAu); /* RFC 3720 B.4 */
    uint32_t s = bt_crc32c_begin();
    s = bt_crc32c_update(s, digits, 4);
    s = bt_crc32c_update(s, digits + 4, 5);
    CHECK_EQ_U(bt_crc32c_end(s), 0xE3069283u);
}

static void cobs_round_trip(const uint8_t *data, size_t len)
{
    static uint8_t enc[4096];
    size_t n = bt_cobs_encode(data, len, enc, sizeof enc);
    CHECK(n > 0);
    CHECK(n <= BT_COBS_MAX_ENCODED(len) + 1u);
    CHECK_EQ_U(enc[n - 1], 0u);
    for (size_t i = 0; i + 1 < n; i++) {
        if (enc[i] == 0u) {
            CHECK(!"zero byte inside an encoded frame");
            break;
        }
    }
    long d = bt_cobs_decode_inplace(enc, n - 1);
    CHECK_EQ_U(d, len);
    CHECK(d >= 0 && memcmp(enc, data, len) == 0);
}

static void cobs_edges(void)
{
    static uint8_t data[2048];
    uint32_t seed = 12345u;
    const size_t sizes[] = {0, 1, 2, 253, 254, 255, 256, 507, 508, 509, 1000, 2048};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (int pattern = 0; pattern < 3; pattern++) {
            for (size_t i = 0; i < sizes[s]; i++) {
                uint32_t r = bt_test_rand(&seed);
                data[i] = pattern == 0 ? 0u : pattern == 1 ? (uint8_t)(1u + r % 255u) : (uint8_t)r;
            }
            cobs_round_trip(data, sizes[s]);
        }
    }
    /* Encoding of an empty body and of a lone zero. */
    uint8_t enc[8];
    CHECK_EQ_U(bt_cobs_encode(NULL, 0, enc, sizeof enc), 2u);
    CHECK(enc[0] == 0x01 && enc[1] == 0x00);
    const uint8_t zero = 0;
    CHECK_EQ_U(bt_cobs_encode(&zero, 1, enc, sizeof enc), 3u);
    CHECK(enc[0] == 0x01 && enc[1] == 0x01 && enc[2] == 0x00);
    /* Too small an output buffer is reported, not overrun. */
    uint8_t big[300];
    memset(big, 7, sizeof big);
    CHECK_EQ_U(bt_cobs_encode(big, sizeof big, enc, sizeof enc), 0u);
}

static void cobs_rejects_bad_input(void)
{
    uint8_t truncated[] = {0x05, 0x11, 0x22};
    CHECK(bt_cobs_decode_inplace(truncated, sizeof truncated) < 0);
    uint8_t inner_zero[] = {0x03, 0x11, 0x00};
    CHECK(bt_cobs_decode_inplace(inner_zero, sizeof inner_zero) < 0);
    uint8_t zero_code[] = {0x00};
    CHECK(bt_cobs_decode_inplace(zero_code, sizeof zero_code) < 0);
    /* Random garbage never makes the decoder read or write out of bounds (run under ASan/valgrind). */
    uint32_t seed = 99u;
    static uint8_t junk[600];
    for (int round = 0; round < 2000; round++) {
        size_t n = bt_test_rand(&seed) % sizeof junk;
        for (size_t i = 0; i < n; i++) {
            junk[i] = (uint8_t)bt_test_rand(&seed);
        }
        long d = bt_cobs_decode_inplace(junk, n);
        CHECK(d <= (long)n);
    }
}

int main(void)
{
    crc_known_values();
    cobs_edges();
    cobs_rejects_bad_input();
    return bt_test_report("crc32c_cobs");
}
