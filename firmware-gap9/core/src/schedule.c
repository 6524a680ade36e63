#include "bt/schedule.h"

#include <stdio.h>
#include <string.h>

/* Step numbers (schedule.h). */
static uint16_t t_fwd(uint16_t i) { return (uint16_t)(i + 1u); }
static uint16_t t_loss(const bt_schedule *s) { return (uint16_t)(s->layer_count + 1u); }
static uint16_t t_bwd(const bt_schedule *s, uint16_t i) { return (uint16_t)(2u * s->layer_count + 1u - i); }
static uint16_t t_end(const bt_schedule *s) { return (uint16_t)(2u * s->layer_count + 1u); }

static int16_t root_of(const bt_schedule *s, int16_t t)
{
    while (s->root[t] != t) {
        t = s->root[t];
    }
    return t;
}

static int16_t new_tensor(bt_schedule *s, uint32_t elems, bool batched, uint16_t first, uint16_t last)
{
    int16_t t = (int16_t)s->tensor_count++;
    s->root[t] = t;
    s->elems[t] = elems;
    s->batched[t] = batched;
    s->plan[t] = (bt_plan_tensor){0u, first, last, false, 0u};
    return t;
}

/* Extends the lifetime of t's storage to cover [first, last]. */
static void live(bt_schedule *s, int16_t t, uint16_t first, uint16_t last)
{
    bt_plan_tensor *p = &s->plan[root_of(s, t)];
    if (first < p->first) {
        p->first = first;
    }
    if (last > p->last) {
        p->last = last;
    }
}

/* Makes t share the storage of `with` over [first, last]. */
static void share(bt_schedule *s, int16_t t, int16_t with, uint16_t first, uint16_t last)
{
    s->root[t] = root_of(s, with);
    live(s, t, first, last);
}

/* Whether a backward step reads an activation stored where activation k is (k and the ones
 * before it that share its storage). */
static bool storage_read_later(const bt_schedule *s, const bt_sched_layer *ly, uint16_t k)
{
    int16_t r = root_of(s, s->act[k]);
    for (int16_t j = (int16_t)k; j >= 0; j--) {
        if (root_of(s, s->act[j]) != r) {
            break;
        }
        if ((j < (int16_t)k && (ly[j].keep & BT_KEEP_INPUT)) || (j > 0 && (ly[j - 1].keep & BT_KEEP_OUTPUT))) {
            return true;
        }
    }
    return false;
}

void bt_schedule_build(bt_schedule *s, const bt_sched_layer *ly, uint16_t L, uint32_t input_elems, uint32_t classes,
                       const uint32_t persist_elems[BT_SCHED_PERSIST])
{
    s->layer_count = L;
    s->tensor_count = 0;
    /* Activations, forward in place where the layer allows it and nothing needs the input later. */
    s->act[0] = new_tensor(s, input_elems, true, 0u, t_fwd(0));
    for (uint16_t i = 0; i < L; i++) {
        const bt_sched_layer *l = &ly[i];
        int16_t in = s->act[i];
        uint16_t use_end = i + 1u < L ? t_fwd((uint16_t)(i + 1u)) : t_loss(s);
        bool inplace = l->fwd_inplace == BT_INPLACE_VIEW ||
                       (l->fwd_inplace == BT_INPLACE_IF_UNUSED && !(l->keep & BT_KEEP_INPUT) &&
                        !storage_read_later(s, ly, i));
        int16_t out = new_tensor(s, l->out_elems, true, t_fwd(i), use_end);
        if (inplace) {
            share(s, out, in, t_fwd(i), use_end);
        }
        s->act[i + 1] = out;
        if (l->keep & BT_KEEP_INPUT) {
            live(s, in, t_fwd(i), t_bwd(s, i));
        }
        if (l->keep & BT_KEEP_OUTPUT) {
            live(s, out, t_fwd(i), t_bwd(s, i));
        }
        s->stats[i] = -1;
        if (l->stats_elems) {
            uint16_t last = (l->keep & BT_KEEP_STATS) ? t_bwd(s, i) : t_fwd(i);
            s->stats[i] = new_tensor(s, l->stats_elems, l->stats_per_sample, t_fwd(i), last);
        }
    }
    /* Gradients of activations, backward in place where the layer allows it. */
    for (uint16_t k = 0; k <= L; k++) {
        s->grad[k] = -1;
    }
    if (L > 0u && ly[L - 1u].run_bwd) {
        s->grad[L] = new_tensor(s, classes, true, t_loss(s), t_bwd(s, (uint16_t)(L - 1u)));
        for (int i = L - 1; i >= 0 && ly[i].need_dx; i--) {
            uint16_t born = t_bwd(s, (uint16_t)i);
            uint16_t used = t_bwd(s, (uint16_t)(i - 1));
            int16_t g = new_tensor(s, i > 0 ? ly[i - 1].out_elems : input_elems, true, born, used);
            if (ly[i].bwd_inplace) {
                share(s, g, s->grad[i + 1], born, used);
            }
            s->grad[i] = g;
        }
    }
    /* Persistent: weights, gradients, optimiser state. */
    for (int k = 0; k < BT_SCHED_PERSIST; k++) {
        s->persist[k] = new_tensor(s, persist_elems[k], false, 0u, t_end(s));
    }
}

bt_status bt_schedule_plan(bt_schedule *s, uint32_t resident, uint32_t batch, uint32_t elem_bytes,
                           bt_schedule_sizes *out, char *msg, size_t cap)
{
    int16_t tw = s->persist[BT_SCHED_WEIGHTS];
    s->plan[tw].pinned = true; /* at 0: a new plan for a new configuration keeps the weights in place */
    s->plan[tw].offset = 0u;
    /* Sizes; tensors sharing storage take none of their own. */
    uint64_t naive = 0;
    for (uint16_t t = 0; t < s->tensor_count; t++) {
        uint64_t per = (uint64_t)s->elems[t] * elem_bytes;
        uint64_t bytes = s->batched[t] ? per * resident : per;
        naive += bt_align_up((uint32_t)(s->batched[t] ? per * batch : per));
        if (bytes > 0x7FFFFFFFu) {
            snprintf(msg, cap, "a tensor of %llu bytes is beyond any device", (unsigned long long)bytes);
            return BT_STATUS_NO_MEMORY;
        }
        s->plan[t].size = s->root[t] == t ? (uint32_t)bytes : 0u;
    }
    out->peak = bt_plan_assign(s->plan, s->tensor_count, s->scratch);
    /* Every tensor points at its root directly, and carries its offset. */
    for (uint16_t t = 0; t < s->tensor_count; t++) {
        s->root[t] = root_of(s, (int16_t)t);
        s->plan[t].offset = s->plan[s->root[t]].offset;
    }
    out->naive = naive > UINT32_MAX ? UINT32_MAX : (uint32_t)naive;
    out->lower_bound = bt_plan_lower_bound(s->plan, s->tensor_count);
    for (int k = 0; k < BT_SCHED_PERSIST; k++) {
        out->persist[k] = s->plan[s->persist[k]].size;
    }
    return BT_STATUS_OK;
}
