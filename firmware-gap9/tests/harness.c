#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

int bt_test_failures = 0;
int bt_test_checks = 0;

int bt_test_report(const char *name)
{
    if (bt_test_failures) {
        fprintf(stderr, "%s: %d of %d checks failed\n", name, bt_test_failures, bt_test_checks);
        return 1;
    }
    printf("%s: %d checks passed\n", name, bt_test_checks);
    return 0;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) {
        s[--n] = '\0';
    }
}

static bool read_vec(const char *path, bt_vec *vec)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return false;
    }
    static char line[4400];
    vec->count = 0;
    vec->name[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        trim(line);
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        char *sep = strstr(line, ": ");
        char *value = sep ? sep + 2 : NULL;
        if (!sep) {
            size_t n = strlen(line);
            if (n > 0 && line[n - 1] == ':') { /* "key:" with an empty value */
                sep = line + n - 1;
                value = line + n;
            } else {
                continue;
            }
        }
        *sep = '\0';
        if (vec->count == BT_VEC_MAX_FIELDS) {
            break;
        }
        snprintf(vec->keys[vec->count], sizeof vec->keys[0], "%.63s", line);
        snprintf(vec->values[vec->count], sizeof vec->values[0], "%.2047s", value);
        vec->count++;
    }
    fclose(f);
    const char *name = bt_vec_get(vec, "name");
    snprintf(vec->name, sizeof vec->name, "%.63s", name ? name : path);
    return true;
}

int bt_vec_each(void (*fn)(const bt_vec *vec, void *ctx), void *ctx)
{
    DIR *dir = opendir(BT_VECTORS_DIR);
    if (!dir) {
        fprintf(stderr, "cannot open %s\n", BT_VECTORS_DIR);
        return 0;
    }
    static bt_vec vec;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".vec") != 0) {
            continue;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", BT_VECTORS_DIR, e->d_name);
        if (read_vec(path, &vec)) {
            fn(&vec, ctx);
            n++;
        }
    }
    closedir(dir);
    return n;
}

const char *bt_vec_get(const bt_vec *vec, const char *key)
{
    for (int i = 0; i < vec->count; i++) {
        if (strcmp(vec->keys[i], key) == 0) {
            return vec->values[i];
        }
    }
    return NULL;
}

unsigned long bt_vec_uint(const bt_vec *vec, const char *key)
{
    const char *v = bt_vec_get(vec, key);
    return v ? strtoul(v, NULL, 0) : 0ul;
}

long bt_vec_hex(const bt_vec *vec, const char *key, uint8_t *out, size_t cap)
{
    const char *v = bt_vec_get(vec, key);
    if (!v) {
        return -1;
    }
    size_t n = strlen(v);
    if (n % 2u != 0u || n / 2u > cap) {
        return -1;
    }
    for (size_t i = 0; i < n / 2u; i++) {
        char pair[3] = {v[2 * i], v[2 * i + 1], '\0'};
        out[i] = (uint8_t)strtoul(pair, NULL, 16);
    }
    return (long)(n / 2u);
}

uint32_t bt_test_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}
