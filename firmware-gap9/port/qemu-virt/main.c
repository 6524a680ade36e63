/* The virtual GAP9: the firmware core on QEMU's RV32 virt machine, talking over the 16550 UART. */
#include <stdint.h>
#include <stdio.h>

#include "bt/device.h"
#include "harts.h"
#include "uart16550.h"

extern uint8_t __l2_arena_start[];
extern uint8_t __l2_end[];

static const bt_region gap9_regions[] = {
    {"L2", 0x1C000000u, 1536u * 1024u},
    {"L1", 0x10000000u, 128u * 1024u},
};

static bt_device_info qemu_info = {
    "qemu-virt", 370000000u, 1u, BT_FEATURE_INSTRUCTION_COUNTERS | BT_FEATURE_FPU_F32, 2u, gap9_regions, NULL, 0u,
};

static uint64_t read_instret(void *ctx)
{
    (void)ctx;
    return bt_instret(); /* all harts: under -icount QEMU's minstret counts the whole machine */
}

static uint64_t read_time_us(void *ctx)
{
    (void)ctx;
    /* QEMU virt's ACLINT timer runs at 10 MHz. */
    volatile uint32_t *mtime = (volatile uint32_t *)0x0200BFF8u;
    uint32_t hi;
    uint32_t lo;
    do {
        hi = mtime[1];
        lo = mtime[0];
    } while (hi != mtime[1]);
    return (((uint64_t)hi << 32) | lo) / 10u;
}

static bt_device device;

void bt_qemu_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);
void bt_qemu_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    char text[96];
    int n = snprintf(text, sizeof text, "\nFIRMWARE TRAP mcause=%08lx mepc=%08lx mtval=%08lx\n", (unsigned long)mcause,
                     (unsigned long)mepc, (unsigned long)mtval);
    uart_write(NULL, (const uint8_t *)text, (size_t)n);
}

int main(void)
{
    uart_init();
    bt_harts_init(bt_boot_fdt);
    qemu_info.cores = (uint8_t)bt_harts_available(); /* the cluster: -smp N */
    /* The models' arena: all of L2 after the firmware's own code and data. */
    qemu_info.arena = __l2_arena_start;
    qemu_info.arena_size = BT_ARENA_BYTES; /* the linker script asserts that L2 has room for it */
    bt_port port = {uart_write, read_instret, read_time_us, NULL};
    bt_device_init(&device, &port, &qemu_info);
    uint8_t burst[16]; /* drain what the FIFO holds, then hand it over in one call */
    for (;;) {
        size_t n = 0;
        int c;
        while (n < sizeof burst && (c = uart_try_read()) >= 0) {
            burst[n++] = (uint8_t)c;
        }
        if (n > 0) {
            bt_device_feed(&device, burst, n);
        } else {
            uart_wait();
        }
    }
}
