/* A fixed, seeded training run with a built-in model and synthetic data. Every port runs the same
 * arithmetic in the same order, so the final weights' CRC must be the same everywhere: the native
 * tests compare it with the virtual GAP9 (QEMU), and a device can report it as a self-test. */
#ifndef BT_SELFCHECK_H
#define BT_SELFCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "bt/engine.h"

#define BT_SELFCHECK_RUNS 3u

typedef struct bt_selfcheck_run {
    bt_status status;        /* BT_STATUS_OK or the first error */
    uint32_t weights_crc;    /* CRC-32C of the final parameters (float32 LE) */
    uint32_t first_loss_bits; /* mean loss of the first batch, as float32 bits */
    uint32_t last_loss_bits;  /* mean loss of the last batch */
    uint32_t last_correct;   /* training-accuracy hits in the last epoch */
    uint32_t samples;        /* training samples in the run */
} bt_selfcheck_run;

typedef struct bt_selfcheck_result {
    bt_selfcheck_run runs[BT_SELFCHECK_RUNS]; /* SGD + group norm, Adam + frozen BN, SGD + batch BN */
    uint32_t combined_crc;
    uint32_t samples_per_epoch;
} bt_selfcheck_result;

/* Runs the three configurations in the arena (a few tens of KiB suffice). e is scratch. */
bt_status bt_selfcheck(bt_engine *e, void *arena, size_t arena_size, bt_selfcheck_result *out);

/* The built-in model's blob (for tests that want to train it differently). */
size_t bt_selfcheck_model(uint8_t *out, size_t cap);

/* The synthetic data set: sample i (0 <= i < count) of the separable 3-class problem. */
void bt_selfcheck_sample(uint32_t i, bt_real *x, uint32_t *label);
#define BT_SELFCHECK_CHANNELS 4u
#define BT_SELFCHECK_SAMPLES 64u
#define BT_SELFCHECK_CLASSES 3u

#endif
