using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace BioTrain.Stream.Formats.Tests.Support;

/// <summary>
/// Debian's libxdf as a peer reader: compiles tests/interop/libxdf-check/libxdf_check.cpp with g++ -lxdf
/// once into a cache directory keyed by the source's hash, runs it on a file and parses its report.
/// </summary>
internal static class LibXdfCheck
{
    private static readonly Lazy<string> Executable = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    public static LibXdfReport Load(string xdfPath)
    {
        var output = Path.Combine(Path.GetTempPath(), $"biotrain-libxdf-{Guid.NewGuid():N}.txt");
        try
        {
            Run(Executable.Value, [xdfPath, output], TimeSpan.FromSeconds(30));
            return LibXdfReport.Parse(File.ReadAllLines(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static string Compile()
    {
        var source = Path.Combine(RepoPaths.Root, "tests", "interop", "libxdf-check", "libxdf_check.cpp");
        if (!File.Exists("/usr/include/xdf.h"))
        {
            throw new InvalidOperationException("libxdf is not installed: apt-get install -y libxdf-dev g++");
        }
        var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(source)))[..16];
        var directory = Path.Combine(Path.GetTempPath(), "biotrain-libxdf-check", hash);
        var executable = Path.Combine(directory, "libxdf_check");
        if (File.Exists(executable))
        {
            return executable;
        }
        Directory.CreateDirectory(directory);
        var temporary = executable + "." + Environment.ProcessId;
        Run("g++", ["-O1", "-std=c++17", source, "-lxdf", "-o", temporary], TimeSpan.FromSeconds(120));
        File.Move(temporary, executable, overwrite: true);
        return executable;
    }

    private static void Run(string program, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = ExternalTool.Start(start, "g++ libxdf-dev");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill();
            throw new TimeoutException($"{program} did not finish in {timeout}");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }
}

/// <summary>What libxdf_check printed.</summary>
internal sealed class LibXdfReport
{
    public int LoadResult { get; private set; } = int.MinValue;
    public List<(string Format, int Channels, double Rate, int Samples, string Name)> Streams { get; } = [];
    public Dictionary<int, List<(double Timestamp, float[] Values)>> Samples { get; } = [];
    public Dictionary<int, List<(double Timestamp, string Text)>> Events { get; } = [];

    public static LibXdfReport Parse(string[] lines)
    {
        var report = new LibXdfReport();
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "load":
                    report.LoadResult = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    break;
                case "stream":
                    report.Streams.Add((parts[2], int.Parse(parts[3], CultureInfo.InvariantCulture), Number(parts[4]),
                        int.Parse(parts[5], CultureInfo.InvariantCulture), string.Join(' ', parts[6..])));
                    break;
                case "s":
                    var index = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    var values = parts[3..].Select(p => (float)Number(p)).ToArray();
                    (report.Samples.TryGetValue(index, out var list) ? list : report.Samples[index] = []).Add((Number(parts[2]), values));
                    break;
                case "e":
                    var stream = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    var text = line[(line.IndexOf(' ', line.IndexOf(' ', 2) + 1) + 1)..];
                    (report.Events.TryGetValue(stream, out var events) ? events : report.Events[stream] = []).Add((Number(parts[2]), text));
                    break;
                default:
                    break;
            }
        }
        return report;
    }

    // printf writes nan, -nan, inf and -inf.
    private static double Number(string text) => text.TrimStart('-') switch
    {
        "nan" => double.NaN,
        "inf" => text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
