/* Static memory planner: assigns arena offsets to tensors with known lifetimes so that tensors
 * live at the same time never overlap, and the peak stays small.
 *
 * Lifetimes are inclusive step intervals [first, last] of a schedule (forward steps, loss,
 * backward steps). Placement is greedy by size with best fit: the largest tensors go first, each
 * into the smallest gap left between the tensors already placed whose lifetimes meet its own (or
 * on top of them when no gap fits). Pinned tensors keep the offset they are given (the weights sit
 * at offset 0, so a new plan for a new training configuration keeps them where they are).
 * No dynamic memory: the caller passes the scratch. */
#ifndef BT_PLANNER_H
#define BT_PLANNER_H

#include <stdbool.h>
#include <stdint.h>

#define BT_PLAN_ALIGN 16u

typedef struct bt_plan_tensor {
    uint32_t size;   /* bytes; 0 means the tensor takes no memory */
    uint16_t first;  /* first step it is live */
    uint16_t last;   /* last step it is live, >= first */
    bool pinned;     /* keep offset as given (it must be aligned) */
    uint32_t offset; /* out: byte offset in the arena (in: for pinned tensors) */
} bt_plan_tensor;

/* Scratch for bt_plan_assign: two uint16_t per tensor. */
#define BT_PLAN_SCRATCH_WORDS(n) (2u * (n))

/* Assigns offsets; returns the peak (end of the highest tensor, aligned). scratch holds
 * BT_PLAN_SCRATCH_WORDS(n) entries. */
uint32_t bt_plan_assign(bt_plan_tensor *t, uint16_t n, uint16_t *scratch);

/* The lower bound no plan can beat: the largest total size live at one step. */
uint32_t bt_plan_lower_bound(const bt_plan_tensor *t, uint16_t n);

/* True when no two tensors live at the same step overlap in memory and all are aligned. */
bool bt_plan_check(const bt_plan_tensor *t, uint16_t n);

static inline uint32_t bt_align_up(uint32_t v) { return (v + BT_PLAN_ALIGN - 1u) & ~(BT_PLAN_ALIGN - 1u); }

#endif
