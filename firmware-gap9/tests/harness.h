/* A minimal test harness: CHECK records a failure and goes on; a test's main returns
 * bt_test_report(). Also reads the golden vectors of protocol/vectors. */
#ifndef BT_TEST_HARNESS_H
#define BT_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern int bt_test_failures;
extern int bt_test_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        bt_test_checks++;                                                                          \
        if (!(cond)) {                                                                             \
            bt_test_failures++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_U(a, b)                                                                           \
    do {                                                                                           \
        unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b);           \
        bt_test_checks++;                                                                          \
        if (va_ != vb_) {                                                                          \
            bt_test_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s == %s failed: %llu != %llu\n", __FILE__, __LINE__, #a, #b,  \
                    va_, vb_);                                                                     \
        }                                                                                          \
    } while (0)

int bt_test_report(const char *name);

/* Golden vectors: key/value lines of one .vec file. */
#define BT_VEC_MAX_FIELDS 64
typedef struct bt_vec {
    char name[64];
    int count;
    char keys[BT_VEC_MAX_FIELDS][64];
    char values[BT_VEC_MAX_FIELDS][2048];
} bt_vec;

/* Calls fn for every .vec file in BT_VECTORS_DIR; returns how many it read. */
int bt_vec_each(void (*fn)(const bt_vec *vec, void *ctx), void *ctx);
const char *bt_vec_get(const bt_vec *vec, const char *key); /* NULL when absent */
unsigned long bt_vec_uint(const bt_vec *vec, const char *key);
/* Decodes a hex value into out; returns the byte count or -1. */
long bt_vec_hex(const bt_vec *vec, const char *key, uint8_t *out, size_t cap);

/* Deterministic pseudo-random numbers for tests (xorshift32). */
uint32_t bt_test_rand(uint32_t *state);

#endif
