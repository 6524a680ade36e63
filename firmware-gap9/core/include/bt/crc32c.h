/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by the frame trailer. */
#ifndef BT_CRC32C_H
#define BT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC over more bytes. Start with bt_crc32c_begin(), finish with bt_crc32c_end(). */
uint32_t bt_crc32c_update(uint32_t state, const uint8_t *data, size_t len);

static inline uint32_t bt_crc32c_begin(void) { return 0xFFFFFFFFu; }
static inline uint32_t bt_crc32c_end(uint32_t state) { return state ^ 0xFFFFFFFFu; }

/* One-shot CRC-32C of a buffer. */
uint32_t bt_crc32c(const uint8_t *data, size_t len);

#endif
