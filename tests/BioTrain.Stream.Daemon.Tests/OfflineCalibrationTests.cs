using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// The demo's learning problem offline, through the same pipeline and device: a model pretrained on
/// two shipped subjects is poor on the third, and full fine-tuning on a few of its trials fixes it.
/// </summary>
public class OfflineCalibrationTests(ITestOutputHelper output)
{
    internal static SessionOptions DemoLikeSession() => new()
    {
        Name = "offline",
        Subject = "sub-03",
        Markers = new MarkerOptions { Classes = ["left_hand", "right_hand", "feet", "rest"] },
        Pipeline = new PipelineOptions
        {
            BandPassHz = [4, 40], NotchHz = 50, WindowSeconds = 1.5, StrideSeconds = 0.25,
            EpochOffsetsSeconds = [0.5, 0.75, 1.0, 1.25, 1.5], Normalize = NormalizeMode.Running, NormalizeSeconds = 20,
        },
    };

    private static string Eeg(string subject) => Path.Combine(RepoPaths.Root, "replay-data", "eeg-mi", subject + ".xdf");

    private static async Task<double> Accuracy(DeviceSession device, IReadOnlyList<LabelledSample> samples)
    {
        var result = await device.EvaluateAsync(samples, CancellationToken.None);
        return result.Accuracy;
    }

    private static async Task Train(DeviceSession device, IReadOnlyList<LabelledSample> samples, int epochs, int batch, int seed)
    {
        foreach (var b in ShuffledBatches.Of(samples, epochs, batch, seed))
        {
            await device.TrainBatchAsync(b, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Full_fine_tuning_on_a_new_subject_beats_the_pretrained_model_and_chance()
    {
        var session = DemoLikeSession();
        var (plan, s1) = await RecordingEpochs.FromXdfAsync(Eeg("sub-01"), session, CancellationToken.None);
        var (_, s2) = await RecordingEpochs.FromXdfAsync(Eeg("sub-02"), session, CancellationToken.None);
        var (_, s3) = await RecordingEpochs.FromXdfAsync(Eeg("sub-03"), session, CancellationToken.None);
        Assert.Equal(20 * 5, s3.Count); // 20 trials, 5 crops each

        // Sub-03: the first 3 trials of each class calibrate, the last 2 test (5 crops per trial, in order).
        var trialsOfClass = s3.Select((s, i) => (s.Label, Trial: i / 5)).GroupBy(x => x.Label)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Trial).Distinct().Order().ToArray());
        var calibration = s3.Where((s, i) => Array.IndexOf(trialsOfClass[s.Label], i / 5) < 3).ToList();
        var test = s3.Where((s, i) => Array.IndexOf(trialsOfClass[s.Label], i / 5) >= 3).ToList();

        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, new DeviceClientOptions { InitialChunk = int.MaxValue }, null, CancellationToken.None);
        var device = new DeviceSession(connection.Client);
        await device.LoadModelAsync(SessionModel.Blob(session, plan), new TrainingConfig { Optimizer = Optimizer.Adam, LearningRate = 0.002f, BatchSize = 16 }, CancellationToken.None);
        await Train(device, [.. s1, .. s2], 40, 16, 5);
        var pretrainedOnSources = await Accuracy(device, [.. s1, .. s2]);
        var before = await Accuracy(device, test);
        await device.ConfigureAsync(new TrainingConfig { Optimizer = Optimizer.Adam, LearningRate = 0.002f, BatchSize = 8 }, CancellationToken.None);
        await Train(device, calibration, 30, 8, 17);
        var after = await Accuracy(device, test);
        output.WriteLine($"sources {pretrainedOnSources:P0}; new subject before {before:P0}, after full fine-tuning {after:P0} ({calibration.Count} calibration, {test.Count} test windows)");

        Assert.True(pretrainedOnSources > 0.6, $"the model does not learn the source subjects: {pretrainedOnSources:P0}");
        Assert.True(after > 0.25 + 0.15, $"after calibration {after:P0} is not well above chance");
        Assert.True(after > before, $"calibration did not help: {before:P0} -> {after:P0}");
    }
}
