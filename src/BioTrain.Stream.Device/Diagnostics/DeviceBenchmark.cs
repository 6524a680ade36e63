using System.Buffers;
using System.Diagnostics;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Device.Diagnostics;

/// <summary>Link throughput with full frames, one transfer direction.</summary>
public sealed record LinkThroughput(int FramePayload, int Frames, double Seconds)
{
    public double FramesPerSecond => Frames / Seconds;

    public double MegabytesPerSecond => (double)Frames * FramePayload / Seconds / 1e6;
}

/// <summary>
/// One training step measured end to end from the host: B windows uploaded, forward and backward
/// on the device, the optimiser step. Cycles and energy are GAP9 estimates (SPEC.md 8).
/// </summary>
public sealed record TrainStepFigures(
    string Model,
    int BatchSize,
    int SampleBytes,
    int Steps,
    double MedianStepMs,
    double MinStepMs,
    ulong InstructionsPerStep,
    ulong MacsPerStep,
    ulong EstimatedGap9Cycles,
    double EstimatedGap9StepMs,
    uint EstimatedGap9EnergyMicrojoules);

/// <summary>Everything <see cref="DeviceBenchmark"/> measured on one device.</summary>
public sealed record DeviceBenchmarkReport(
    string Device,
    string Port,
    double ConnectMs,
    LinkThroughput Upload,
    IReadOnlyList<TrainStepFigures> TrainSteps,
    double RecoveryMs);

/// <summary>
/// The device figures of issue 4: frames/s and MB/s with full frames, the end-to-end time of one
/// train step for MI-BMInet and EpiDeNet batches, and the time to restore a killed device.
/// </summary>
public static class DeviceBenchmark
{
    public static async Task<DeviceBenchmarkReport> RunAsync(DeviceAddress address, bool quick, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        var slow = address.Kind == DeviceAddressKind.EmulatorQemu;
        var options = new DeviceClientOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(120),
            AttemptTimeout = TimeSpan.FromSeconds(slow ? 30 : 5),
            InitialChunk = int.MaxValue, // the clean local link: whole frames from the start
        };

        await using var connection = await DeviceConnection.OpenAsync(address, options, null, cancellationToken).ConfigureAwait(false);
        var caps = connection.Client.Capabilities;
        progress?.Report($"{address}: link throughput");
        var upload = await MeasureUploadAsync(connection.Client, slow ? (quick ? 40 : 200) : (quick ? 500 : 5000), cancellationToken).ConfigureAwait(false);

        var steps = new List<TrainStepFigures>();
        var session = new DeviceSession(connection.Client);
        foreach (var model in new[] { "mi-bminet", "epidenet" })
        {
            progress?.Report($"{address}: train steps of {model}");
            steps.Add(await MeasureTrainStepAsync(session, model, 8, slow || quick ? 2 : 10, cancellationToken).ConfigureAwait(false));
        }

        progress?.Report($"{address}: recovery after a device restart");
        var recovery = await MeasureRecoveryAsync(address, options, cancellationToken).ConfigureAwait(false);
        return new DeviceBenchmarkReport(address.ToString(), caps.Port, connection.ConnectTime.TotalMilliseconds, upload, steps, recovery.TotalMilliseconds);
    }

    /// <summary>MODEL_CHUNK frames of the device's max_payload into a blob reservation: bulk data as samples travel.</summary>
    private static async Task<LinkThroughput> MeasureUploadAsync(DeviceClient client, int frames, CancellationToken cancellationToken)
    {
        var payload = client.MaxRequestPayload - 4;
        var total = (uint)Math.Min((long)payload * frames, client.Capabilities.ArenaBytes / 2);
        frames = (int)(total / payload);
        var begin = new ArrayBufferWriter<byte>(8);
        Requests.ModelBegin(begin, total, 0);
        (await client.RequestAsync(MessageType.ModelBegin, begin.WrittenMemory, cancellationToken).ConfigureAwait(false)).Dispose();
        var data = new byte[payload];
        new Random(1).NextBytes(data);
        var chunk = new ArrayBufferWriter<byte>(payload + 4);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < frames; i++)
        {
            chunk.ResetWrittenCount();
            Requests.Chunk(chunk, (uint)(i * payload), data);
            (await client.RequestAsync(MessageType.ModelChunk, chunk.WrittenMemory, cancellationToken).ConfigureAwait(false)).Dispose();
        }

        return new LinkThroughput(payload, frames, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static async Task<TrainStepFigures> MeasureTrainStepAsync(DeviceSession session, string model, int batch, int steps, CancellationToken cancellationToken)
    {
        var blob = ModelFormat.Write(ModelZoo.Build(model));
        var plan = await session.LoadModelAsync(blob, new TrainingConfig { BatchSize = (ushort)batch }, cancellationToken).ConfigureAwait(false);
        var random = new Random(7);
        var samples = Enumerable.Range(0, batch).Select(i =>
        {
            var values = new float[plan.InputValues];
            for (var k = 0; k < values.Length; k++)
            {
                values[k] = (float)(random.NextDouble() - 0.5);
            }

            return new LabelledSample(values, i % plan.Classes);
        }).ToArray();

        var times = new List<double>();
        BatchResult? last = null;
        for (var s = 0; s < steps; s++)
        {
            var start = Stopwatch.GetTimestamp();
            last = await session.TrainBatchAsync(samples, cancellationToken).ConfigureAwait(false);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        times.Sort();
        return new TrainStepFigures(
            model, batch, (int)plan.InputValues * 4, steps, SelfTest.Percentile(times, 0.5), times[0],
            last!.Instructions, last.Macs, last.EstimatedCycles, last.EstimatedCycles / 370e6 * 1e3, last.EstimatedEnergyMicrojoules);
    }

    /// <summary>Trains, kills the device process, and times reconnect + model upload + weights restore.</summary>
    private static async Task<TimeSpan> MeasureRecoveryAsync(DeviceAddress address, DeviceClientOptions options, CancellationToken cancellationToken)
    {
        if (!address.IsEmulator)
        {
            return TimeSpan.Zero; // only a device this host started can be killed and restarted
        }

        var resilient = new ResilientDevice(ct => DeviceConnection.OpenAsync(address, options, null, ct), TimeSpan.FromSeconds(60));
        await using (resilient.ConfigureAwait(false))
        {
            var blob = ModelFormat.Write(ModelZoo.Build("epidenet"));
            var plan = await resilient.LoadModelAsync(blob, new TrainingConfig { BatchSize = 1 }, cancellationToken).ConfigureAwait(false);
            var sample = new LabelledSample(new float[plan.InputValues], 0);
            await resilient.TrainBatchAsync([sample], cancellationToken).ConfigureAwait(false);
            Process.GetProcessById(resilient.Connection!.VirtualDevice!.ProcessId).Kill();
            try
            {
                await resilient.TrainBatchAsync([sample], cancellationToken).ConfigureAwait(false);
            }
            catch (DeviceLostException)
            {
                // expected: the next call restores
            }

            await resilient.TrainBatchAsync([sample], cancellationToken).ConfigureAwait(false);
            return resilient.LastRecoveryTime;
        }
    }
}
