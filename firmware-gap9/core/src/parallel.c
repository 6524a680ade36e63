#include "bt/parallel.h"

#ifndef BT_PARALLEL_EXTERNAL
/* Host and QEMU: one core, the whole range at once. */
void bt_parallel_for(uint32_t count, bt_range_fn fn, void *ctx)
{
    if (count > 0u) {
        fn(ctx, 0u, count);
    }
}
#endif
