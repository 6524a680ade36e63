# Cross toolchain for the virtual GAP9: Debian's gcc-riscv64-unknown-elf (multilib) with picolibc.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# GAP9's cluster cores are RV32IMFC (+Xpulp); QEMU has no Xpulp, so the portable subset is used.
set(BT_RISCV_FLAGS "-march=rv32imafc -mabi=ilp32f -mcmodel=medany --specs=picolibc.specs")
set(CMAKE_C_FLAGS_INIT "${BT_RISCV_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${BT_RISCV_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles -Wl,--gc-sections")
