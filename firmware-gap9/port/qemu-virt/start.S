/* Reset entry on QEMU virt with -bios none: every hart jumps here at 0x80000000 with a0 = its
 * hart id and a1 = the device tree. Hart 0 sets up gp, sp, the FPU and .bss, keeps the device tree
 * address for bt_harts_init and calls main. Harts 1..7 (the cluster's other cores) take their own
 * stacks above hart 0's, sleep until hart 0 has started (bt_harts_started) and enter
 * bt_hart_worker; harts beyond 8 park. */
#define MAX_HARTS 8
    .section .text.start, "ax"
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, secondary
    mv      s1, a1

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
    la      t0, bt_boot_fdt
    sw      s1, 0(t0)
    call    main
park:
    wfi
    j       park

secondary:
    li      t1, MAX_HARTS
    bgeu    t0, t1, park
    mv      s0, t0
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __worker_stacks
    la      t1, __worker_stack_size
    mul     t1, t1, s0
    add     sp, sp, t1
    li      t1, (1 << 13)
    csrs    mstatus, t1
    csrwi   fcsr, 0
    la      t1, trap
    csrw    mtvec, t1
    /* The software interrupt wakes wfi (mstatus.MIE stays clear: no trap is taken). */
    li      t1, (1 << 3)
    csrs    mie, t1
3:  wfi
    la      t1, bt_harts_started
    lw      t1, 0(t1)
    beqz    t1, 3b
    mv      a0, s0
    call    bt_hart_worker
    j       park

/* Any trap is a firmware bug: report it over the UART and stop. */
    .align 4
trap:
    csrr    t0, mhartid
    bnez    t0, park
    la      sp, __stack_top
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    bt_qemu_trap
    j       park
