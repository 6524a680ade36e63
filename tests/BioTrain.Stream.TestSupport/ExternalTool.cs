using System.ComponentModel;
using System.Diagnostics;

namespace BioTrain.Stream.TestSupport;

/// <summary>
/// Starts a program from a Debian package the tests run against (scripts/lib.sh installs them all);
/// when it is missing, the failure names the package instead of a bare "No such file".
/// </summary>
public static class ExternalTool
{
    public static Process Start(ProcessStartInfo start, string package)
    {
        ArgumentNullException.ThrowIfNull(start);
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{start.FileName} cannot run ({e.Message}): apt-get install {package} (./run-tests installs it)", e);
        }
    }

    public static Process Start(string file, string package, params string[] args)
    {
        var start = new ProcessStartInfo(file);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Start(start, package);
    }
}
