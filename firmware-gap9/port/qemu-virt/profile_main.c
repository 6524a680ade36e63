/* bt-profile.elf: instructions of one training sample of any model on the virtual GAP9, per layer,
 * pass and hart, as JSON on the UART (the CLI's `biotrain model profile` runs it).
 *
 * QEMU's generic loader places the inputs in RAM above the GAP9 regions:
 *   -device loader,file=MODEL.btm,addr=0x80400000   the model blob (protocol/MODEL.md)
 *   -device loader,file=ARGS,addr=0x803F0000         optional text: batch=B scope=S norm=N
 *                                                    groups=G optim=O lr=X harts=H (RAM is zero
 *                                                    beyond, which ends the text)
 * The model is planned in the device's arena (BT_ARENA_BYTES) like the protocol firmware would;
 * one sample (deterministic pseudo-random values, label 0) is written into the engine's input,
 * then trained (forward, loss, backward), the optimiser steps once, and the sample is predicted.
 * Counts are exact only under -icount shift=0. Ends QEMU through the test device: status 0 when
 * the JSON is complete, 1 when the model could not be loaded (the JSON says why). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt/device.h"
#include "bt/engine.h"
#include "harts.h"
#include "profile.h"
#include "uart16550.h"

#define SIFIVE_TEST ((volatile uint32_t *)0x00100000u)
#define PROFILE_BLOB ((const uint8_t *)0x80400000u)
#define PROFILE_ARGS ((const char *)0x803F0000u)
#define PROFILE_BLOB_MAX (8u * 1024u * 1024u)

extern uint8_t __l2_arena_start[];
extern uint8_t __l2_end[];

static bt_engine engine;
static bt_profile prof;

static void out(const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n > 0) {
        uart_write(NULL, (const uint8_t *)text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1u);
    }
}

static void finish(int failed)
{
    *SIFIVE_TEST = failed ? (0x3333u | (1u << 16)) : 0x5555u;
    for (;;) {
    }
}

void bt_qemu_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);
void bt_qemu_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    out("\n{\"error\": \"firmware trap mcause=%08lx mepc=%08lx mtval=%08lx\"}\n", (unsigned long)mcause,
        (unsigned long)mepc, (unsigned long)mtval);
    finish(1);
}

static int pick(const char *v, size_t n, const char *const *names, int count)
{
    for (int i = 0; i < count; i++) {
        if (strlen(names[i]) == n && strncmp(v, names[i], n) == 0) {
            return i;
        }
    }
    return -1;
}

/* key=value tokens separated by blanks; unknown keys or values are an error (returned as text). */
static const char *parse_args(const char *a, bt_train_config *cfg, uint32_t *harts)
{
    static const char *const scopes[] = {"inherit", "full", "last", "bias", "frozen"};
    static const char *const norms[] = {"group", "batch", "frozen"};
    static const char *const optims[] = {"sgd", "adam"};
    while (*a) {
        while (*a == ' ' || *a == '\n' || *a == '\t') {
            a++;
        }
        if (!*a) {
            break;
        }
        const char *key = a;
        while (*a && *a != '=' && *a != ' ' && *a != '\n') {
            a++;
        }
        if (*a != '=') {
            return "arguments are key=value";
        }
        size_t klen = (size_t)(a - key);
        const char *v = ++a;
        while (*a && *a != ' ' && *a != '\n' && *a != '\t') {
            a++;
        }
        size_t vlen = (size_t)(a - v);
        long n = strtol(v, NULL, 10);
        int k;
        if (klen == 5 && strncmp(key, "batch", 5) == 0 && n > 0 && n <= 64) {
            cfg->batch_size = (uint16_t)n;
        } else if (klen == 5 && strncmp(key, "scope", 5) == 0 && (k = pick(v, vlen, scopes, 5)) > 0) {
            cfg->scope = (uint8_t)k;
        } else if (klen == 4 && strncmp(key, "norm", 4) == 0 && (k = pick(v, vlen, norms, 3)) >= 0) {
            cfg->norm_mode = (uint8_t)k;
        } else if (klen == 6 && strncmp(key, "groups", 6) == 0 && n >= 0 && n <= 65535) {
            cfg->norm_groups = (uint16_t)n;
        } else if (klen == 5 && strncmp(key, "optim", 5) == 0 && (k = pick(v, vlen, optims, 2)) >= 0) {
            cfg->optimizer = (uint8_t)k;
        } else if (klen == 2 && strncmp(key, "lr", 2) == 0) {
            cfg->learning_rate = strtof(v, NULL);
        } else if (klen == 5 && strncmp(key, "harts", 5) == 0 && n > 0) {
            *harts = (uint32_t)n;
        } else {
            return "unknown argument or value out of range";
        }
    }
    return NULL;
}

static void pass_json(const char *name, const bt_pass_profile *p, uint32_t harts, const char *tail)
{
    out("\"%s\": {\"instructions\": %llu, \"critical\": %llu, \"per_hart\": [", name, (unsigned long long)p->total,
        (unsigned long long)p->critical);
    for (uint32_t h = 0; h < harts; h++) {
        out("%s%llu", h ? ", " : "", (unsigned long long)p->hart[h]);
    }
    out("]}%s", tail);
}

/* Runs `what` (0 train sample, 1 step, 2 predict) and adds its counts to p. */
static void measured(int what, bt_pass_profile *p)
{
    bt_harts_counters h0;
    bt_harts_read(&h0);
    uint64_t t0 = bt_instret();
    if (what == 0) {
        bt_real loss;
        bt_engine_train_sample(&engine, bt_engine_input(&engine), 0u, &loss, NULL);
    } else if (what == 1) {
        bt_engine_step(&engine);
    } else {
        bt_engine_predict(&engine, bt_engine_input(&engine), NULL, NULL);
    }
    bt_profile_add(p, t0, &h0);
}

int main(void)
{
    uart_init();
    bt_harts_init(bt_boot_fdt);
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    uint32_t harts = bt_harts_available();
    const char *bad = parse_args(PROFILE_ARGS, &cfg, &harts);
    if (bad) {
        out("{\"error\": \"%s\"}\n", bad);
        finish(1);
    }
    harts = bt_harts_use(harts);
    /* The blob's length follows from its header (MODEL.md section 1). */
    const uint8_t *b = PROFILE_BLOB;
    uint32_t layers = (uint32_t)b[6] | (uint32_t)b[7] << 8;
    uint32_t params = (uint32_t)b[16] | (uint32_t)b[17] << 8 | (uint32_t)b[18] << 16 | (uint32_t)b[19] << 24;
    size_t len = memcmp(b, BT_MODEL_MAGIC, 4) == 0 ? bt_model_blob_size((uint16_t)layers, params) : 0u;
    if (len == 0u || len > PROFILE_BLOB_MAX) {
        out("{\"error\": \"no model blob at 0x80400000\"}\n");
        finish(1);
    }
    size_t arena_size = (size_t)(__l2_end - __l2_arena_start);
    if (arena_size > BT_ARENA_BYTES) {
        arena_size = BT_ARENA_BYTES; /* the protocol firmware's arena */
    }
    bt_plan_report rep;
    bt_status rc = bt_engine_load(&engine, b, len, __l2_arena_start, arena_size, &cfg, &rep);
    if (rc != BT_STATUS_OK) {
        out("{\"error\": \"%s\", \"status\": %u}\n", rep.message, rc);
        finish(1);
    }
    bt_real *x = bt_engine_input(&engine);
    uint32_t state = 1u;
    for (uint32_t i = 0; i < bt_engine_input_size(&engine); i++) {
        state = state * 1664525u + 1013904223u;
        x[i] = (bt_real)((int32_t)(state >> 8) - (1 << 23)) / (bt_real)(1 << 23);
    }
    bt_pass_profile train, step, predict;
    memset(&train, 0, sizeof train);
    memset(&step, 0, sizeof step);
    memset(&predict, 0, sizeof predict);
    bt_profile_attach(&prof, &engine);
    measured(0, &train);
    bt_engine_observe(&engine, NULL, NULL);
    measured(1, &step);
    measured(2, &predict);

    out("{\"model\": \"%s\", \"harts\": %lu, \"available_harts\": %lu, \"arena_bytes\": %lu, \"peak_bytes\": %lu, "
        "\"batch\": %u, \"macs_forward\": %llu, \"macs_train\": %llu, \"params\": %lu, \"trainable\": %lu, ",
        engine.model.name, (unsigned long)harts, (unsigned long)bt_harts_available(), (unsigned long)arena_size,
        (unsigned long)rep.peak_bytes, cfg.batch_size, (unsigned long long)rep.macs_forward,
        (unsigned long long)rep.macs_train, (unsigned long)rep.param_count, (unsigned long)rep.trainable_count);
    pass_json("train_sample", &train, harts, ", ");
    pass_json("step", &step, harts, ", ");
    pass_json("predict", &predict, harts, ", ");
    pass_json("loss", &prof.loss, harts, ", \"layers\": [\n");
    for (uint16_t i = 0; i < engine.model.layer_count; i++) {
        const bt_layer_desc *d = &engine.model.layers[i];
        const bt_engine_layer *ly = &engine.lay[i];
        out("{\"index\": %u, \"kind\": \"%s\", \"in\": [%lu, %lu, %lu], \"out\": [%lu, %lu, %lu], \"macs\": %llu, "
            "\"train_macs\": %llu, ",
            i, ly->kind->name, (unsigned long)d->in.c, (unsigned long)d->in.h, (unsigned long)d->in.w,
            (unsigned long)d->out.c, (unsigned long)d->out.h, (unsigned long)d->out.w, (unsigned long long)d->macs,
            (unsigned long long)bt_layer_macs(d, true, ly->train_w, ly->need_dx));
        pass_json("forward", &prof.layer[i][0], harts, ", ");
        pass_json("backward", &prof.layer[i][1], harts, i + 1u < engine.model.layer_count ? "},\n" : "}\n");
    }
    out("]}\n");
    finish(0);
    return 0;
}
