#include "profile.h"

#include <string.h>

void bt_profile_add(bt_pass_profile *pp, uint64_t mark, const bt_harts_counters *h0)
{
    uint64_t now = bt_instret();
    bt_harts_counters h1;
    bt_harts_read(&h1);
    uint64_t total = now - mark;
    uint64_t shares = h1.region_sum - h0->region_sum;
    uint64_t serial = total > shares ? total - shares : 0u;
    pp->total += total;
    pp->critical += serial + (h1.region_max - h0->region_max);
    for (uint32_t h = 0; h < BT_MAX_HARTS; h++) {
        pp->hart[h] += h1.work[h] - h0->work[h];
    }
    pp->hart[0] += serial;
}

void bt_profile_sum(bt_pass_profile *b, const bt_pass_profile *a)
{
    b->total += a->total;
    b->critical += a->critical;
    for (uint32_t h = 0; h < BT_MAX_HARTS; h++) {
        b->hart[h] += a->hart[h];
    }
}

static void observe(void *ctx, uint16_t layer, bool backward, bool end)
{
    bt_profile *p = (bt_profile *)ctx;
    if (!end) {
        bt_harts_read(&p->mark_harts);
        p->mark = bt_instret();
        return;
    }
    bt_pass_profile *pp = layer == BT_ENGINE_LOSS   ? &p->loss
                          : layer == BT_ENGINE_STEP ? &p->step
                          : layer < BT_MODEL_MAX_LAYERS ? &p->layer[layer][backward ? 1 : 0]
                                                      : NULL;
    if (pp) {
        bt_profile_add(pp, p->mark, &p->mark_harts);
    }
}

void bt_profile_attach(bt_profile *p, bt_engine *e)
{
    memset(p, 0, sizeof *p);
    bt_engine_observe(e, observe, p);
}
