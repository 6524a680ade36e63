/* Driver for the NS16550A UART of QEMU's virt machine (at 0x10000000). */
#ifndef BT_QEMU_UART16550_H
#define BT_QEMU_UART16550_H

#include <stddef.h>
#include <stdint.h>

void uart_init(void);
void uart_write(void *ctx, const uint8_t *data, size_t len);
/* Sleeps until the UART has received data (or another interrupt is pending). */
void uart_wait(void);
/* Returns a received byte, or -1 when none is waiting. */
int uart_try_read(void);

#endif
