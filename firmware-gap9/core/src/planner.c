#include "bt/planner.h"

static bool lives_meet(const bt_plan_tensor *a, const bt_plan_tensor *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* Placement order: pinned first, then larger first, then the longer lifetime first (it constrains
 * more tensors), then by index so the order is total and the plan reproducible. */
static bool goes_before(const bt_plan_tensor *t, uint16_t a, uint16_t b)
{
    if (t[a].pinned != t[b].pinned) {
        return t[a].pinned;
    }
    if (t[a].size != t[b].size) {
        return t[a].size > t[b].size;
    }
    uint32_t la = (uint32_t)t[a].last - t[a].first;
    uint32_t lb = (uint32_t)t[b].last - t[b].first;
    if (la != lb) {
        return la > lb;
    }
    return a < b;
}

uint32_t bt_plan_assign(bt_plan_tensor *t, uint16_t n, uint16_t *scratch)
{
    uint16_t *order = scratch;
    uint16_t *near = scratch + n; /* placed tensors meeting the current one, sorted by offset */
    for (uint16_t i = 0; i < n; i++) { /* insertion sort: n is at most a few hundred */
        uint16_t j = i;
        while (j > 0 && goes_before(t, i, order[j - 1])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    uint32_t peak = 0;
    for (uint16_t k = 0; k < n; k++) {
        bt_plan_tensor *cur = &t[order[k]];
        if (!cur->pinned) {
            uint32_t size = bt_align_up(cur->size);
            uint16_t m = 0;
            for (uint16_t q = 0; q < k; q++) {
                const bt_plan_tensor *o = &t[order[q]];
                if (o->size == 0u || !lives_meet(o, cur)) {
                    continue;
                }
                uint16_t j = m++;
                while (j > 0 && t[near[j - 1]].offset > o->offset) {
                    near[j] = near[j - 1];
                    j--;
                }
                near[j] = order[q];
            }
            /* Best fit: the smallest gap between the neighbours that holds the tensor; else on top. */
            uint32_t best = UINT32_MAX;
            uint32_t best_gap = UINT32_MAX;
            uint32_t end = 0;
            for (uint16_t j = 0; j < m; j++) {
                const bt_plan_tensor *o = &t[near[j]];
                if (o->offset >= end && o->offset - end >= size && o->offset - end < best_gap) {
                    best_gap = o->offset - end;
                    best = end;
                }
                uint32_t oe = bt_align_up(o->offset + o->size);
                if (oe > end) {
                    end = oe;
                }
            }
            cur->offset = best != UINT32_MAX ? best : end;
        }
        if (cur->size > 0u) {
            uint32_t top = bt_align_up(cur->offset + cur->size);
            if (top > peak) {
                peak = top;
            }
        }
    }
    return peak;
}

uint32_t bt_plan_lower_bound(const bt_plan_tensor *t, uint16_t n)
{
    uint16_t steps = 0;
    for (uint16_t i = 0; i < n; i++) {
        if (t[i].last + 1u > steps) {
            steps = (uint16_t)(t[i].last + 1u);
        }
    }
    uint32_t best = 0;
    for (uint16_t s = 0; s < steps; s++) {
        uint32_t live = 0;
        for (uint16_t i = 0; i < n; i++) {
            if (t[i].first <= s && s <= t[i].last) {
                live += bt_align_up(t[i].size);
            }
        }
        if (live > best) {
            best = live;
        }
    }
    return best;
}

bool bt_plan_check(const bt_plan_tensor *t, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++) {
        if (t[i].offset % BT_PLAN_ALIGN != 0u || t[i].first > t[i].last) {
            return false;
        }
        for (uint16_t j = (uint16_t)(i + 1u); j < n; j++) {
            if (t[i].size == 0u || t[j].size == 0u || !lives_meet(&t[i], &t[j])) {
                continue;
            }
            if (t[i].offset < t[j].offset + t[j].size && t[j].offset < t[i].offset + t[i].size) {
                return false;
            }
        }
    }
    return true;
}
