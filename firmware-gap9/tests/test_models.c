/* Model format golden vectors (protocol/models, listed in manifest.tsv): every blob parses, the
 * C builders make the same bytes, parameter counts and MACs are as listed. The C# builders are
 * checked against the same files. */
#include <stdlib.h>
#include <string.h>

#include "bt/model.h"
#include "bt/selfcheck.h"
#include "harness.h"

static uint8_t file_buf[65536];
static uint8_t built[65536];
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

static void check_entry(char *fields[11])
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
    } else {
        bt_zoo_model which = strcmp(fields[1], "mi-bminet") == 0  ? BT_ZOO_MI_BMINET
                             : strcmp(fields[1], "epidenet") == 0 ? BT_ZOO_EPIDENET
                                                                  : BT_ZOO_EEGNET;
        bt_zoo_params p = {(uint32_t)atoi(fields[2]), (uint32_t)atoi(fields[3]), (uint32_t)atoi(fields[4]),
                           (uint32_t)atoi(fields[5]), (uint32_t)atoi(fields[6]), (uint32_t)atoi(fields[7]),
                           (uint32_t)atoi(fields[8])};
        n = bt_zoo_build(which, &p, built, sizeof built);
    }
    CHECK_EQ_U(n, len);
    CHECK(n == len && memcmp(built, file_buf, len) == 0);
    printf("%-32s %-10s params %6lu MACs %8llu: ok\n", fields[0], model.name, (unsigned long)model.param_count,
           (unsigned long long)model.macs);
}

int main(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.tsv", BT_MODELS_DIR);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    int entries = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        char *fields[11];
        int k = 0;
        for (char *tok = strtok(line, "\t\n"); tok && k < 11; tok = strtok(NULL, "\t\n")) {
            fields[k++] = tok;
        }
        CHECK_EQ_U(k, 11);
        if (k == 11) {
            check_entry(fields);
            entries++;
        }
    }
    if (f) {
        fclose(f);
    }
    CHECK(entries >= 4);
    return bt_test_report("test_models");
}
