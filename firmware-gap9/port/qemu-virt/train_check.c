/* bt-train-check.elf: the training engine alone on the virtual GAP9, no protocol.
 *   1. the seeded self-check run (bt_selfcheck) on one hart and on all harts (-smp N): prints the
 *      final weights' CRCs, which the native test_cross_port compares with its own run
 *      (bit-identical numerics across ports and hart counts);
 *   2. instructions retired per training sample, per MAC and per optimiser step for the shipped
 *      models at their default sizes, on one hart and on all harts (with the busiest-hart
 *      instructions and the balance), and per layer, for the figures in firmware-gap9/README.md.
 * Instruction counts are real only under `-icount shift=0` (QEMU 7.2 otherwise returns host ticks
 * from minstret). Ends QEMU through the virt machine's test device. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bt/engine.h"
#include "bt/model.h"
#include "bt/selfcheck.h"
#include "harts.h"
#include "profile.h"
#include "uart16550.h"

extern uint8_t __l2_arena_start[];
extern uint8_t __l2_end[];

#define SIFIVE_TEST ((volatile uint32_t *)0x00100000u)

static bt_engine engine;
static uint8_t blob[24 * 1024];
static bt_profile prof;

static void say(const char *text) { uart_write(NULL, (const uint8_t *)text, strlen(text)); }

void bt_qemu_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);
void bt_qemu_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    char text[96];
    snprintf(text, sizeof text, "\nFIRMWARE TRAP mcause=%08lx mepc=%08lx mtval=%08lx\n", (unsigned long)mcause,
             (unsigned long)mepc, (unsigned long)mtval);
    say(text);
    *SIFIVE_TEST = 0x3333u | (1u << 16); /* fail exit */
}

/* A loop of known length: tells whether minstret counts instructions (icount) or host ticks. */
static void calibrate(void)
{
    uint64_t t0 = bt_instret();
    uint32_t n = 10000u;
    __asm__ volatile("1: addi %0, %0, -1\n bnez %0, 1b" : "+r"(n));
    uint64_t t1 = bt_instret();
    char text[80];
    snprintf(text, sizeof text, "CALIBRATE loop_instructions=20000 instret=%lu\n", (unsigned long)(t1 - t0));
    say(text);
}

static void selfcheck(uint8_t *arena, size_t arena_size)
{
    static bt_selfcheck_result r;
    char text[200];
    bt_status rc = bt_selfcheck(&engine, arena, arena_size, &r);
    for (uint32_t k = 0; k < BT_SELFCHECK_RUNS; k++) {
        snprintf(text, sizeof text,
                 "SELFCHECK harts=%lu run=%lu status=%u crc=%08lx first_loss=%08lx last_loss=%08lx correct=%lu\n",
                 (unsigned long)bt_harts_used(), (unsigned long)k, r.runs[k].status,
                 (unsigned long)r.runs[k].weights_crc, (unsigned long)r.runs[k].first_loss_bits,
                 (unsigned long)r.runs[k].last_loss_bits, (unsigned long)r.runs[k].last_correct);
        say(text);
    }
    snprintf(text, sizeof text, "SELFCHECK harts=%lu combined=%08lx status=%u\n", (unsigned long)bt_harts_used(),
             (unsigned long)r.combined_crc, rc);
    say(text);
}

static void measure(bt_zoo_model which, uint8_t *arena, size_t arena_size)
{
    bt_zoo_params p = bt_zoo_defaults(which);
    size_t len = bt_zoo_build(which, &p, blob, sizeof blob);
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    bt_plan_report rep;
    bt_status rc = len ? bt_engine_load(&engine, blob, len, arena, arena_size, &cfg, &rep) : BT_STATUS_INTERNAL;
    char text[300];
    uint32_t in = bt_engine_input_size(&engine);
    if (rc != BT_STATUS_OK) {
        snprintf(text, sizeof text, "MODEL %s error=%u %s\n", bt_zoo_name(which), rc, rep.message);
        say(text);
        return;
    }
    /* Into the engine's input buffer, as the protocol firmware receives a sample (no copy). */
    bt_real *sample = bt_engine_input(&engine);
    uint32_t state = 1u;
    for (uint32_t i = 0; i < in; i++) {
        state = state * 1664525u + 1013904223u;
        sample[i] = (bt_real)((int32_t)(state >> 8) - (1 << 23)) / (bt_real)(1 << 23);
    }
    bt_real loss;
    bt_pass_profile train, step, predict;
    memset(&train, 0, sizeof train);
    memset(&step, 0, sizeof step);
    memset(&predict, 0, sizeof predict);
    bt_harts_counters h0;
    bt_profile_attach(&prof, &engine);
    bt_harts_read(&h0);
    uint64_t t0 = bt_instret();
    bt_engine_train_sample(&engine, sample, 1u, &loss, NULL);
    bt_profile_add(&train, t0, &h0);
    bt_engine_observe(&engine, NULL, NULL);
    bt_harts_read(&h0);
    t0 = bt_instret();
    bt_engine_step(&engine);
    bt_profile_add(&step, t0, &h0);
    bt_harts_read(&h0);
    t0 = bt_instret();
    bt_engine_predict(&engine, sample, NULL, NULL);
    bt_profile_add(&predict, t0, &h0);
    uint32_t harts = bt_harts_used();
    uint64_t busiest = 0, sum = 0;
    for (uint32_t h = 0; h < harts; h++) {
        busiest = train.hart[h] > busiest ? train.hart[h] : busiest;
        sum += train.hart[h];
    }
    uint64_t macs = rep.macs_train; /* forward + weight gradients + input gradients */
    snprintf(text, sizeof text,
             "MODEL %s harts=%lu macs_forward=%lu macs_train=%lu peak_bytes=%lu train_sample_instret=%llu "
             "critical_instret=%llu step_instret=%llu predict_instret=%llu instret_per_train_mac_x100=%lu "
             "instret_per_predict_mac_x100=%lu balance_x1000=%lu\n",
             bt_zoo_name(which), (unsigned long)harts, (unsigned long)rep.macs_forward, (unsigned long)macs,
             (unsigned long)rep.peak_bytes, (unsigned long long)train.total, (unsigned long long)train.critical,
             (unsigned long long)step.total, (unsigned long long)predict.total,
             (unsigned long)(macs ? train.total * 100u / macs : 0u),
             (unsigned long)(rep.macs_forward ? predict.total * 100u / rep.macs_forward : 0u),
             (unsigned long)(busiest ? sum * 1000u / harts / busiest : 0u));
    say(text);
    bt_pass_profile layers;
    memset(&layers, 0, sizeof layers);
    for (uint16_t i = 0; i < engine.model.layer_count; i++) {
        bt_profile_sum(&layers, &prof.layer[i][0]);
        bt_profile_sum(&layers, &prof.layer[i][1]);
    }
    snprintf(text, sizeof text, "PASSES %s harts=%lu layers=%llu layers_critical=%llu loss=%llu other=%llu\n",
             bt_zoo_name(which), (unsigned long)harts, (unsigned long long)layers.total,
             (unsigned long long)layers.critical, (unsigned long long)prof.loss.total,
             (unsigned long long)(train.total - layers.total - prof.loss.total));
    say(text);
    for (uint16_t i = 0; i < engine.model.layer_count; i++) {
        const bt_layer_desc *d = &engine.model.layers[i];
        const bt_engine_layer *ly = &engine.lay[i];
        snprintf(text, sizeof text,
                 "LAYER %s harts=%lu %u %s macs=%lu train_macs=%lu fwd=%llu bwd=%llu fwd_critical=%llu "
                 "bwd_critical=%llu\n",
                 bt_zoo_name(which), (unsigned long)harts, i, ly->kind->name, (unsigned long)d->macs,
                 (unsigned long)bt_layer_macs(d, true, ly->train_w, ly->need_dx),
                 (unsigned long long)prof.layer[i][0].total, (unsigned long long)prof.layer[i][1].total,
                 (unsigned long long)prof.layer[i][0].critical, (unsigned long long)prof.layer[i][1].critical);
        say(text);
    }
}

int main(void)
{
    uart_init();
    bt_harts_init(bt_boot_fdt);
    uint8_t *arena = __l2_arena_start;
    size_t arena_size = (size_t)(__l2_end - __l2_arena_start);
    uint32_t harts = bt_harts_available();
    char text[200];
    snprintf(text, sizeof text, "BT-TRAIN-CHECK arena=%lu harts=%lu\n", (unsigned long)arena_size,
             (unsigned long)harts);
    say(text);
    calibrate();
    bt_harts_use(1u);
    selfcheck(arena, arena_size);
    if (harts > 1u) {
        bt_harts_use(harts);
        selfcheck(arena, arena_size);
    }
    static const bt_zoo_model models[] = {BT_ZOO_MI_BMINET, BT_ZOO_EPIDENET, BT_ZOO_EEGNET};
    for (uint32_t m = 0; m < 3u; m++) {
        bt_harts_use(1u);
        measure(models[m], arena, arena_size);
        if (harts > 1u) {
            bt_harts_use(harts);
            measure(models[m], arena, arena_size);
        }
    }
    say("DONE\n");
    *SIFIVE_TEST = 0x5555u; /* power off: QEMU exits with status 0 */
    for (;;) {
    }
}
