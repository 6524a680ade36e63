#include "harts.h"

#include <string.h>

#include "bt/parallel.h"

/* QEMU virt's CLINT: one machine software interrupt pending bit per hart. */
#define CLINT_MSIP(h) (*(volatile uint32_t *)(0x02000000u + 4u * (h)))

/* The device tree QEMU passed to hart 0 (start.S stores it after clearing .bss). */
const void *bt_boot_fdt;

/* Set by hart 0 when the worker loops may start (in .data: the workers read it before hart 0 has
 * cleared .bss). */
volatile uint32_t bt_harts_started = 0u;

static uint32_t available = 1u;
static uint32_t used = 1u;

/* The region being run: written by hart 0 before it hands the turn out. */
static struct {
    bt_range_fn fn;
    void *ctx;
    uint32_t count;
    uint32_t harts;
} job;
static uint32_t turn;    /* the hart whose share runs now; 0 between shares (atomics only) */
static uint32_t joined;  /* shares finished in this region (atomics only) */
static uint64_t share[BT_MAX_HARTS];
static bt_harts_counters counters;

uint64_t bt_instret(void)
{
    uint32_t hi, lo, hi2;
    do {
        __asm__ volatile("csrr %0, minstreth" : "=r"(hi));
        __asm__ volatile("csrr %0, minstret" : "=r"(lo));
        __asm__ volatile("csrr %0, minstreth" : "=r"(hi2));
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

/* ---- device tree: the harts are the nodes named cpu@N ----------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t count_cpus(const uint8_t *fdt)
{
    enum { BEGIN_NODE = 1, END_NODE = 2, PROP = 3, NOP = 4, END = 9 };
    if (!fdt || be32(fdt) != 0xD00DFEEDu) {
        return 1u;
    }
    uint32_t size = be32(fdt + 4);
    const uint8_t *p = fdt + be32(fdt + 8);
    const uint8_t *end = fdt + size;
    uint32_t cpus = 0;
    while (p + 4 <= end) {
        uint32_t token = be32(p);
        p += 4;
        if (token == BEGIN_NODE) {
            const char *name = (const char *)p;
            size_t n = 0;
            while (p + n < end && name[n] != '\0') {
                n++;
            }
            if (n >= 4u && memcmp(name, "cpu@", 4) == 0) {
                cpus++;
            }
            p += (n + 4u) & ~3u; /* the name, its NUL, padding to 4 */
        } else if (token == PROP) {
            uint32_t len = be32(p);
            p += 8u + ((len + 3u) & ~3u);
        } else if (token == END) {
            break;
        } else if (token != END_NODE && token != NOP) {
            return 1u; /* not a device tree we understand: one hart */
        }
    }
    return cpus == 0u ? 1u : cpus;
}

/* ---- fork and join ---------------------------------------------------------------------------- */

static void share_of(uint32_t h, uint32_t *begin, uint32_t *end)
{
    *begin = (uint32_t)((uint64_t)job.count * h / job.harts);
    *end = (uint32_t)((uint64_t)job.count * (h + 1u) / job.harts);
}

/* This hart's share of the current region, its instructions kept in share[h]. */
static void run_share(uint32_t h)
{
    uint32_t b, e;
    share_of(h, &b, &e);
    uint64_t t0 = bt_instret();
    if (e > b) {
        job.fn(job.ctx, b, e);
    }
    share[h] = bt_instret() - t0;
}

/* Sleeps until the turn comes back to `self` (wakes on the software interrupt). */
static void wait_turn(uint32_t self)
{
    for (;;) {
        CLINT_MSIP(self) = 0u;
        if (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) == self) {
            return;
        }
        __asm__ volatile("wfi");
    }
}

static void give_turn(uint32_t to)
{
    (void)__atomic_exchange_n(&turn, to, __ATOMIC_ACQ_REL);
    CLINT_MSIP(to) = 1u;
}

void bt_hart_worker(uint32_t hart)
{
    for (;;) {
        wait_turn(hart);
        run_share(hart);
        (void)__atomic_fetch_add(&joined, 1u, __ATOMIC_ACQ_REL);
        give_turn(0u);
    }
}

void bt_parallel_for(uint32_t count, bt_range_fn fn, void *ctx)
{
    if (count == 0u) {
        return;
    }
    job.fn = fn;
    job.ctx = ctx;
    job.count = count;
    job.harts = used < count ? used : count; /* never more harts than jobs */
    __atomic_store_n(&joined, 1u, __ATOMIC_RELEASE); /* hart 0's share */
    run_share(0u);
    for (uint32_t h = 1u; h < job.harts; h++) {
        give_turn(h);
        wait_turn(0u);
    }
    uint64_t max = 0, sum = 0;
    for (uint32_t h = 0; h < job.harts; h++) {
        counters.work[h] += share[h];
        sum += share[h];
        max = share[h] > max ? share[h] : max;
    }
    counters.region_max += max;
    counters.region_sum += sum;
    counters.regions++;
    if (__atomic_load_n(&joined, __ATOMIC_ACQUIRE) != job.harts) {
        __asm__ volatile("ebreak"); /* a share went missing: a bug, reported by the trap handler */
    }
}

uint32_t bt_parallel_harts(void) { return used; }

void bt_harts_init(const void *fdt)
{
    available = count_cpus((const uint8_t *)fdt);
    if (available > BT_MAX_HARTS) {
        available = BT_MAX_HARTS;
    }
    used = available;
    memset(&counters, 0, sizeof counters);
    /* Hart 0 sleeps in wait_turn too: the software interrupt must wake its wfi (mstatus.MIE stays
     * clear, so it is never taken as a trap). */
    __asm__ volatile("csrs mie, %0" : : "r"(1u << 3));
    __atomic_store_n(&turn, 0u, __ATOMIC_RELEASE);
    __atomic_store_n(&bt_harts_started, 1u, __ATOMIC_RELEASE);
    for (uint32_t h = 1u; h < available; h++) {
        CLINT_MSIP(h) = 1u; /* out of the boot wait; they then sleep in wait_turn */
    }
}

uint32_t bt_harts_available(void) { return available; }

uint32_t bt_harts_use(uint32_t n)
{
    used = n == 0u ? 1u : (n > available ? available : n);
    return used;
}

uint32_t bt_harts_used(void) { return used; }

void bt_harts_read(bt_harts_counters *out) { *out = counters; }
