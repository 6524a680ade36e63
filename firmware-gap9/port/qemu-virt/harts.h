/* The cluster of the virtual GAP9: QEMU virt's harts (-smp N, up to 8) as the cluster cores.
 *
 * Hart 0 runs the firmware; the others wait (wfi) until bt_parallel_for hands them a share of a
 * kernel's jobs. The split is by output ownership (contiguous job ranges), so any number of harts
 * gives the same bits. Hand-over: hart 0 runs its share, then wakes hart 1 (machine software
 * interrupt through the CLINT) and sleeps until hart 1 hands the turn back (an A-extension atomic
 * swap plus an interrupt), then hart 2, and so on; a join counter (atomic add) counts the shares
 * done. One hart runs at a time: under -icount QEMU executes harts one after another anyway (one
 * host thread, round robin), and its minstret counts the whole machine, so this is what makes the
 * instructions of each hart's share exact. A real cluster releases all shares at once; the
 * instructions of every share are the same, since no job waits for another.
 *
 * Counters: per hart the instructions of its shares; per parallel region the largest share
 * (summed over regions) and all shares (summed), from which a profiler derives the busiest-hart
 * instructions region by region (the critical path: serial instructions + largest shares). */
#ifndef BT_QEMU_HARTS_H
#define BT_QEMU_HARTS_H

#include <stdint.h>

#define BT_MAX_HARTS 8u

/* The device tree's address (a1 at reset), kept by start.S for bt_harts_init. */
extern const void *bt_boot_fdt;

/* Hart 0, once .bss is set up: counts the harts in the device tree (QEMU passes its address in a1
 * at reset) and starts the others' loops. All harts are used until bt_harts_use says otherwise. */
void bt_harts_init(const void *fdt);

uint32_t bt_harts_available(void);
/* Harts the parallel-for may use, 1 .. available; returns what it set. */
uint32_t bt_harts_use(uint32_t n);
uint32_t bt_harts_used(void);

typedef struct bt_harts_counters {
    uint64_t work[BT_MAX_HARTS]; /* instructions of each hart's shares */
    uint64_t region_max;         /* per region the largest share, summed */
    uint64_t region_sum;         /* per region all shares, summed */
    uint32_t regions;            /* parallel-for calls */
} bt_harts_counters;

/* Cumulative since bt_harts_init. */
void bt_harts_read(bt_harts_counters *out);

/* Instructions retired by the machine (all harts; exact under -icount shift=0). */
uint64_t bt_instret(void);

/* Entry of harts 1 .. 7 from start.S, on their own stacks; never returns. */
void bt_hart_worker(uint32_t hart);

#endif
