# Shared by ./biotrain and ./run-tests: install what is missing, build what is stale.
# Sourced, not run. Everything goes to build/ (ignored by git).

BT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BT_BUILD="$BT_ROOT/build"

# Debian packages the product needs to build and run its virtual devices.
BT_RUNTIME_PACKAGES=(cmake make gcc qemu-system-misc gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)
# What the test suite adds: peers and tools the tests run against.
BT_TEST_PACKAGES=(g++ libxdf-dev libusb-1.0-0-dev umockdev libumockdev-dev clang patchelf python3)

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

# Configures once, then builds incrementally: the native device, the C tests, and the QEMU image.
bt_build_firmware() {
    if [ ! -f "$BT_BUILD/firmware/CMakeCache.txt" ]; then
        bt_say "configuring firmware"
        cmake -S "$BT_ROOT/firmware-gap9" -B "$BT_BUILD/firmware" -DCMAKE_BUILD_TYPE=Release >/dev/null
    fi
    cmake --build "$BT_BUILD/firmware" -j "$(nproc)" >"$BT_BUILD/firmware-build.log" 2>&1 || {
        cat "$BT_BUILD/firmware-build.log" >&2
        echo "error: firmware build failed" >&2
        exit 1
    }
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
    dotnet build "$BT_ROOT/src/BioTrain.Stream.Cli" -c Release -nologo >"$BT_BUILD/cli-build.log" 2>&1 || {
        grep -E "error|Error" "$BT_BUILD/cli-build.log" >&2 || cat "$BT_BUILD/cli-build.log" >&2
        echo "error: CLI build failed" >&2
        exit 1
    }
}
