/* bt-model-tool: the training engine on the host, for planning and benchmarking models.
 *   plan  FILE [options] [--json]       the device's memory plan: peak, naive footprint, params, MACs
 *   bench FILE [options] [--samples N]  training samples per second of the native build
 *   grads FILE --input X.f32 --label L [options]
 *                                       outputs and gradients of one sample as JSON: probabilities,
 *                                       loss, and every trained layer's weight and bias gradients
 *                                       (X.f32: the input, float32 little-endian; an independent
 *                                       reference such as libtorch checks them)
 *   zoo   NAME --out FILE [model opts]  writes a shipped model (mi-bminet, epidenet, eegnet) or the
 *                                       self-check model (selfcheck)
 * Options: --batch B --scope full|last|bias|frozen --norm group|batch|frozen --groups G
 *          --optim sgd|adam --lr X --arena BYTES
 * Exit codes: 0 ok, 1 bad input, 2 the plan does not fit the arena. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bt/engine.h"
#include "bt/model.h"
#include "bt/selfcheck.h"

/* What the virtual GAP9 leaves for the arena: L2 (1.5 MiB) less 128 KiB for code and static data. */
#define BT_DEFAULT_ARENA (1408u * 1024u)
#define BT_MAX_ARENA (64u * 1024u * 1024u)
#define BT_MAX_BLOB (4u * 1024u * 1024u)

static uint8_t arena[BT_MAX_ARENA] __attribute__((aligned(16)));
static uint8_t blob[BT_MAX_BLOB];
static bt_engine engine;

static int usage(void)
{
    fprintf(stderr, "usage: bt-model-tool plan|bench|grads FILE [--batch B] [--scope full|last|bias|frozen]\n"
                    "         [--norm group|batch|frozen] [--groups G] [--optim sgd|adam] [--lr X]\n"
                    "         [--arena BYTES] [--samples N] [--json] [--input X.f32 --label L]\n"
                    "       bt-model-tool zoo mi-bminet|epidenet|eegnet|selfcheck --out FILE [--channels C]\n"
                    "         [--samples T] [--classes K] [--f1 F] [--d D] [--f2 F] [--seed S]\n");
    return 1;
}

static int pick(const char *v, const char *const *names, int count)
{
    for (int i = 0; i < count; i++) {
        if (strcmp(v, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

typedef struct options {
    bt_train_config cfg;
    uint32_t arena;
    uint32_t samples;
    bool json;
    const char *out;
    const char *input;
    uint32_t label;
    bt_zoo_params zoo;
} options;

static bool parse_options(int argc, char **argv, int start, options *o)
{
    static const char *const scopes[] = {"inherit", "full", "last", "bias", "frozen"};
    static const char *const norms[] = {"group", "batch", "frozen"};
    static const char *const optims[] = {"sgd", "adam"};
    for (int i = start; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "missing value for %s\n", a);
            return false;
        }
        const char *v = argv[++i];
        long n = strtol(v, NULL, 10);
        if (strcmp(a, "--batch") == 0 && n > 0 && n <= 65535) {
            o->cfg.batch_size = (uint16_t)n;
        } else if (strcmp(a, "--scope") == 0 && pick(v, scopes, 5) > 0) {
            o->cfg.scope = (uint8_t)pick(v, scopes, 5);
        } else if (strcmp(a, "--norm") == 0 && pick(v, norms, 3) >= 0) {
            o->cfg.norm_mode = (uint8_t)pick(v, norms, 3);
        } else if (strcmp(a, "--groups") == 0 && n >= 0 && n <= 65535) {
            o->cfg.norm_groups = (uint16_t)n;
        } else if (strcmp(a, "--optim") == 0 && pick(v, optims, 2) >= 0) {
            o->cfg.optimizer = (uint8_t)pick(v, optims, 2);
        } else if (strcmp(a, "--lr") == 0) {
            o->cfg.learning_rate = strtof(v, NULL);
        } else if (strcmp(a, "--arena") == 0 && n > 0 && n <= (long)BT_MAX_ARENA) {
            o->arena = (uint32_t)n;
        } else if (strcmp(a, "--samples") == 0 && n > 0) {
            o->samples = (uint32_t)n;
            o->zoo.samples = (uint32_t)n;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
        } else if (strcmp(a, "--input") == 0) {
            o->input = v;
        } else if (strcmp(a, "--label") == 0 && n >= 0) {
            o->label = (uint32_t)n;
        } else if (strcmp(a, "--channels") == 0 && n > 0) {
            o->zoo.channels = (uint32_t)n;
        } else if (strcmp(a, "--classes") == 0 && n > 0) {
            o->zoo.classes = (uint32_t)n;
        } else if (strcmp(a, "--f1") == 0 && n > 0) {
            o->zoo.f1 = (uint32_t)n;
        } else if (strcmp(a, "--d") == 0 && n > 0) {
            o->zoo.d = (uint32_t)n;
        } else if (strcmp(a, "--f2") == 0 && n > 0) {
            o->zoo.f2 = (uint32_t)n;
        } else if (strcmp(a, "--seed") == 0 && n >= 0) {
            o->zoo.seed = (uint32_t)n;
        } else {
            fprintf(stderr, "bad option %s %s\n", a, v);
            return false;
        }
    }
    return true;
}

static size_t read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    size_t n = fread(blob, 1, sizeof blob, f);
    fclose(f);
    return n;
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            putchar('\\');
        }
        if ((unsigned char)*s >= 0x20u) {
            putchar(*s);
        }
    }
    putchar('"');
}

static void print_plan(const options *o, const bt_plan_report *r)
{
    const bt_model *m = &engine.model;
    const bt_train_config *c = &o->cfg;
    if (o->json) {
        printf("{\"model\": ");
        json_string(m->name);
        printf(", \"input\": [%lu, %lu, %lu], \"classes\": %u, \"layers\": %u, \"params\": %lu, "
               "\"trainable\": %lu, \"macs\": %llu, \"macs_train\": %llu, \"batch\": %u, \"scope\": \"%s\", \"norm\": \"%s\", "
               "\"optimizer\": \"%s\", \"arena_bytes\": %lu, \"peak_bytes\": %lu, \"naive_bytes\": %lu, "
               "\"lower_bound_bytes\": %lu, \"weight_bytes\": %lu, \"grad_bytes\": %lu, \"optim_bytes\": %lu, "
               "\"activation_bytes\": %lu, \"batch_resident\": %u, \"tensors\": %u, \"fits\": %s, \"message\": ",
               (unsigned long)m->input.c, (unsigned long)m->input.h, (unsigned long)m->input.w, m->classes,
               m->layer_count, (unsigned long)r->param_count, (unsigned long)r->trainable_count,
               (unsigned long long)r->macs_forward, (unsigned long long)r->macs_train, c->batch_size,
               bt_scope_name(c->scope),
               bt_norm_mode_name(c->norm_mode), c->optimizer == BT_OPT_ADAM ? "adam" : "sgd",
               (unsigned long)r->arena_bytes, (unsigned long)r->peak_bytes, (unsigned long)r->naive_bytes,
               (unsigned long)r->lower_bound, (unsigned long)r->weight_bytes, (unsigned long)r->grad_bytes,
               (unsigned long)r->optim_bytes, (unsigned long)r->activation_peak, r->batch_resident,
               r->tensor_count, r->fits ? "true" : "false");
        json_string(r->message);
        printf("}\n");
        return;
    }
    printf("model        %s, input %lu x %lu x %lu, %u classes, %u layers\n", m->name, (unsigned long)m->input.c,
           (unsigned long)m->input.h, (unsigned long)m->input.w, m->classes, m->layer_count);
    printf("training     batch %u, scope %s, norm %s, %s\n", c->batch_size, bt_scope_name(c->scope),
           bt_norm_mode_name(c->norm_mode), c->optimizer == BT_OPT_ADAM ? "adam" : "sgd");
    printf("parameters   %lu (%lu trainable)\n", (unsigned long)r->param_count, (unsigned long)r->trainable_count);
    printf("MACs/forward %llu (training sample: %llu)\n", (unsigned long long)r->macs_forward,
           (unsigned long long)r->macs_train);
    printf("planned peak %lu bytes (%.3f MB)\n", (unsigned long)r->peak_bytes, r->peak_bytes / 1e6);
    printf("naive        %lu bytes (%.3f MB), %.1fx\n", (unsigned long)r->naive_bytes, r->naive_bytes / 1e6,
           r->peak_bytes ? (double)r->naive_bytes / r->peak_bytes : 0.0);
    printf("lower bound  %lu bytes\n", (unsigned long)r->lower_bound);
    printf("breakdown    weights %lu, gradients %lu, optimiser %lu, activations %lu\n",
           (unsigned long)r->weight_bytes, (unsigned long)r->grad_bytes, (unsigned long)r->optim_bytes,
           (unsigned long)r->activation_peak);
    printf("arena        %lu bytes: %s\n", (unsigned long)r->arena_bytes, r->message);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench(const options *o)
{
    static bt_real x[65536 * 2];
    static uint32_t labels[64];
    uint32_t in = bt_engine_input_size(&engine);
    uint32_t b = o->cfg.batch_size;
    if ((size_t)in * b > sizeof x / sizeof x[0] || b > 64u) {
        fprintf(stderr, "input too large for the bench buffer\n");
        return 1;
    }
    uint32_t state = 12345u;
    for (size_t i = 0; i < (size_t)in * b; i++) {
        state = state * 1664525u + 1013904223u;
        x[i] = (bt_real)((int32_t)(state >> 8) - (1 << 23)) / (bt_real)(1 << 23);
    }
    for (uint32_t i = 0; i < b; i++) {
        labels[i] = i % engine.model.classes;
    }
    uint32_t done = 0;
    bt_real loss = 0;
    double t0 = now_s();
    while (done < o->samples) {
        bt_engine_train_batch(&engine, x, labels, b, &loss, NULL);
        bt_engine_step(&engine);
        done += b;
    }
    double dt = now_s() - t0;
    double sps = done / dt;
    double macs = (double)engine.report.macs_train;
    if (o->json) {
        printf("{\"model\": ");
        json_string(engine.model.name);
        printf(", \"samples\": %lu, \"seconds\": %.4f, \"samples_per_s\": %.2f, \"macs_train\": %.0f, "
               "\"last_loss\": %.6f}\n",
               (unsigned long)done, dt, sps, macs, (double)loss / b);
    } else {
        printf("%s: %lu training samples (batch %lu) in %.3f s: %.1f samples/s native, %.1f training MMAC/s\n",
               engine.model.name, (unsigned long)done, (unsigned long)b, dt, sps, sps * macs / 1e6);
    }
    return 0;
}

static void json_reals(const char *name, const bt_real *v, uint32_t n)
{
    printf("\"%s\": [", name);
    for (uint32_t i = 0; i < n; i++) {
        printf("%s%.17g", i ? ", " : "", (double)v[i]);
    }
    printf("]");
}

/* One sample's probabilities, loss and parameter gradients (nothing is stepped). */
static int grads(const options *o)
{
    static bt_real x[1u << 20];
    uint32_t in = bt_engine_input_size(&engine);
    FILE *f = o->input ? fopen(o->input, "rb") : NULL;
    if (!f || in > sizeof x / sizeof x[0]) {
        fprintf(stderr, "grads needs --input FILE with %lu float32 values\n", (unsigned long)in);
        if (f) {
            fclose(f);
        }
        return 1;
    }
    static float raw[1u << 20];
    size_t got = fread(raw, sizeof(float), in, f);
    fclose(f);
    if (got != in || o->label >= engine.model.classes) {
        fprintf(stderr, "the input holds %lu of %lu values, or the label is out of range\n", (unsigned long)got,
                (unsigned long)in);
        return 1;
    }
    for (uint32_t i = 0; i < in; i++) {
        x[i] = (bt_real)raw[i];
    }
    bt_real probs[256];
    bt_real loss = 0;
    if (engine.model.classes > 256u || bt_engine_predict(&engine, x, probs, NULL) != BT_STATUS_OK ||
        bt_engine_train_sample(&engine, x, o->label, &loss, NULL) != BT_STATUS_OK) {
        fprintf(stderr, "the engine refused the sample\n");
        return 1;
    }
    printf("{\"loss\": %.17g, ", (double)loss);
    json_reals("probabilities", probs, engine.model.classes);
    printf(", \"layers\": [");
    bool first = true;
    for (uint32_t i = 0; i < engine.model.layer_count; i++) {
        bt_layer_view v;
        bt_engine_layer_view(&engine, i, &v);
        if (!v.grad_weight && !v.grad_bias) {
            continue;
        }
        printf("%s\n{\"index\": %lu, \"kind\": \"%s\", ", first ? "" : ",", (unsigned long)i, engine.lay[i].kind->name);
        json_reals("weight", v.grad_weight, v.grad_weight ? v.desc->weight_count : 0u);
        printf(", ");
        json_reals("bias", v.grad_bias, v.grad_bias ? v.desc->bias_count : 0u);
        printf("}");
        first = false;
    }
    printf("]}\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        return usage();
    }
    options o;
    memset(&o, 0, sizeof o);
    bt_train_config_default(&o.cfg);
    o.arena = BT_DEFAULT_ARENA;
    o.samples = 64;
    if (strcmp(argv[1], "zoo") == 0) {
        static const char *const names[] = {"mi-bminet", "epidenet", "eegnet", "selfcheck"};
        int which = pick(argv[2], names, 4);
        if (which < 0) {
            return usage();
        }
        o.zoo = bt_zoo_defaults(which == 3 ? BT_ZOO_MI_BMINET : (bt_zoo_model)which);
        if (!parse_options(argc, argv, 3, &o) || !o.out) {
            return usage();
        }
        size_t n = which == 3 ? bt_selfcheck_model(blob, sizeof blob)
                              : bt_zoo_build((bt_zoo_model)which, &o.zoo, blob, sizeof blob);
        FILE *f = n ? fopen(o.out, "wb") : NULL;
        if (!f || fwrite(blob, 1, n, f) != n) {
            fprintf(stderr, "cannot build or write the model\n");
            return 1;
        }
        fclose(f);
        return 0;
    }
    bool is_plan = strcmp(argv[1], "plan") == 0;
    bool is_grads = strcmp(argv[1], "grads") == 0;
    if ((!is_plan && !is_grads && strcmp(argv[1], "bench") != 0) || !parse_options(argc, argv, 3, &o)) {
        return usage();
    }
    size_t len = read_file(argv[2]);
    if (len == 0) {
        return 1;
    }
    bt_plan_report r;
    bt_status rc = bt_engine_load(&engine, blob, len, arena, o.arena, &o.cfg, &r);
    if (rc == BT_STATUS_BAD_INPUT) {
        fprintf(stderr, "%s: %s\n", argv[2], r.message);
        return 1;
    }
    if (is_plan) {
        print_plan(&o, &r);
        return rc == BT_STATUS_OK ? 0 : 2;
    }
    if (rc != BT_STATUS_OK) {
        fprintf(stderr, "%s\n", r.message);
        return 2;
    }
    return is_grads ? grads(&o) : bench(&o);
}
