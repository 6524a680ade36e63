/* The static memory planner: on random lifetime sets no two live tensors overlap and all are
 * aligned, the peak stays near the lower bound; the shipped models' plans stay under the targets. */
#include <string.h>

#include "bt/engine.h"
#include "bt/planner.h"
#include "harness.h"

#define N 200

static void random_sets(void)
{
    static bt_plan_tensor t[N];
    static uint16_t scratch[BT_PLAN_SCRATCH_WORDS(N)];
    uint32_t seed = 99u;
    double worst = 1.0;
    for (int round = 0; round < 300; round++) {
        uint16_t n = (uint16_t)(1u + bt_test_rand(&seed) % N);
        uint16_t steps = (uint16_t)(2u + bt_test_rand(&seed) % 60u);
        for (uint16_t i = 0; i < n; i++) {
            uint16_t a = (uint16_t)(bt_test_rand(&seed) % steps);
            uint16_t b = (uint16_t)(bt_test_rand(&seed) % steps);
            t[i].first = a < b ? a : b;
            t[i].last = a < b ? b : a;
            uint32_t r = bt_test_rand(&seed);
            t[i].size = r % 7u == 0u ? 0u : 1u + r % (r % 3u == 0u ? 100000u : 3000u); /* odd sizes too */
            t[i].pinned = false;
            t[i].offset = 0;
        }
        if (round % 3 == 0) { /* a pinned block at 0, as the engine pins its weights */
            t[0].pinned = true;
            t[0].offset = 0;
            t[0].first = 0;
            t[0].last = (uint16_t)(steps - 1u);
        }
        uint32_t peak = bt_plan_assign(t, n, scratch);
        CHECK(bt_plan_check(t, n));
        uint32_t lb = bt_plan_lower_bound(t, n);
        CHECK(peak >= lb);
        for (uint16_t i = 0; i < n; i++) {
            CHECK(t[i].offset % BT_PLAN_ALIGN == 0u);
            CHECK(t[i].size == 0u || t[i].offset + t[i].size <= peak);
        }
        if (lb > 0 && (double)peak / lb > worst) {
            worst = (double)peak / lb;
        }
    }
    printf("random lifetime sets: worst peak / lower bound = %.3f\n", worst);
    CHECK(worst < 1.6); /* best fit by size stays close to the bound on these sets */
}

static void overlapping_everything(void)
{
    bt_plan_tensor t[3] = {{100, 0, 5, false, 0}, {50, 0, 5, false, 0}, {16, 0, 5, false, 0}};
    uint16_t scratch[BT_PLAN_SCRATCH_WORDS(3)];
    uint32_t peak = bt_plan_assign(t, 3, scratch);
    CHECK_EQ_U(peak, 112u + 64u + 16u);
    CHECK(bt_plan_check(t, 3));
    /* Disjoint lifetimes share memory. */
    bt_plan_tensor u[2] = {{100, 0, 1, false, 0}, {100, 2, 3, false, 0}};
    CHECK_EQ_U(bt_plan_assign(u, 2, scratch), 112u);
    CHECK_EQ_U(u[0].offset, u[1].offset);
}

static bt_engine engine;
static uint8_t arena[1408u * 1024u] __attribute__((aligned(16)));
static uint8_t blob[32768];

typedef struct target {
    bt_zoo_model model;
    uint8_t norm;
    uint8_t scope;
    uint32_t max_peak;
} target;

static void shipped_models(void)
{
    /* Targets: MI-BMInet 8 x 2000, batch 8, full backpropagation at or under 0.45 MB (the paper's
     * 0.67 MB); EpiDeNet 2 x 1000 and EEGNet-8,2 22 x 256 well under 1 MB. */
    const target targets[] = {
        {BT_ZOO_MI_BMINET, BT_NORM_GROUP, BT_SCOPE_FULL, 450000u},
        {BT_ZOO_MI_BMINET, BT_NORM_FROZEN, BT_SCOPE_FULL, 450000u},
        {BT_ZOO_MI_BMINET, BT_NORM_GROUP, BT_SCOPE_LAST, 200000u},
        {BT_ZOO_EPIDENET, BT_NORM_GROUP, BT_SCOPE_FULL, 200000u},
        {BT_ZOO_EEGNET, BT_NORM_GROUP, BT_SCOPE_FULL, 650000u},
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        bt_zoo_params p = bt_zoo_defaults(targets[i].model);
        size_t len = bt_zoo_build(targets[i].model, &p, blob, sizeof blob);
        CHECK(len > 0);
        bt_train_config cfg;
        bt_train_config_default(&cfg);
        cfg.batch_size = 8;
        cfg.norm_mode = targets[i].norm;
        cfg.scope = targets[i].scope;
        bt_plan_report r;
        CHECK_EQ_U(bt_engine_load(&engine, blob, len, arena, sizeof arena, &cfg, &r), BT_STATUS_OK);
        printf("%-10s norm %-6s scope %-5s peak %7lu naive %8lu lower bound %7lu\n", bt_zoo_name(targets[i].model),
               bt_norm_mode_name(cfg.norm_mode), bt_scope_name(cfg.scope), (unsigned long)r.peak_bytes,
               (unsigned long)r.naive_bytes, (unsigned long)r.lower_bound);
        CHECK(r.peak_bytes <= targets[i].max_peak);
        CHECK(r.naive_bytes > 5u * r.peak_bytes);
        CHECK(bt_plan_check(engine.sched.plan, engine.sched.tensor_count));
    }
}

/* Batch norm with training statistics holds B activations: MI-BMInet at batch 8 does not fit,
 * and the refusal names the bytes. */
static void refusal_names_shortfall(void)
{
    bt_zoo_params p = bt_zoo_defaults(BT_ZOO_MI_BMINET);
    size_t len = bt_zoo_build(BT_ZOO_MI_BMINET, &p, blob, sizeof blob);
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    cfg.norm_mode = BT_NORM_BATCH;
    cfg.batch_size = 8;
    bt_plan_report r;
    CHECK_EQ_U(bt_engine_load(&engine, blob, len, arena, sizeof arena, &cfg, &r), BT_STATUS_NO_MEMORY);
    CHECK(!r.fits);
    CHECK(strstr(r.message, "short by") != NULL);
    CHECK(r.peak_bytes > sizeof arena);
    printf("batch norm, batch 8: %s\n", r.message);
    /* Plan only (no arena) works too. */
    CHECK_EQ_U(bt_engine_load(&engine, blob, len, NULL, 0, &cfg, &r), BT_STATUS_NO_MEMORY);
    /* A new configuration that fits keeps working after a refused one. */
    cfg.norm_mode = BT_NORM_GROUP;
    CHECK_EQ_U(bt_engine_load(&engine, blob, len, arena, sizeof arena, &cfg, &r), BT_STATUS_OK);
    cfg.norm_mode = BT_NORM_BATCH;
    CHECK_EQ_U(bt_engine_configure(&engine, &cfg, &r), BT_STATUS_NO_MEMORY);
    CHECK(strstr(r.message, "short by") != NULL);
    bt_real loss;
    CHECK_EQ_U(bt_engine_train_sample(&engine, bt_engine_input(&engine), 0, &loss, NULL), BT_STATUS_OK);
}

int main(void)
{
    random_sets();
    overlapping_everything();
    shipped_models();
    refusal_names_shortfall();
    return bt_test_report("test_planner");
}
