using System.Diagnostics;
using System.Collections;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Diagnostics;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Device.Tests;

/// <summary>The link under injected faults, total loss, and a device killed mid-batch.</summary>
public class ReliabilityTests
{
    private static string TempSocket(string tag) => Path.Combine(Path.GetTempPath(), $"bt-{tag}-{Guid.NewGuid():N}.sock");

    private static async Task<uint> CleanRunCrc(int batches)
    {
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, null, null, CancellationToken.None);
        var session = new DeviceSession(connection.Client);
        await session.LoadModelAsync(TrainingOverProtocolTests.EpiDeNet(), TrainingOverProtocolTests.PlainSgd, CancellationToken.None);
        return (await TrainingOverProtocolTests.Train(session, batches))[^1].ParamsCrc;
    }

    [Fact]
    public async Task At_1e3_corrupted_bytes_every_request_completes_with_the_right_result()
    {
        var reference = await CleanRunCrc(3);
        await using var device = await VirtualDevice.StartAsync(VirtualDeviceKind.Native, null, CancellationToken.None);
        var faults = new FaultProfile { CorruptRate = 1e-3, DropRate = 1e-4, DuplicateRate = 1e-4, DelayChance = 0.01, Seed = 42 };
        await using var proxy = new FaultInjectingProxy(TempSocket("proxy"), device.SocketPath, faults);
        var options = new DeviceClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(100), RequestTimeout = TimeSpan.FromSeconds(30), MaxAttempts = 40 };
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse($"unix:{proxy.ListenPath}"), options, null, CancellationToken.None);
        var session = new DeviceSession(connection.Client);

        await session.LoadModelAsync(TrainingOverProtocolTests.EpiDeNet(), TrainingOverProtocolTests.PlainSgd, CancellationToken.None);
        var results = await TrainingOverProtocolTests.Train(session, 3);
        var weights = await session.ReadWeightsAsync(CancellationToken.None);
        var selftest = await SelfTest.RunAsync(connection.Client, new SelfTestOptions { Count = 100, MaxPayload = 512 }, null, CancellationToken.None);

        Assert.Equal(reference, results[^1].ParamsCrc);
        Assert.Equal(reference, weights.Crc);
        Assert.Equal(3u, results[^1].Step); // no batch applied twice
        Assert.Equal(100, selftest.Pings);
        Assert.True(proxy.Counters.Corrupted > 50, $"only {proxy.Counters.Corrupted} bytes corrupted");
        Assert.True(connection.Client.Counters.Retransmissions > 0);
        Assert.True(connection.Client.ChunkSize <= 2048, $"chunks of {connection.Client.ChunkSize} bytes on a noisy link");
    }

    [Fact]
    public async Task At_total_loss_the_device_is_reported_lost_within_the_timeout()
    {
        await using var device = await VirtualDevice.StartAsync(VirtualDeviceKind.Native, null, CancellationToken.None);
        await using var proxy = new FaultInjectingProxy(TempSocket("proxy"), device.SocketPath, FaultProfile.Clean);
        var timeout = TimeSpan.FromSeconds(2);
        var options = new DeviceClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(100), RequestTimeout = timeout };
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse($"unix:{proxy.ListenPath}"), options, null, CancellationToken.None);
        proxy.Profile = FaultProfile.TotalLoss;
        var watch = Stopwatch.StartNew();
        var lost = await Assert.ThrowsAsync<DeviceLostException>(() => connection.Client.PingAsync(new byte[100], CancellationToken.None));
        Assert.True(watch.Elapsed < timeout * 3, $"reported after {watch.Elapsed}");
        Assert.Contains("device lost", lost.Message, StringComparison.Ordinal);
        Assert.True(connection.Client.Counters.Retransmissions >= 2);
    }

    [Fact]
    public async Task Killed_mid_batch_the_device_is_lost_then_restored_and_training_continues_identically()
    {
        var reference = await CleanRunCrc(3);
        var data = TrainingOverProtocolTests.Windows(12);
        VirtualDevice? current = null;
        var resilient = new ResilientDevice(
            async ct =>
            {
                var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, null, null, ct);
                current = connection.VirtualDevice;
                return connection;
            },
            TimeSpan.FromSeconds(20));
        await using (resilient)
        {
            await resilient.LoadModelAsync(TrainingOverProtocolTests.EpiDeNet(), TrainingOverProtocolTests.PlainSgd, CancellationToken.None);
            await resilient.TrainBatchAsync(data[0..4], CancellationToken.None);

            // Batch 2: the device process dies when the host reaches its third sample.
            var killing = new KillOnRead(data[4..8], 2, () => Process.GetProcessById(current!.ProcessId).Kill());
            await Assert.ThrowsAsync<DeviceLostException>(() => resilient.TrainBatchAsync(killing, CancellationToken.None));

            // The next call starts a device, re-uploads model and checkpoint, and trains batch 2 again.
            await resilient.TrainBatchAsync(data[4..8], CancellationToken.None);
            var last = await resilient.TrainBatchAsync(data[8..12], CancellationToken.None);
            Assert.Equal(1, resilient.Restores);
            Assert.Equal(reference, last.ParamsCrc);
        }
    }

    /// <summary>A batch that runs an action (killing the device) when the host reads one of its samples.</summary>
    private sealed class KillOnRead(LabelledSample[] samples, int at, Action action) : IReadOnlyList<LabelledSample>
    {
        private bool _fired;

        public int Count => samples.Length;

        public LabelledSample this[int index]
        {
            get
            {
                if (index == at && !_fired)
                {
                    _fired = true;
                    action();
                    Thread.Sleep(100); // let the process die before the sample is sent
                }

                return samples[index];
            }
        }

        public IEnumerator<LabelledSample> GetEnumerator() => ((IEnumerable<LabelledSample>)samples).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => samples.GetEnumerator();
    }
}
