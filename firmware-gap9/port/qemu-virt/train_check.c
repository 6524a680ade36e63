/* bt-train-check.elf: the training engine alone on the virtual GAP9, no protocol.
 *   1. the seeded self-check run (bt_selfcheck): prints the final weights' CRCs, which the native
 *      test_cross_port compares with its own run (bit-identical numerics across ports);
 *   2. instructions retired (rdinstret) per training sample, per MAC and per optimiser step for the
 *      shipped models at their default sizes, and per layer (forward, backward) of the training
 *      sample, for the figures in firmware-gap9/README.md.
 * Instruction counts are real only under `-icount shift=0` (QEMU 7.2 otherwise returns host ticks
 * from minstret). Ends QEMU through the virt machine's test device. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bt/engine.h"
#include "bt/model.h"
#include "bt/selfcheck.h"
#include "uart16550.h"

extern uint8_t __l2_arena_start[];
extern uint8_t __l2_end[];

#define SIFIVE_TEST ((volatile uint32_t *)0x00100000u)

static bt_engine engine;
static uint8_t blob[24 * 1024];
static bt_real sample[16384];

static uint64_t instret(void)
{
    uint32_t hi, lo, hi2;
    do {
        __asm__ volatile("csrr %0, minstreth" : "=r"(hi));
        __asm__ volatile("csrr %0, minstret" : "=r"(lo));
        __asm__ volatile("csrr %0, minstreth" : "=r"(hi2));
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

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
    uint64_t t0 = instret();
    uint32_t n = 10000u;
    __asm__ volatile("1: addi %0, %0, -1\n bnez %0, 1b" : "+r"(n));
    uint64_t t1 = instret();
    char text[80];
    snprintf(text, sizeof text, "CALIBRATE loop_instructions=20000 instret=%lu\n", (unsigned long)(t1 - t0));
    say(text);
}

/* Instructions per layer and pass of the last observed run. */
static uint64_t layer_instr[BT_MODEL_MAX_LAYERS][2];
static uint64_t mark;

static void observe(void *ctx, uint16_t layer, bool backward, bool end)
{
    (void)ctx;
    uint64_t now = instret();
    if (end && layer < BT_MODEL_MAX_LAYERS) {
        layer_instr[layer][backward ? 1 : 0] += now - mark;
    }
    mark = now;
}

static void measure(bt_zoo_model which, uint8_t *arena, size_t arena_size)
{
    bt_zoo_params p = bt_zoo_defaults(which);
    size_t len = bt_zoo_build(which, &p, blob, sizeof blob);
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    bt_plan_report rep;
    bt_status rc = len ? bt_engine_load(&engine, blob, len, arena, arena_size, &cfg, &rep) : BT_STATUS_INTERNAL;
    char text[240];
    uint32_t in = bt_engine_input_size(&engine);
    if (rc != BT_STATUS_OK || in > sizeof sample / sizeof sample[0]) {
        snprintf(text, sizeof text, "MODEL %s error=%u %s\n", bt_zoo_name(which), rc, rep.message);
        say(text);
        return;
    }
    uint32_t state = 1u;
    for (uint32_t i = 0; i < in; i++) {
        state = state * 1664525u + 1013904223u;
        sample[i] = (bt_real)((int32_t)(state >> 8) - (1 << 23)) / (bt_real)(1 << 23);
    }
    bt_real loss;
    memset(layer_instr, 0, sizeof layer_instr);
    bt_engine_observe(&engine, observe, NULL);
    uint64_t t0 = instret();
    bt_engine_train_sample(&engine, sample, 1u, &loss, NULL);
    uint64_t t1 = instret();
    bt_engine_observe(&engine, NULL, NULL);
    bt_engine_step(&engine);
    uint64_t t2 = instret();
    bt_engine_predict(&engine, sample, NULL, NULL);
    uint64_t t3 = instret();
    for (uint16_t i = 0; i < engine.model.layer_count; i++) {
        const bt_layer_desc *d = &engine.model.layers[i];
        const bt_engine_layer *ly = &engine.lay[i];
        snprintf(text, sizeof text, "LAYER %u %s macs=%lu fwd=%llu bwd=%llu train_macs=%lu\n", i, ly->kind->name,
                 (unsigned long)d->macs, (unsigned long long)layer_instr[i][0], (unsigned long long)layer_instr[i][1],
                 (unsigned long)bt_layer_macs(d, true, ly->train_w, ly->need_dx));
        say(text);
    }
    uint64_t train = t1 - t0;
    uint64_t macs = rep.macs_train; /* forward + weight gradients + input gradients */
    snprintf(text, sizeof text,
             "MODEL %s macs_forward=%lu macs_train=%lu peak_bytes=%lu train_sample_instret=%llu step_instret=%llu "
             "predict_instret=%llu instret_per_train_mac_x100=%lu instret_per_predict_mac_x100=%lu\n",
             bt_zoo_name(which), (unsigned long)engine.model.macs, (unsigned long)macs, (unsigned long)rep.peak_bytes,
             (unsigned long long)train, (unsigned long long)(t2 - t1), (unsigned long long)(t3 - t2),
             (unsigned long)(macs ? train * 100u / macs : 0u),
             (unsigned long)(engine.model.macs ? (t3 - t2) * 100u / engine.model.macs : 0u));
    say(text);
}

int main(void)
{
    uart_init();
    uint8_t *arena = __l2_arena_start;
    size_t arena_size = (size_t)(__l2_end - __l2_arena_start);
    char text[200];
    snprintf(text, sizeof text, "BT-TRAIN-CHECK arena=%lu\n", (unsigned long)arena_size);
    say(text);
    calibrate();
    static bt_selfcheck_result r;
    bt_status rc = bt_selfcheck(&engine, arena, arena_size, &r);
    for (uint32_t k = 0; k < BT_SELFCHECK_RUNS; k++) {
        snprintf(text, sizeof text, "SELFCHECK run=%lu status=%u crc=%08lx first_loss=%08lx last_loss=%08lx correct=%lu\n",
                 (unsigned long)k, r.runs[k].status, (unsigned long)r.runs[k].weights_crc,
                 (unsigned long)r.runs[k].first_loss_bits, (unsigned long)r.runs[k].last_loss_bits,
                 (unsigned long)r.runs[k].last_correct);
        say(text);
    }
    snprintf(text, sizeof text, "SELFCHECK combined=%08lx status=%u\n", (unsigned long)r.combined_crc, rc);
    say(text);
    measure(BT_ZOO_MI_BMINET, arena, arena_size);
    measure(BT_ZOO_EPIDENET, arena, arena_size);
    measure(BT_ZOO_EEGNET, arena, arena_size);
    say("DONE\n");
    *SIFIVE_TEST = 0x5555u; /* power off: QEMU exits with status 0 */
    for (;;) {
    }
}
