#include "bt/parallel.h"

#ifndef BT_PARALLEL_EXTERNAL
/* One core, the whole range at once. */
void bt_parallel_for(uint32_t count, bt_range_fn fn, void *ctx)
{
    if (count > 0u) {
        fn(ctx, 0u, count);
    }
}

uint32_t bt_parallel_harts(void) { return 1u; }
#endif

uint32_t bt_parallel_chunks(uint32_t width, uint32_t jobs, uint32_t least, uint32_t most)
{
    uint32_t n = (width + most - 1u) / most;
    uint32_t harts = bt_parallel_harts();
    uint32_t want = jobs == 0u ? 1u : (2u * harts + jobs - 1u) / jobs;
    uint32_t at_most = least > 0u && width / least > 0u ? width / least : 1u;
    if (want > n) {
        n = want < at_most ? want : at_most;
    }
    return n > 0u ? n : 1u;
}
