/* Instructions per layer and pass, per hart, on the virtual GAP9: an engine observer (engine.h)
 * that reads the machine's instruction counter and the harts' counters (harts.h) at the start and
 * end of every forward and backward pass of every layer, the loss and the optimiser step.
 *
 * For a pass: total = all harts' instructions; per hart = the instructions of its shares, hart 0
 * also the serial part (total less all shares: the glue and the hand-overs); critical = serial part
 * plus, for each parallel region, its largest share: the instructions of the busiest hart region
 * by region, which is what bounds the time of a fork/join cluster (estimate model E2). */
#ifndef BT_QEMU_PROFILE_H
#define BT_QEMU_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "bt/engine.h"
#include "harts.h"

typedef struct bt_pass_profile {
    uint64_t total;
    uint64_t critical;
    uint64_t hart[BT_MAX_HARTS];
} bt_pass_profile;

typedef struct bt_profile {
    bt_pass_profile layer[BT_MODEL_MAX_LAYERS][2]; /* [layer][0 forward, 1 backward] */
    bt_pass_profile loss, step;
    /* state between the start and the end of a pass */
    uint64_t mark;
    bt_harts_counters mark_harts;
} bt_profile;

/* Clears p and makes it the engine's observer (bt_engine_observe(e, NULL, NULL) detaches). */
void bt_profile_attach(bt_profile *p, bt_engine *e);

/* Adds the instructions since `mark`/`harts0` to a pass profile (also for callers measuring their
 * own sections, such as a whole training sample). */
void bt_profile_add(bt_pass_profile *pp, uint64_t mark, const bt_harts_counters *harts0);

/* Sums a over b (b += a). */
void bt_profile_sum(bt_pass_profile *b, const bt_pass_profile *a);

#endif
