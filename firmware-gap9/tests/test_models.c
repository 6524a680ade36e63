/* Model format golden vectors (protocol/models, listed in manifest.tsv): every blob parses, the
 * C builders make the same bytes, parameter counts and MACs are as listed; every blob of
 * refused.tsv is refused with the reason listed, by the parser and by the engine. The C# builders
 * and parser are checked against the same files. */
#include <stdlib.h>
#include <string.h>

#include "bt/engine.h"
#include "bt/model.h"
#include "bt/selfcheck.h"
#include "harness.h"

static uint8_t file_buf[262144];
static uint8_t built[262144];
static bt_model model;

static size_t read_file(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", BT_MODELS_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    size_t n = fread(file_buf, 1, sizeof file_buf, f);
    fclose(f);
    return n;
}

static void check_entry(char **fields)
{
    size_t len = read_file(fields[0]);
    CHECK(len > 0);
    char err[160] = "";
    CHECK(bt_model_parse(file_buf, len, &model, err, sizeof err));
    if (err[0]) {
        fprintf(stderr, "%s: %s\n", fields[0], err);
    }
    CHECK_EQ_U(model.param_count, strtoul(fields[9], NULL, 10));
    CHECK_EQ_U(model.macs, strtoull(fields[10], NULL, 10));
    CHECK(strcmp(model.name, fields[1]) == 0);
    size_t n = 0;
    if (strcmp(fields[1], "selfcheck") == 0) {
        n = bt_selfcheck_model(built, sizeof built);
    } else if (strncmp(fields[1], "selfcheck-", 10) == 0) {
        n = bt_selfcheck_transformer(built, sizeof built, strcmp(fields[1], "selfcheck-recon") == 0);
    } else {
        bt_zoo_model which = BT_ZOO_MI_BMINET;
        while (strcmp(bt_zoo_name(which), fields[1]) != 0 && which < BT_ZOO_TINYMYO_S) {
            which = (bt_zoo_model)(which + 1);
        }
        CHECK(strcmp(bt_zoo_name(which), fields[1]) == 0);
        uint32_t v[13];
        for (int k = 2; k < 15; k++) {
            v[k - 2] = (uint32_t)strtoul(fields[k], NULL, 10);
        }
        bt_zoo_params p = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[9], v[10], v[11], v[12]};
        n = bt_zoo_build(which, &p, built, sizeof built);
    }
    CHECK_EQ_U(n, len);
    CHECK(n == len && memcmp(built, file_buf, len) == 0);
    printf("%-32s %-10s params %6lu MACs %8llu: ok\n", fields[0], model.name, (unsigned long)model.param_count,
           (unsigned long long)model.macs);
}

static bt_engine engine;

static void check_refused(char **fields)
{
    char name[160];
    snprintf(name, sizeof name, "refused/%s", fields[0]);
    size_t len = read_file(name);
    CHECK(len > 0);
    unsigned long reason = strtoul(fields[1], NULL, 10);
    char err[160] = "";
    CHECK(!bt_model_parse(file_buf, len, &model, err, sizeof err));
    CHECK_EQ_U(model.reason, reason);
    CHECK(strcmp(bt_model_reason_name(model.reason), fields[2]) == 0);
    bt_train_config cfg;
    bt_train_config_default(&cfg);
    bt_plan_report r;
    CHECK_EQ_U(bt_engine_load(&engine, file_buf, len, NULL, 0, &cfg, &r), BT_STATUS_BAD_INPUT);
    CHECK_EQ_U(r.reason, reason);
    CHECK(strcmp(r.message, err) == 0);
    printf("%-32s refused, %-12s %s\n", fields[0], fields[2], err);
}

/* Calls fn with the `want` tab-separated fields of every line of a TSV in protocol/models
 * (comments and blank lines skipped); returns how many lines it passed. */
static int each_line(const char *name, int want, void (*fn)(char **fields))
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", BT_MODELS_DIR, name);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    int entries = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        char *fields[16];
        int k = 0;
        for (char *tok = strtok(line, "\t\n"); tok && k < want; tok = strtok(NULL, "\t\n")) {
            fields[k++] = tok;
        }
        CHECK_EQ_U(k, want);
        if (k == want) {
            fn(fields);
            entries++;
        }
    }
    if (f) {
        fclose(f);
    }
    return entries;
}

int main(void)
{
    CHECK(each_line("manifest.tsv", 15, check_entry) >= 9);
    CHECK(each_line("refused.tsv", 4, check_refused) >= 9);
    return bt_test_report("test_models");
}
