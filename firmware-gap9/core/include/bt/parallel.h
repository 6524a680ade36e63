/* The parallel-for hook every kernel splits its work through. The core's default runs the range
 * serially (host); a port with several cores replaces bt_parallel_for and bt_parallel_harts (build
 * the core with -DBT_PARALLEL_EXTERNAL and link its own): the QEMU virtual GAP9 forks the range
 * onto its harts (port/qemu-virt/harts.c), a GAP9 port onto the 8 cluster cores.
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

/* The cores bt_parallel_for splits work across (1 when serial). Kernels may choose their job
 * sizes from it; results do not depend on it. */
uint32_t bt_parallel_harts(void);

/* Into how many chunks to cut each of `jobs` rows of `width` items so that the harts get about
 * two jobs each: at least ceil(width / most), more when jobs are fewer than two per hart, but no
 * chunk narrower than `least`. Which hart computes an output never changes how it is computed. */
uint32_t bt_parallel_chunks(uint32_t width, uint32_t jobs, uint32_t least, uint32_t most);

#endif
