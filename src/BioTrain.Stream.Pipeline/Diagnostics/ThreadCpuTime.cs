using System.Runtime.InteropServices;

namespace BioTrain.Stream.Pipeline.Diagnostics;

/// <summary>
/// CPU time of the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID), nanosecond
/// resolution), so "per core" throughput holds on a busy machine where wall time would also count
/// the time other processes had the core. Null where unavailable.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    public static double? Seconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds + (t.Nanoseconds * 1e-9) : null;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }
}
