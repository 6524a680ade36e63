/* The parallel-for hook every kernel splits its work through. The core's default runs the range
 * serially (host and QEMU); a GAP9 port replaces bt_parallel_for (build the core with
 * -DBT_PARALLEL_EXTERNAL and link its own) to fork the range onto the 8 cluster cores.
 * Kernels give each index its own outputs, so a parallel run sums in the same order as a serial one
 * and stays bit-identical. */
#ifndef BT_PARALLEL_H
#define BT_PARALLEL_H

#include <stdint.h>

/* Processes indices [begin, end) of a kernel's work. */
typedef void (*bt_range_fn)(void *ctx, uint32_t begin, uint32_t end);

/* Runs fn over [0, count), possibly split into disjoint ranges on several cores. Returns when all
 * ranges are done. */
void bt_parallel_for(uint32_t count, bt_range_fn fn, void *ctx);

#endif
