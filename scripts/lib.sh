# Shared by ./biotrain and ./run-tests: install what is missing, build what is stale.
# Sourced, not run. Everything goes to build/ (ignored by git).

BT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BT_BUILD="$BT_ROOT/build"

# Debian packages, by what needs them; ./biotrain installs the first list, ./run-tests both.
# The product: the native virtual device and the QEMU firmware are built here, QEMU runs the
# virtual GAP9, libusb opens USB bridges.
BT_RUNTIME_PACKAGES=(cmake make gcc libc6-dev qemu-system-misc gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf libusb-1.0-0)
# The tests, each package for the tool or peer it brings:
#   g++ libxdf-dev             Debian's libxdf, a reference reader for the XDF files we write
#   umockdev                   umockdev-run: an emulated FTDI bridge for the USB transport
#   clang libclang-rt-14-dev   the libFuzzer target (clang's fuzzer/ASan runtimes are a package of their own)
#   systemd                    systemd-analyze verify/security on the shipped unit
#   python3                    protocol/tools/make_vectors.py, the independent encoder of the golden vectors
#   util-linux                 setpriv: the serial transport's permission tests run as another user
#   procps                     kill: tests stop and freeze device processes with signals
#   man-db                     man: systemd-analyze verify resolves the installed unit's man:biotrain(1)
#   prometheus                 promtool (alert rules, metrics lint) and a real Prometheus scraping the daemon
#   binutils                   objdump: the native kernels really use the FMA instruction (ctest)
#   patchelf                   the benchmark project's libtorch is patched to run on Debian 12 (tests/BioTrain.Stream.Benchmarks)
BT_TEST_PACKAGES=(g++ libxdf-dev umockdev clang libclang-rt-14-dev systemd python3 util-linux procps man-db prometheus binutils patchelf)
# The Debian package (scripts/package, ./biotrain package), each package for the tool it brings:
#   dpkg-dev                   dpkg-buildflags (hardening flags), dpkg-shlibdeps (Depends of the ELF files)
#   lintian                    checks the built package against Debian policy
BT_PACKAGE_PACKAGES=(dpkg-dev lintian)
# Developer checks (scripts/fresh-machine-check): a clean Debian 12 root to run the README in.
BT_DEV_PACKAGES=(mmdebstrap)

bt_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

bt_missing_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$p"
    done
}

bt_ensure_packages() {
    local missing
    mapfile -t missing < <(bt_missing_packages "$@")
    [ "${#missing[@]}" -eq 0 ] && return 0
    bt_say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

bt_ensure_dotnet() {
    if ! command -v dotnet >/dev/null 2>&1; then
        echo "error: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
        exit 1
    fi
}

# Builds the firmware targets named (default: all, the C tests and the fuzzer included; the CLI
# needs only `product`). Configures when the build directory has none yet, or always with
# BT_FIRMWARE_CONFIGURE=1 (./run-tests: the fuzzer check then sees packages installed since).
# Extra configure options come from BT_FIRMWARE_OPTIONS. A build directory left broken by an
# earlier run (interrupted configure or build, a toolchain installed or removed since) is rebuilt
# from scratch once before the error is reported.
bt_build_firmware() {
    mkdir -p "$BT_BUILD"
    _bt_firmware_attempt "$@" && return 0
    bt_say "firmware build failed; retrying in a clean build/firmware"
    rm -rf "$BT_BUILD/firmware"
    _bt_firmware_attempt "$@" && return 0
    grep -E -A3 "CMake Error|error:|Error [0-9]" "$BT_BUILD/firmware-build.log" | head -40 >&2
    echo "error: firmware build failed (whole log: build/firmware-build.log)" >&2
    exit 1
}

_bt_firmware_attempt() {
    local fw="$BT_BUILD/firmware" log="$BT_BUILD/firmware-build.log" targets=() t
    : >"$log"
    if [ ! -f "$fw/Makefile" ] || [ "${BT_FIRMWARE_CONFIGURE:-0}" = 1 ]; then
        bt_say "configuring firmware"
        cmake -S "$BT_ROOT/firmware-gap9" -B "$fw" -DCMAKE_BUILD_TYPE=Release ${BT_FIRMWARE_OPTIONS[@]+"${BT_FIRMWARE_OPTIONS[@]}"} >>"$log" 2>&1 || return 1
    fi
    for t in "$@"; do targets+=(--target "$t"); done
    cmake --build "$fw" -j "$(nproc)" ${targets[@]+"${targets[@]}"} >>"$log" 2>&1
}

BT_CLI_DLL="$BT_ROOT/src/BioTrain.Stream.Cli/bin/Release/net10.0/biotrain.dll"

# Builds the CLI when a source file is newer than it (a no-op dotnet build still costs seconds).
bt_build_cli() {
    if [ -f "$BT_CLI_DLL" ] && [ -z "$(find "$BT_ROOT/src" "$BT_ROOT/Directory.Build.props" "$BT_ROOT/Directory.Packages.props" \
            \( -name bin -o -name obj \) -prune -o -newer "$BT_CLI_DLL" \
            \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -print -quit)" ]; then
        return 0
    fi
    bt_say "building the biotrain CLI"
    mkdir -p "$BT_BUILD"
    # A failed or interrupted earlier build can leave obj/ inconsistent: one clean retry.
    dotnet build "$BT_ROOT/src/BioTrain.Stream.Cli" -c Release -nologo >"$BT_BUILD/cli-build.log" 2>&1 ||
        dotnet build "$BT_ROOT/src/BioTrain.Stream.Cli" -c Release -nologo --no-incremental >"$BT_BUILD/cli-build.log" 2>&1 || {
        grep -E "error|Error" "$BT_BUILD/cli-build.log" >&2 || cat "$BT_BUILD/cli-build.log" >&2
        echo "error: CLI build failed" >&2
        exit 1
    }
}
