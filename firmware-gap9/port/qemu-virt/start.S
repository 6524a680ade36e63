/* Reset entry on QEMU virt with -bios none: hart 0 jumps here at 0x80000000.
 * Other harts park; hart 0 sets up gp, sp, the FPU and .bss, then calls main. */
    .section .text.start, "ax"
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park

    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_top

    /* mstatus.FS = initial: without it the first FP instruction traps. */
    li      t0, (1 << 13)
    csrs    mstatus, t0
    csrwi   fcsr, 0

    la      t0, trap
    csrw    mtvec, t0

    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:
    call    main
park:
    wfi
    j       park

/* Any trap is a firmware bug: report it over the UART and stop. */
    .align 4
trap:
    la      sp, __stack_top
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    bt_qemu_trap
    j       park
