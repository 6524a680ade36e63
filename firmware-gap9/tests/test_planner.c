/* The static memory planner: on random lifetime sets no two live tensors overlap and all are
 * aligned, the peak stays near the lower bound; the shipped models' plans stay under the targets;
 * skip connections keep their source alive and apart until the add, forward and backward, in
 * every scope (predictions do not depend on the plan). */
#include <string.h>

#include "bt/engine.h"
#include "bt/planner.h"
#include "bt/selfcheck.h"
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
static uint8_t blob[131072];

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

/* For every layer with a second input: its source is live at the layer's forward step in storage
 * of its own, and (when something before the source trains) the gradient it sends back lives from
 * its backward step to the one that makes the source's gradient. */
static void check_skips(const char *what)
{
    const bt_schedule *s = &engine.sched;
    uint16_t L = engine.model.layer_count;
    uint32_t skips = 0, grads = 0;
    for (uint16_t i = 0; i < L; i++) {
        uint16_t a = engine.model.layers[i].skip;
        if (a == BT_NO_SKIP) {
            continue;
        }
        skips++;
        const bt_plan_tensor *src = &s->plan[s->root[s->act[a]]];
        CHECK(s->root[s->act[a]] != s->root[s->act[i]]);
        CHECK(s->root[s->act[a]] != s->root[s->act[i + 1]]);
        CHECK(src->first <= i + 1u && src->last >= i + 1u);
        int16_t g = s->skip_grad[i];
        CHECK((g >= 0) == (s->grad[a] >= 0 && engine.lay[i].run_bwd));
        if (g >= 0) {
            grads++;
            CHECK_EQ_U(s->plan[s->root[g]].first, 2u * L + 1u - i);
            CHECK_EQ_U(s->plan[s->root[g]].last, 2u * L + 1u - a);
        }
    }
    CHECK(bt_plan_check(s->plan, s->tensor_count));
    printf("%-12s scope %-6s %lu skips, %lu skip gradients, %u tensors, peak %lu, lower bound %lu\n", what,
           bt_scope_name(engine.cfg.scope), (unsigned long)skips, (unsigned long)grads, s->tensor_count,
           (unsigned long)engine.report.peak_bytes, (unsigned long)engine.report.lower_bound);
}

/* Loads blob in each scope, checks the skips and that the prediction has the same bits. */
static void skips_in_every_scope(const char *what, size_t len, uint32_t inputs)
{
    static bt_real x[256], first[256], probs[256];
    uint32_t seed = 3u;
    for (uint32_t i = 0; i < inputs; i++) {
        x[i] = (bt_real)((int32_t)(bt_test_rand(&seed) % 2001u) - 1000) / (bt_real)500;
    }
    const uint8_t scopes[] = {BT_SCOPE_FULL, BT_SCOPE_LAST, BT_SCOPE_BIAS, BT_SCOPE_FROZEN};
    for (size_t k = 0; k < sizeof scopes; k++) {
        bt_train_config cfg;
        bt_train_config_default(&cfg);
        cfg.scope = scopes[k];
        bt_plan_report r;
        CHECK_EQ_U(bt_engine_load(&engine, blob, len, arena, sizeof arena, &cfg, &r), BT_STATUS_OK);
        check_skips(what);
        CHECK_EQ_U(bt_engine_predict(&engine, x, k ? probs : first, NULL), BT_STATUS_OK);
        CHECK(k == 0 || memcmp(probs, first, sizeof(bt_real) * engine.model.classes) == 0);
        if (scopes[k] != BT_SCOPE_FROZEN) {
            bt_real loss;
            CHECK_EQ_U(bt_engine_train_sample(&engine, x, 1u, &loss, NULL), BT_STATUS_OK);
        }
    }
}

static void skip_connections(void)
{
    /* The built-in transformer: two residual adds over a block of attention and an MLP. */
    size_t len = bt_selfcheck_transformer(blob, sizeof blob, false);
    CHECK(len > 0);
    skips_in_every_scope("transformer", len, BT_SELFCHECK_CHANNELS * BT_SELFCHECK_SAMPLES);
    /* An add right after a layer that may run in place (GELU keeps nothing when nothing before it
     * trains): the source must not be overwritten; adds of the input itself and two adds of one
     * source. */
    bt_model_writer w;
    bt_mw_begin(&w, "skips", 1, 2, 8);
    bt_mw_patch_embed(&w, 4, 2, true); /* tensor 1: 2 x 4 tokens of 4 */
    bt_mw_gelu(&w);
    bt_mw_add(&w, 1);
    bt_mw_gelu(&w);
    bt_mw_add(&w, 1);
    bt_mw_layernorm(&w, 1e-5f);
    bt_mw_token_mean(&w);
    bt_mw_linear(&w, 2, true);
    len = bt_mw_finish(&w, 5, blob, sizeof blob);
    CHECK(len > 0);
    skips_in_every_scope("gelu-add", len, 16u);
    /* The training graph of a 64-layer transformer (7 blocks) stays within the tensor limit. */
    bt_mw_begin(&w, "deep", 1, 4, 64);
    bt_mw_patch_embed(&w, 16, 8, true);
    for (int b = 0; b < 7; b++) {
        uint32_t in = bt_mw_tensor(&w);
        bt_mw_layernorm(&w, 1e-5f);
        bt_mw_attention(&w, 2, 8, 10000.0f, true);
        bt_mw_add(&w, in);
        in = bt_mw_tensor(&w);
        bt_mw_layernorm(&w, 1e-5f);
        bt_mw_token_linear(&w, 32, true);
        bt_mw_gelu(&w);
        bt_mw_token_linear(&w, 16, true);
        bt_mw_add(&w, in);
    }
    bt_mw_layernorm(&w, 1e-5f);
    bt_mw_token_mean(&w);
    bt_mw_linear(&w, 3, true);
    len = bt_mw_finish(&w, 5, blob, sizeof blob);
    CHECK(len > 0);
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    bt_plan_report r;
    CHECK_EQ_U(bt_engine_load(&engine, blob, len, arena, sizeof arena, &cfg, &r), BT_STATUS_OK);
    check_skips("deep");
}

int main(void)
{
    random_sets();
    overlapping_everything();
    shipped_models();
    refusal_names_shortfall();
    skip_connections();
    return bt_test_report("test_planner");
}
