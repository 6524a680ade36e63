#include "bt/crc32c.h"

/* A 16-entry (nibble) table: 64 bytes of flash instead of 1 KiB, two lookups per byte. */
static const uint32_t nibble_table[16] = {
    0x00000000U, 0x105EC76FU, 0x20BD8EDEU, 0x30E349B1U, 0x417B1DBCU, 0x5125DAD3U,
    0x61C69362U, 0x7198540DU, 0x82F63B78U, 0x92A8FC17U, 0xA24BB5A6U, 0xB21572C9U,
    0xC38D26C4U, 0xD3D3E1ABU, 0xE330A81AU, 0xF36E6F75U,
};

uint32_t bt_crc32c_update(uint32_t state, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        state ^= data[i];
        state = (state >> 4) ^ nibble_table[state & 0x0Fu];
        state = (state >> 4) ^ nibble_table[state & 0x0Fu];
    }
    return state;
}

uint32_t bt_crc32c(const uint8_t *data, size_t len)
{
    return bt_crc32c_end(bt_crc32c_update(bt_crc32c_begin(), data, len));
}
