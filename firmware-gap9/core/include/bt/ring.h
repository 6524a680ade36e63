/* The input ring (protocol/SPEC.md 3.14): the latest T samples of the model's R input rows, fed
 * sample by sample as the host streams them, read as one window by PREDICT. No dynamic memory:
 * the storage is given (the device reserves it in its arena beside the training plan). */
#ifndef BT_RING_H
#define BT_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bt/real.h"

enum bt_sample_format {
    BT_FORMAT_F32 = 0,
    BT_FORMAT_F16 = 1,
    BT_FORMAT_I16_SCALED = 2,
};

typedef struct bt_ring {
    bt_real *data;   /* rows x cap, row r at data + r * cap */
    uint32_t rows;
    uint32_t cap;    /* T, the window */
    uint32_t head;   /* where the next sample goes */
    uint32_t filled; /* samples held, <= cap */
    uint64_t total;  /* samples appended since the ring last started empty */
} bt_ring;

/* A SAMPLES_APPEND payload (also the tail of PREDICT's), checked against the ring's rows. */
typedef struct bt_samples {
    uint8_t format;
    uint16_t count;
    const uint8_t *scales; /* rows x f32, format 2 only */
    const uint8_t *data;   /* count x rows values, sample-major */
} bt_samples;

void bt_ring_init(bt_ring *r, bt_real *storage, uint32_t rows, uint32_t cap);
void bt_ring_clear(bt_ring *r);

/* Parses an append payload for a ring of `rows` rows; on failure returns false and a reason. */
bool bt_ring_append_parse(const uint8_t *payload, size_t len, uint32_t rows, bt_samples *out, const char **why);

/* Appends the parsed samples, converting them to bt_real; older samples fall out beyond cap. */
void bt_ring_append(bt_ring *r, const bt_samples *a);

/* The latest cap samples, oldest first, into dst (rows x cap, row-major: the model's input layout).
 * With standardise, each row becomes (x - mean) / sqrt(var + 1e-12) over the window. Needs a full ring. */
void bt_ring_window(const bt_ring *r, bt_real *dst, bool standardise);

/* IEEE-754 binary16 to binary32, exactly (subnormals, infinities and NaNs included). */
float bt_half_to_float(uint16_t h);

#endif
