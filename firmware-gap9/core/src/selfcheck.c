#include "bt/selfcheck.h"

#include <string.h>

#include "bt/crc32c.h"

#define EPOCH 24u
#define BATCH 6u
#define EPOCHS 4u

size_t bt_selfcheck_model(uint8_t *out, size_t cap)
{
    static bt_model_writer w;
    bt_mw_begin(&w, "selfcheck", 1u, BT_SELFCHECK_CHANNELS, BT_SELFCHECK_SAMPLES);
    bt_mw_conv(&w, 4u, BT_SELFCHECK_CHANNELS, 1u, 1u, 1u, 0u, 0u, 0u, 0u, 1u, false); /* spatial */
    bt_mw_norm(&w, 2u, 1e-5f);
    bt_mw_relu(&w);
    bt_mw_conv(&w, 4u, 1u, 9u, 1u, 1u, 0u, 4u, 0u, 4u, 4u, false); /* depthwise temporal */
    bt_mw_norm(&w, 2u, 1e-5f);
    bt_mw_elu(&w, 1.0f);
    bt_mw_maxpool(&w, 1u, 4u, 1u, 4u);
    bt_mw_conv(&w, 8u, 1u, 3u, 1u, 2u, 0u, 1u, 0u, 1u, 2u, true); /* strided, grouped */
    bt_mw_avgpool(&w, 1u, 4u, 1u, 4u);
    bt_mw_flatten(&w);
    bt_mw_linear(&w, BT_SELFCHECK_CLASSES, true);
    return bt_mw_finish(&w, 42u, out, cap);
}

/* Class c: a square-ish wave of period 8 + 8c on channel c (channel 3 carries a mix), plus
 * noise. Integer arithmetic up to the final scaling, so every port makes the same floats. */
void bt_selfcheck_sample(uint32_t i, bt_real *x, uint32_t *label)
{
    uint32_t c = i % BT_SELFCHECK_CLASSES;
    uint32_t state = 0x9E3779B9u ^ (i * 2654435761u);
    uint32_t period = 8u + 8u * c;
    for (uint32_t ch = 0; ch < BT_SELFCHECK_CHANNELS; ch++) {
        for (uint32_t t = 0; t < BT_SELFCHECK_SAMPLES; t++) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            int32_t noise = (int32_t)(state % 401u) - 200; /* +-0.2 */
            int32_t signal = 0;
            if (ch == c || ch == 3u) {
                signal = ((t + i) % period) < period / 2u ? 1000 : -1000;
            }
            x[ch * BT_SELFCHECK_SAMPLES + t] = (bt_real)(signal + noise) / (bt_real)1000;
        }
    }
    *label = c;
}

static uint32_t float_bits(bt_real v)
{
    float f = (float)v;
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static void run_one(bt_engine *e, const uint8_t *blob, size_t len, void *arena, size_t arena_size,
                    const bt_train_config *cfg, bt_selfcheck_run *r)
{
    static bt_real x[BATCH * BT_SELFCHECK_CHANNELS * BT_SELFCHECK_SAMPLES];
    uint32_t labels[BATCH];
    memset(r, 0, sizeof *r);
    r->status = bt_engine_load(e, blob, len, arena, arena_size, cfg, NULL);
    for (uint32_t ep = 0; ep < EPOCHS && r->status == BT_STATUS_OK; ep++) {
        uint32_t correct = 0;
        for (uint32_t b = 0; b < EPOCH / BATCH && r->status == BT_STATUS_OK; b++) {
            for (uint32_t k = 0; k < BATCH; k++) {
                bt_selfcheck_sample(b * BATCH + k, x + k * BT_SELFCHECK_CHANNELS * BT_SELFCHECK_SAMPLES, &labels[k]);
            }
            bt_real loss = 0;
            uint32_t hits = 0;
            r->status = bt_engine_train_batch(e, x, labels, BATCH, &loss, &hits);
            if (r->status == BT_STATUS_OK) {
                r->status = bt_engine_step(e);
            }
            bt_real mean = loss / (bt_real)BATCH;
            if (ep == 0u && b == 0u) {
                r->first_loss_bits = float_bits(mean);
            }
            r->last_loss_bits = float_bits(mean);
            correct += hits;
            r->samples += BATCH;
        }
        r->last_correct = correct;
    }
    r->weights_crc = bt_engine_params_crc(e);
}

bt_status bt_selfcheck(bt_engine *e, void *arena, size_t arena_size, bt_selfcheck_result *out)
{
    static uint8_t blob[4096];
    size_t len = bt_selfcheck_model(blob, sizeof blob);
    memset(out, 0, sizeof *out);
    out->samples_per_epoch = EPOCH;
    if (len == 0u) {
        return BT_STATUS_INTERNAL;
    }
    bt_train_config cfg[BT_SELFCHECK_RUNS];
    for (uint32_t k = 0; k < BT_SELFCHECK_RUNS; k++) {
        bt_train_config_default(&cfg[k]);
        cfg[k].batch_size = BATCH;
    }
    cfg[0].learning_rate = 0.05f; /* SGD, momentum 0.9, weight decay, group norm */
    cfg[0].weight_decay = 1e-4f;
    cfg[1].optimizer = BT_OPT_ADAM; /* Adam, frozen (folded) batch norm */
    cfg[1].learning_rate = 0.01f;
    cfg[1].norm_mode = BT_NORM_FROZEN;
    cfg[2].learning_rate = 0.05f; /* batch norm with training statistics over the batch of 6 */
    cfg[2].norm_mode = BT_NORM_BATCH;
    uint32_t s = bt_crc32c_begin();
    bt_status status = BT_STATUS_OK;
    for (uint32_t k = 0; k < BT_SELFCHECK_RUNS; k++) {
        bt_selfcheck_run *r = &out->runs[k];
        run_one(e, blob, len, arena, arena_size, &cfg[k], r);
        uint8_t b[8] = {(uint8_t)r->weights_crc, (uint8_t)(r->weights_crc >> 8), (uint8_t)(r->weights_crc >> 16),
                        (uint8_t)(r->weights_crc >> 24), (uint8_t)r->last_loss_bits,
                        (uint8_t)(r->last_loss_bits >> 8), (uint8_t)(r->last_loss_bits >> 16),
                        (uint8_t)(r->last_loss_bits >> 24)};
        s = bt_crc32c_update(s, b, sizeof b);
        if (status == BT_STATUS_OK) {
            status = r->status;
        }
    }
    out->combined_crc = bt_crc32c_end(s);
    return status;
}
