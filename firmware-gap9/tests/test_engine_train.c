/* Training behaviour of the engine (float build, as on the devices): loss falls and a small
 * separable problem reaches 100 % training accuracy; gradient accumulation sums exactly;
 * last-layer, bias-only and frozen scopes change only what they may; batch norm with training
 * statistics; weights read/write; malformed blobs are refused with a reason and never crash. */
#include <string.h>

#include "bt/engine.h"
#include "bt/crc32c.h"
#include "bt/selfcheck.h"
#include "harness.h"

#define IN (BT_SELFCHECK_CHANNELS * BT_SELFCHECK_SAMPLES)
#define DATA 30u

static bt_engine engine;
static uint8_t arena[256 * 1024] __attribute__((aligned(16)));
static uint8_t blob[4096];
static size_t blob_len;
static bt_real xs[DATA][IN];
static uint32_t ys[DATA];
static float before[4096], after[4096];

static void load(const bt_train_config *cfg)
{
    bt_plan_report r;
    CHECK_EQ_U(bt_engine_load(&engine, blob, blob_len, arena, sizeof arena, cfg, &r), BT_STATUS_OK);
}

static uint32_t accuracy(void)
{
    uint32_t hits = 0;
    for (uint32_t i = 0; i < DATA; i++) {
        uint32_t p = 99;
        bt_engine_predict(&engine, xs[i], NULL, &p);
        hits += p == ys[i];
    }
    return hits;
}

static bt_real mean_loss(void)
{
    bt_real sum = 0;
    for (uint32_t i = 0; i < DATA; i++) {
        bt_real l = 0;
        bt_engine_evaluate(&engine, xs[i], ys[i], &l, NULL);
        sum += l;
    }
    return sum / (bt_real)DATA;
}

static void train_epochs(uint32_t epochs, uint32_t batch)
{
    for (uint32_t ep = 0; ep < epochs; ep++) {
        for (uint32_t i = 0; i < DATA; i += batch) {
            uint32_t n = DATA - i < batch ? DATA - i : batch;
            CHECK_EQ_U(bt_engine_train_batch(&engine, xs[i], ys + i, n, NULL, NULL), BT_STATUS_OK);
            CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_OK);
        }
    }
}

static void learns_separable_problem(uint8_t optimizer, uint8_t norm)
{
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    cfg.optimizer = optimizer;
    cfg.norm_mode = norm;
    cfg.learning_rate = optimizer == BT_OPT_ADAM ? 0.01f : 0.05f;
    cfg.batch_size = 6;
    load(&cfg);
    bt_real l0 = mean_loss();
    train_epochs(15, 6);
    bt_real l1 = mean_loss();
    uint32_t acc = accuracy();
    printf("optimizer %u norm %-6s: loss %.4f -> %.4f, training accuracy %lu/%u\n", optimizer,
           bt_norm_mode_name(norm), (double)l0, (double)l1, (unsigned long)acc, DATA);
    CHECK(l1 < l0 * 0.5f);
    CHECK_EQ_U(acc, DATA);
}

/* Two samples accumulated equal the sum of their separate gradients, bit for bit. */
static void accumulation_sums(void)
{
    static bt_real ga[4096], gb[4096];
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    load(&cfg);
    uint32_t g = engine.grad_count;
    bt_engine_train_sample(&engine, xs[0], ys[0], NULL, NULL);
    memcpy(ga, engine.grads, sizeof(bt_real) * g);
    memset(engine.grads, 0, sizeof(bt_real) * g);
    bt_engine_train_sample(&engine, xs[1], ys[1], NULL, NULL);
    memcpy(gb, engine.grads, sizeof(bt_real) * g);
    memset(engine.grads, 0, sizeof(bt_real) * g);
    bt_engine_train_sample(&engine, xs[0], ys[0], NULL, NULL);
    bt_engine_train_sample(&engine, xs[1], ys[1], NULL, NULL);
    bool same = true;
    for (uint32_t i = 0; i < g; i++) {
        same = same && engine.grads[i] == ga[i] + gb[i];
    }
    CHECK(same);
    CHECK_EQ_U(engine.pending, 4u);
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_OK);
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_NOT_READY); /* nothing accumulated */
}

/* Trains with a scope and returns which layers' parameters changed (bit mask). */
static uint32_t changed_layers(const bt_train_config *cfg)
{
    load(cfg);
    uint32_t n = bt_engine_param_count(&engine);
    bt_engine_read_params(&engine, 0, before, n);
    train_epochs(2, 6);
    bt_engine_read_params(&engine, 0, after, n);
    uint32_t mask = 0;
    for (uint16_t i = 0; i < engine.model.layer_count; i++) {
        const bt_layer_desc *d = &engine.model.layers[i];
        uint32_t end = d->buffer_offset + d->buffer_count;
        if (memcmp(before + d->weight_offset, after + d->weight_offset, sizeof(float) * (end - d->weight_offset))) {
            mask |= 1u << i;
        }
    }
    return mask;
}

static void scopes(void)
{
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    uint16_t L = 0;
    cfg.scope = BT_SCOPE_FULL;
    uint32_t full = changed_layers(&cfg);
    L = engine.model.layer_count;
    uint32_t last = 1u << (L - 1u);
    uint32_t with_params = 0;
    for (uint16_t i = 0; i < L; i++) {
        if (engine.model.layers[i].weight_count + engine.model.layers[i].bias_count) {
            with_params |= 1u << i;
        }
    }
    CHECK_EQ_U(full, with_params);

    cfg.scope = BT_SCOPE_LAST;
    CHECK_EQ_U(changed_layers(&cfg), last);
    CHECK_EQ_U(engine.report.trainable_count, engine.model.layers[L - 1].weight_count + engine.model.layers[L - 1].bias_count);

    /* Full, with layer 3 (the depthwise convolution) frozen: it keeps every bit and has no
     * gradient or optimiser state. */
    cfg.scope = BT_SCOPE_FULL;
    cfg.layer_scope[3] = BT_SCOPE_FROZEN;
    CHECK_EQ_U(changed_layers(&cfg), with_params & ~(1u << 3));
    bt_layer_view v;
    CHECK(bt_engine_layer_view(&engine, 3, &v));
    CHECK(v.grad_weight == NULL && !v.train_weight);
    cfg.layer_scope[3] = BT_SCOPE_INHERIT;

    /* Biases only: conv/linear weights and norm gamma keep every bit. */
    cfg.scope = BT_SCOPE_BIAS;
    changed_layers(&cfg);
    for (uint16_t i = 0; i < L; i++) {
        const bt_layer_desc *d = &engine.model.layers[i];
        CHECK(memcmp(before + d->weight_offset, after + d->weight_offset, sizeof(float) * d->weight_count) == 0);
    }
    CHECK(memcmp(before, after, sizeof(float) * bt_engine_param_count(&engine)) != 0);

    /* Everything frozen: the optimiser has nothing to do, the weights stay. */
    cfg.scope = BT_SCOPE_FROZEN;
    CHECK_EQ_U(changed_layers(&cfg), 0u);
    CHECK_EQ_U(engine.report.grad_bytes + engine.report.optim_bytes, 0u);
}

static void batch_statistics(void)
{
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    cfg.norm_mode = BT_NORM_BATCH;
    cfg.batch_size = 6;
    load(&cfg);
    CHECK_EQ_U(engine.report.batch_resident, 6u);
    const bt_layer_desc *norm = &engine.model.layers[1];
    float rm0 = 0;
    bt_engine_read_params(&engine, norm->buffer_offset, &rm0, 1);
    bt_real loss = 0;
    uint32_t correct = 0;
    CHECK_EQ_U(bt_engine_train_batch(&engine, xs[0], ys, 6, &loss, &correct), BT_STATUS_OK);
    float rm1 = 0;
    bt_engine_read_params(&engine, norm->buffer_offset, &rm1, 1);
    CHECK(rm1 != rm0); /* running statistics move in training */
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_OK);
    bt_engine_predict(&engine, xs[0], NULL, NULL);
    float rm2 = 0;
    bt_engine_read_params(&engine, norm->buffer_offset, &rm2, 1);
    CHECK(rm2 == rm1); /* and not in prediction */
}

static void params_roundtrip(void)
{
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    load(&cfg);
    uint32_t n = bt_engine_param_count(&engine);
    uint32_t crc0 = bt_engine_params_crc(&engine);
    bt_engine_read_params(&engine, 0, before, n);
    train_epochs(1, 6);
    CHECK(bt_engine_params_crc(&engine) != crc0);
    bt_engine_train_sample(&engine, xs[0], ys[0], NULL, NULL);
    CHECK_EQ_U(bt_engine_write_params(&engine, 0, before, n), BT_STATUS_OK);
    CHECK_EQ_U(bt_engine_params_crc(&engine), crc0);
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_NOT_READY); /* the write dropped stale gradients */
    CHECK_EQ_U(bt_engine_read_params(&engine, n - 1u, before, 2), BT_STATUS_BAD_INPUT);
    CHECK_EQ_U(bt_engine_train_sample(&engine, xs[0], 7u, NULL, NULL), BT_STATUS_BAD_INPUT);
}

static void malformed_blobs(void)
{
    static uint8_t bad[4096];
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    bt_plan_report r;
    CHECK_EQ_U(bt_engine_load(&engine, blob, blob_len - 1u, arena, sizeof arena, &cfg, &r), BT_STATUS_BAD_INPUT);
    CHECK(strstr(r.message, "length") != NULL);
    memcpy(bad, blob, blob_len);
    bad[blob_len - 1u] ^= 1u;
    CHECK_EQ_U(bt_engine_load(&engine, bad, blob_len, arena, sizeof arena, &cfg, &r), BT_STATUS_BAD_INPUT);
    CHECK(strstr(r.message, "CRC") != NULL);
    CHECK_EQ_U(bt_engine_train_sample(&engine, xs[0], 0, NULL, NULL), BT_STATUS_NOT_READY);
    cfg.norm_groups = 3; /* does not divide 4 channels */
    CHECK_EQ_U(bt_engine_load(&engine, blob, blob_len, arena, sizeof arena, &cfg, &r), BT_STATUS_BAD_INPUT);
    CHECK(strstr(r.message, "groups") != NULL);
    cfg.norm_groups = 0;
    cfg.learning_rate = -1.0f;
    CHECK_EQ_U(bt_engine_load(&engine, blob, blob_len, arena, sizeof arena, &cfg, &r), BT_STATUS_BAD_INPUT);
    bt_train_config_default(&cfg);
    /* Random corruption with a fixed-up CRC: refused with a reason or accepted, never a crash. */
    uint32_t seed = 5u;
    uint32_t refused = 0;
    uint32_t span = (uint32_t)(blob_len - 4u); /* header, layers and weights */
    for (int k = 0; k < 2000; k++) {
        memcpy(bad, blob, blob_len);
        uint32_t flips = 1u + bt_test_rand(&seed) % 4u;
        for (uint32_t f = 0; f < flips; f++) {
            uint32_t r = bt_test_rand(&seed);
            /* mostly the header and layer table, where the structure is */
            uint32_t at = r % 4u ? r % (BT_MODEL_HEADER_SIZE + 11u * BT_MODEL_LAYER_SIZE) : r % span;
            bad[at] = (uint8_t)bt_test_rand(&seed);
        }
        uint32_t crc = bt_crc32c(bad, blob_len - 4u);
        memcpy(bad + blob_len - 4u, &crc, 4);
        bt_status rc = bt_engine_load(&engine, bad, blob_len, arena, sizeof arena, &cfg, &r);
        CHECK(rc == BT_STATUS_OK || rc == BT_STATUS_BAD_INPUT || rc == BT_STATUS_NO_MEMORY);
        if (rc != BT_STATUS_OK) {
            refused++;
            CHECK(r.message[0] != '\0');
        } else {
            bt_real loss;
            bt_engine_train_sample(&engine, bt_engine_input(&engine), 0, &loss, NULL);
        }
    }
    CHECK(refused > 1000u);
}

/* NaN input, an infinite loss or a step that overflows is refused with NON_FINITE and changes nothing:
 * weights, optimiser state and the gradients accumulated before stay as they were. */
static void non_finite_is_refused(uint8_t optimizer, uint8_t norm)
{
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    cfg.optimizer = optimizer;
    cfg.norm_mode = norm;
    cfg.learning_rate = 0.05f;
    cfg.batch_size = 4;
    load(&cfg);
    train_epochs(1, 4); /* momentum / moments are not zero */
    uint32_t crc = bt_engine_params_crc(&engine);
    uint32_t steps = engine.steps;

    /* A poisoned sample between good ones: refused, and the step of the good ones is the same as without it. */
    static bt_real poisoned[IN];
    memcpy(poisoned, xs[1], sizeof poisoned);
    poisoned[IN / 2] = (bt_real)__builtin_nanf("");
    CHECK_EQ_U(bt_engine_train_sample(&engine, xs[0], ys[0], NULL, NULL), BT_STATUS_OK);
    CHECK_EQ_U(bt_engine_train_sample(&engine, poisoned, ys[1], NULL, NULL), BT_STATUS_NON_FINITE);
    poisoned[IN / 2] = (bt_real)__builtin_inff();
    CHECK_EQ_U(bt_engine_train_sample(&engine, poisoned, ys[1], NULL, NULL), BT_STATUS_NON_FINITE);
    CHECK_EQ_U(engine.pending, 1u);
    CHECK_EQ_U(engine.refused_samples, 2u);
    CHECK_EQ_U(bt_engine_params_crc(&engine), crc);
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_OK);
    uint32_t with_refusals = bt_engine_params_crc(&engine);

    load(&cfg);
    train_epochs(1, 4);
    CHECK_EQ_U(bt_engine_train_sample(&engine, xs[0], ys[0], NULL, NULL), BT_STATUS_OK);
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_OK);
    CHECK_EQ_U(bt_engine_params_crc(&engine), with_refusals);

    /* A gradient that overflowed in the backward pass (finite input, finite loss): the step is refused whole. */
    load(&cfg);
    train_epochs(1, 4);
    crc = bt_engine_params_crc(&engine);
    steps = engine.steps;
    CHECK_EQ_U(bt_engine_train_sample(&engine, xs[2], ys[2], NULL, NULL), BT_STATUS_OK);
    engine.grads[engine.grad_count - 1u] = (bt_real)__builtin_inff();
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_NON_FINITE);
    CHECK_EQ_U(bt_engine_params_crc(&engine), crc);
    CHECK_EQ_U(engine.steps, steps);
    CHECK_EQ_U(engine.refused_steps, 1u);
    CHECK_EQ_U(engine.pending, 0u);

    /* After the refusal, training goes on from the weights and optimiser state before it. */
    CHECK_EQ_U(bt_engine_train_sample(&engine, xs[2], ys[2], NULL, NULL), BT_STATUS_OK);
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_OK);
    uint32_t resumed = bt_engine_params_crc(&engine);
    load(&cfg);
    train_epochs(1, 4);
    CHECK_EQ_U(bt_engine_train_sample(&engine, xs[2], ys[2], NULL, NULL), BT_STATUS_OK);
    CHECK_EQ_U(bt_engine_step(&engine), BT_STATUS_OK);
    CHECK_EQ_U(bt_engine_params_crc(&engine), resumed);
    printf("optimizer %u norm %-6s: NaN/Inf samples and an overflowing step refused, weights unchanged\n", optimizer,
           bt_norm_mode_name(norm));
}

int main(void)
{
    blob_len = bt_selfcheck_model(blob, sizeof blob);
    CHECK(blob_len > 0);
    for (uint32_t i = 0; i < DATA; i++) {
        bt_selfcheck_sample(i, xs[i], &ys[i]);
    }
    learns_separable_problem(BT_OPT_SGD, BT_NORM_GROUP);
    learns_separable_problem(BT_OPT_ADAM, BT_NORM_FROZEN);
    learns_separable_problem(BT_OPT_SGD, BT_NORM_BATCH);
    accumulation_sums();
    scopes();
    batch_statistics();
    params_roundtrip();
    malformed_blobs();
    non_finite_is_refused(BT_OPT_SGD, BT_NORM_GROUP);
    non_finite_is_refused(BT_OPT_ADAM, BT_NORM_FROZEN);
    return bt_test_report("test_engine_train");
}
