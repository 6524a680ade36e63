using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Pretraining;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary><c>biotrain model pretrain</c>: the example session's weights from the shipped recordings, and its errors.</summary>
public sealed class PretrainTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-pretrain-");

    public void Dispose() => _dir.Delete(recursive: true);

    internal static string Example => Path.Combine(RepoPaths.Root, "systemd", "biotrain.example.json");

    internal static string Recording(int subject) => Path.Combine(RepoPaths.Root, "replay-data", "eeg-mi", $"sub-{subject:00}.xdf");

    [Fact]
    public async Task Pretrains_the_example_session_on_two_subjects_above_chance_on_their_held_out_trials()
    {
        var session = DaemonConfigLoader.Load(Example, forPretraining: true).Sessions[0];
        var weights = Path.Combine(_dir.FullName, "out", "mi-s01.bin");
        var steps = 0;
        var report = await SessionPretrainer.RunAsync(session, [Recording(1), Recording(2)], weights, new PretrainOptions
        {
            Progress = new Inline<PretrainProgress>(_ => steps++),
        }, CancellationToken.None);
        output.WriteLine(report.ToString());

        Assert.Equal(report.WeightBytes, new FileInfo(weights).Length);
        Assert.False(File.Exists(weights + ".partial"));
        Assert.Equal(report.Epochs * ((report.TrainWindows + 15) / 16), steps);
        Assert.True(report.HeldOutWindows > 0);
        Assert.True(report.HeldOutAccuracyAfter > report.Chance + 0.15, $"held-out {report.HeldOutAccuracyAfter:P0} is not well above chance");
    }

    [Fact]
    public async Task The_same_inputs_give_the_same_weights()
    {
        // Seeded split and batch order, and a deterministic engine.
        var session = DaemonConfigLoader.Load(Example, forPretraining: true).Sessions[0];
        string[] paths = [Path.Combine(_dir.FullName, "a.bin"), Path.Combine(_dir.FullName, "b.bin")];
        foreach (var path in paths)
        {
            await SessionPretrainer.RunAsync(session, [Recording(2)], path, new PretrainOptions { Epochs = 2 }, CancellationToken.None);
        }

        Assert.Equal(await File.ReadAllBytesAsync(paths[0]), await File.ReadAllBytesAsync(paths[1]));
    }

    [Theory]
    [InlineData("--session nope", "has no session 'nope' (its sessions: mi-s01)")]
    [InlineData("--data /nonexistent/sub-09.xdf", "/nonexistent/sub-09.xdf: no such recording")]
    [InlineData("--data {root}/README.md", "README.md: pretraining reads XDF recordings")]
    [InlineData("--data {root}/replay-data/emg-gestures/sub-01.xdf", "replay-data/emg-gestures/sub-01.xdf: ")]
    [InlineData("--batch 0", "--batch must be 1 to 64")]
    [InlineData("--hold-out 1", "--hold-out must be in [0, 1)")]
    public async Task Bad_input_is_one_line_naming_it_and_exit_code_2(string change, string expected)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--config"] = Example,
            ["--data"] = Recording(1),
            ["--out"] = Path.Combine(_dir.FullName, "w.bin"),
            ["--epochs"] = "1",
        };
        var (key, value) = (change.Split(' ')[0], change.Split(' ')[1].Replace("{root}", RepoPaths.Root, StringComparison.Ordinal));
        args[key] = value;
        var (exit, _, stderr) = await CliProcess.RunAsync(["model", "pretrain", .. args.SelectMany(a => new[] { a.Key, a.Value })]);
        output.WriteLine(stderr);
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "w.bin")));
    }

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
