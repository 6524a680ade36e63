using System.Diagnostics;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Device.Scheduling;

namespace BioTrain.Stream.Device.Tests;

/// <summary>
/// Predictions while the device trains (SPEC.md 3.14-3.15) on the real virtual devices: interleaving
/// changes no bit of training, a prediction inside a batch sees the weights of the last step, and a
/// device killed in the middle comes back with training and predictions going on.
/// </summary>
public class SessionDeviceTests
{
    private const int Rows = 2;
    private const int Window = 1000;

    public static TheoryData<string> Devices => ["emu:native", "emu:qemu"];

    private static DeviceClientOptions Slow => new() { RequestTimeout = TimeSpan.FromSeconds(60), AttemptTimeout = TimeSpan.FromSeconds(5) };

    /// <summary>A signal for the ring: <paramref name="count"/> samples of 2 rows from sample <paramref name="first"/> on.</summary>
    private static float[] Signal(int first, int count)
    {
        var values = new float[count * Rows];
        for (var k = 0; k < count; k++)
        {
            values[k * Rows] = MathF.Sin((first + k) * 0.05f);
            values[(k * Rows) + 1] = MathF.Cos((first + k) * 0.013f) * 0.5f;
        }

        return values;
    }

    private static ResilientDevice Resilient(string address, Action<VirtualDevice?>? started = null) => new(
        async ct =>
        {
            var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse(address), Slow, null, ct);
            started?.Invoke(connection.VirtualDevice);
            return connection;
        },
        TimeSpan.FromSeconds(60));

    /// <summary>Trains 3 batches of 4 through a SessionDevice; with predictions, one is always waiting.</summary>
    private static async Task<(uint Crc, long Predictions, long Failed)> TrainAsync(ResilientDevice resilient, bool predict, Action? afterFirstPrediction = null)
    {
        var mirror = new InputMirror(Rows, Window);
        mirror.Append(Signal(0, Window));
        var end = (long)Window;
        var served = 0L;
        using var stop = new CancellationTokenSource();
        SessionDevice? device = null;
        void Next()
        {
            // The next window, 50 samples on, as a stride would bring it.
            mirror.Append(Signal((int)end, 50));
            end += 50;
            device!.RequestPrediction(new PredictionRequest(end, 0, Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency));
        }

        device = new SessionDevice(resilient, mirror, new SessionDeviceOptions { DeadlineSeconds = 60 }, s =>
        {
            Assert.Equal(4, s.Reply.Probabilities.Length);
            if (Interlocked.Increment(ref served) == 1)
            {
                afterFirstPrediction?.Invoke();
            }

            Next();
        });
        device.PredictionFailed += (_, _) => Next(); // lost with the device: the stream goes on
        using (device)
        {
            var owner = device.RunAsync(stop.Token);
            await device.RunAsync((d, c) => d.LoadModelAsync(TrainingOverProtocolTests.EpiDeNet(), TrainingOverProtocolTests.PlainSgd, c));
            if (predict)
            {
                device.RequestPrediction(new PredictionRequest(end, 0, Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency));
            }

            var round = await device.Enqueue(new TrainingJob(TrainingOverProtocolTests.Windows(12), epochs: 1, batchSize: 4, seed: 3));
            Assert.Equal((12, 3), (round.Samples, round.Batches));
            var crc = (await device.RunAsync((d, c) => d.ReadWeightsAsync(c))).Crc;
            await stop.CancelAsync();
            await owner;
            return (crc, Interlocked.Read(ref served), device.PredictionsFailed);
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public async Task Training_with_predictions_between_its_requests_ends_with_the_same_weights(string address)
    {
        await using var plain = Resilient(address);
        var (reference, none, _) = await TrainAsync(plain, predict: false);
        Assert.Equal(0, none);

        await using var busy = Resilient(address);
        var (crc, predictions, failed) = await TrainAsync(busy, predict: true);
        Assert.Equal(reference, crc);
        // A prediction was waiting after every one of the job's 3 x (1 + 4 + 1) requests.
        Assert.True(predictions >= 18, $"{predictions} predictions");
        Assert.Equal(0, failed);
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public async Task A_prediction_inside_a_training_batch_sees_the_weights_of_the_last_step(string address)
    {
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse(address), Slow, null, CancellationToken.None);
        var session = new DeviceSession(connection.Client);
        var plan = await session.LoadModelAsync(TrainingOverProtocolTests.EpiDeNet(), TrainingOverProtocolTests.PlainSgd, CancellationToken.None);
        Assert.Equal((uint)(4 * Rows * Window), plan.RingBytes);

        var before = await session.PredictAsync(Signal(0, Window), Rows, SampleFormat.Binary32, standardise: false, CancellationToken.None);
        Assert.Equal((uint)Window, before.Filled);
        var data = TrainingOverProtocolTests.Windows(4);
        var batch = await session.BeginBatchAsync(BatchMode.Train, 4, CancellationToken.None);
        for (var i = 0; i < 4; i++)
        {
            await session.SendSampleAsync(batch, i, data[i], CancellationToken.None);
            var during = await session.PredictAsync(ReadOnlyMemory<float>.Empty, Rows, SampleFormat.Binary32, false, CancellationToken.None);
            Assert.Equal(before.Probabilities, during.Probabilities);
        }

        var result = await session.EndBatchAsync(batch, CancellationToken.None);
        Assert.Equal(1u, result.Step);
        var after = await session.PredictAsync(ReadOnlyMemory<float>.Empty, Rows, SampleFormat.Binary32, false, CancellationToken.None);
        Assert.NotEqual(before.Probabilities, after.Probabilities);
    }

    [Fact]
    public async Task Float16_and_int16_rings_predict_what_float32_predicts_to_their_precision()
    {
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, null, null, CancellationToken.None);
        var session = new DeviceSession(connection.Client);
        await session.LoadModelAsync(TrainingOverProtocolTests.EpiDeNet(), TrainingOverProtocolTests.PlainSgd, CancellationToken.None);
        var exact = await session.PredictAsync(Signal(0, Window), Rows, SampleFormat.Binary32, false, CancellationToken.None);
        foreach (var format in new[] { SampleFormat.Binary16, SampleFormat.ScaledInt16 })
        {
            var reply = await session.PredictAsync(Signal(0, Window), Rows, format, false, CancellationToken.None);
            Assert.Equal(exact.Predicted, reply.Predicted);
            Assert.All(exact.Probabilities.Zip(reply.Probabilities), p => Assert.InRange(p.Second, p.First - 2e-3f, p.First + 2e-3f));
        }
    }

    [Fact]
    public async Task A_device_killed_while_training_and_predicting_comes_back_and_both_go_on()
    {
        await using var plain = Resilient("emu:native");
        var (reference, _, _) = await TrainAsync(plain, predict: false);

        VirtualDevice? current = null;
        await using var resilient = Resilient("emu:native", started => current = started);
        var (crc, predictions, _) = await TrainAsync(resilient, predict: true, afterFirstPrediction: () => Process.GetProcessById(current!.ProcessId).Kill());
        Assert.Equal(1, resilient.Restores);
        Assert.Equal(reference, crc); // the batch open at the loss started again on the restored weights
        Assert.True(predictions >= 10, $"{predictions} predictions after the restore");
    }
}
