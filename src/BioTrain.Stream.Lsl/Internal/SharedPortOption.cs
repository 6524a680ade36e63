using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>
/// Lets several processes bind the shared discovery port the way liblsl does: SO_REUSEADDR and nothing else.
/// .NET's <see cref="SocketOptionName.ReuseAddress"/> also sets SO_REUSEPORT on Linux, which liblsl never
/// sets; a socket that differs from its neighbours on the port in that way is what a liblsl peer does not
/// expect, so on Linux the option is set by number.
/// </summary>
internal static class SharedPortOption
{
    // <asm-generic/socket.h>, used by x86, ARM, RISC-V and LoongArch (MIPS, SPARC, PA-RISC and Alpha differ).
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    public static void AllowSharedBind(Socket socket)
    {
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86
                or Architecture.Arm or Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64)
        {
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            return;
        }

        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
    }
}
