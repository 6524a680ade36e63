#include "uart16550.h"

#define UART_BASE 0x10000000u
#define REG(off) (*(volatile uint8_t *)(UART_BASE + (off)))
#define RBR 0u /* receive buffer (read) */
#define THR 0u /* transmit holding (write) */
#define IER 1u
#define FCR 2u
#define LCR 3u
#define LSR 5u
#define LSR_DATA_READY 0x01u
#define LSR_THR_EMPTY 0x20u

/* QEMU virt's PLIC, hart 0 machine-mode context; UART0 is source 10. */
#define PLIC_BASE 0x0C000000u
#define UART0_IRQ 10u
#define PLIC_PRIORITY(irq) (*(volatile uint32_t *)(PLIC_BASE + 4u * (irq)))
#define PLIC_ENABLE0 (*(volatile uint32_t *)(PLIC_BASE + 0x2000u))
#define PLIC_THRESHOLD0 (*(volatile uint32_t *)(PLIC_BASE + 0x200000u))
#define PLIC_CLAIM0 (*(volatile uint32_t *)(PLIC_BASE + 0x200004u))
#define MIE_MEIE (1u << 11)

void uart_init(void)
{
    /* The receive interrupt only wakes wfi: mstatus.MIE stays clear, so no trap is ever taken. */
    REG(IER) = 0x01u;
    PLIC_PRIORITY(UART0_IRQ) = 1u;
    PLIC_ENABLE0 = 1u << UART0_IRQ;
    PLIC_THRESHOLD0 = 0u;
    __asm__ volatile("csrs mie, %0" : : "r"(MIE_MEIE));
    REG(LCR) = 0x03u; /* 8N1; QEMU ignores the divisor */
    /* Enable and clear the FIFOs, trigger level 14: QEMU then hands over up to 14 bytes per read
     * instead of one, which is what makes the emulated link fast enough. */
    REG(FCR) = 0xC7u;
}

void uart_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        while ((REG(LSR) & LSR_THR_EMPTY) == 0u) {
        }
        REG(THR) = data[i];
    }
}

void uart_wait(void)
{
    /* Sleeping instead of polling matters on QEMU: a vCPU spinning on UART registers holds the
     * lock that the I/O thread needs to deliver received bytes. */
    __asm__ volatile("wfi");
    uint32_t source = PLIC_CLAIM0;
    if (source != 0u) {
        PLIC_CLAIM0 = source;
    }
}

int uart_try_read(void)
{
    if ((REG(LSR) & LSR_DATA_READY) == 0u) {
        return -1;
    }
    return REG(RBR);
}
