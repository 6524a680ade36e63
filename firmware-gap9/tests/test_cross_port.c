/* Cross-port identity: the seeded self-check training run natively and on the virtual GAP9
 * (bt-train-check.elf under qemu-system-riscv32 -smp 8) must end with bit-identical weights and
 * losses, on one hart and on all eight (the parallel-for splits work by output ownership).
 * A missing QEMU or ELF is a failure, not a skip. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt/selfcheck.h"
#include "harness.h"

#define HARTS 8u /* the cluster */

static bt_engine engine;
static uint8_t arena[256 * 1024] __attribute__((aligned(16)));

int main(void)
{
    bt_selfcheck_result native;
    CHECK_EQ_U(bt_selfcheck(&engine, arena, sizeof arena, &native), BT_STATUS_OK);
    for (uint32_t k = 0; k < BT_SELFCHECK_RUNS; k++) {
        printf("native run %lu: crc %08lx first loss %08lx last loss %08lx correct %lu/%lu\n", (unsigned long)k,
               (unsigned long)native.runs[k].weights_crc, (unsigned long)native.runs[k].first_loss_bits,
               (unsigned long)native.runs[k].last_loss_bits, (unsigned long)native.runs[k].last_correct,
               (unsigned long)native.samples_per_epoch);
    }
#if defined(BT_QEMU) && defined(BT_CHECK_ELF)
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "timeout 80 %s -M virt -bios none -display none -monitor none -nodefaults -m 16M -smp %u "
             "-icount shift=0 -kernel %s -serial stdio 2>&1",
             BT_QEMU, HARTS, BT_CHECK_ELF);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (!p) {
        return bt_test_report("test_cross_port");
    }
    char line[512];
    int matched[2] = {0, 0}; /* one hart, all harts */
    bool done = false;
    while (fgets(line, sizeof line, p)) {
        fputs(line, stdout);
        unsigned long run, crc, first, last, correct;
        unsigned status, harts;
        if (sscanf(line, "SELFCHECK harts=%u run=%lu status=%u crc=%lx first_loss=%lx last_loss=%lx correct=%lu", &harts,
                   &run, &status, &crc, &first, &last, &correct) == 7 &&
            run < BT_SELFCHECK_RUNS && (harts == 1u || harts == HARTS)) {
            const bt_selfcheck_run *n = &native.runs[run];
            CHECK_EQ_U(status, BT_STATUS_OK);
            CHECK_EQ_U(crc, n->weights_crc);
            CHECK_EQ_U(first, n->first_loss_bits);
            CHECK_EQ_U(last, n->last_loss_bits);
            CHECK_EQ_U(correct, n->last_correct);
            matched[harts == 1u ? 0 : 1]++;
        }
        if (strncmp(line, "FIRMWARE TRAP", 13) == 0 || strstr(line, "error=") != NULL) {
            CHECK(!"the virtual GAP9 reported an error");
        }
        if (strncmp(line, "DONE", 4) == 0) {
            done = true;
        }
    }
    int rc = pclose(p);
    CHECK_EQ_U(rc, 0);
    CHECK_EQ_U(matched[0], BT_SELFCHECK_RUNS);
    CHECK_EQ_U(matched[1], BT_SELFCHECK_RUNS);
    CHECK(done);
#else
    CHECK(!"built without the qemu-virt port: install gcc-riscv64-unknown-elf, picolibc and qemu-system-misc");
#endif
    /* The run itself: loss falls and the separable problem is learnt. */
    for (uint32_t k = 0; k < BT_SELFCHECK_RUNS; k++) {
        float first, last;
        memcpy(&first, &native.runs[k].first_loss_bits, sizeof first);
        memcpy(&last, &native.runs[k].last_loss_bits, sizeof last);
        CHECK(last < first);
    }
    return bt_test_report("test_cross_port");
}
