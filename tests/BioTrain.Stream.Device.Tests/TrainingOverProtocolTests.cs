using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Device.Tests;

/// <summary>Protocol 1.0 end to end against the real virtual devices: upload, plan, train, evaluate, predict, weights.</summary>
public class TrainingOverProtocolTests
{
    internal static readonly TrainingConfig PlainSgd = new() { LearningRate = 0.05f, Momentum = 0, BatchSize = 4 };

    internal static byte[] EpiDeNet(int classes = 4) =>
        ModelFormat.Write(ModelZoo.Build("epidenet", new ZooOptions { Channels = 2, Samples = 1000, Classes = classes, Seed = 3 }));

    internal static LabelledSample[] Windows(int count, int seed = 11) => SyntheticWindows.Make(count, 2, 1000, 4, seed);

    /// <summary>Trains <paramref name="batches"/> batches of 4; returns each batch's result.</summary>
    internal static async Task<List<BatchResult>> Train(DeviceSession session, int batches, int seed = 11)
    {
        var data = Windows(batches * 4, seed);
        var results = new List<BatchResult>();
        for (var b = 0; b < batches; b++)
        {
            results.Add(await session.TrainBatchAsync(data.AsSpan(b * 4, 4).ToArray(), CancellationToken.None));
        }

        return results;
    }

    [Fact]
    public async Task Native_device_trains_evaluates_predicts_and_round_trips_weights()
    {
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, null, null, CancellationToken.None);
        var session = new DeviceSession(connection.Client);
        var blob = EpiDeNet();
        var plan = await session.LoadModelAsync(blob, PlainSgd, CancellationToken.None);
        Assert.Equal(Models.Crc32C.Compute(blob), plan.ModelCrc);
        Assert.InRange(plan.PeakBytes, 1u, plan.ArenaBytes);
        Assert.True(plan.NaiveBytes > plan.PeakBytes);
        Assert.Equal(2000u, plan.InputValues);

        var before = await session.EvaluateAsync(Windows(16, 99), CancellationToken.None);
        var results = await Train(session, 12);
        Assert.Equal(12u, results[^1].Step);
        Assert.True(results.All(r => r.Mode == BatchMode.Train && r.Count == 4 && r.Macs > 0 && r.EstimatedCycles > 0));
        var after = await session.EvaluateAsync(Windows(16, 99), CancellationToken.None);
        Assert.True(after.LossMean < before.LossMean, $"loss {before.LossMean} -> {after.LossMean}");
        Assert.Equal(16, Enumerable.Range(0, 4).Sum(l => Enumerable.Range(0, 4).Sum(p => after.ConfusionAt(l, p))));

        var prediction = await session.PredictAsync(Windows(1, 5)[0].Values, CancellationToken.None);
        Assert.Equal(4, prediction.Probabilities.Count);
        Assert.InRange(prediction.Probabilities.Sum(), 0.999f, 1.001f);
        Assert.Equal(prediction.Probabilities.ToList().IndexOf(prediction.Probabilities.Max()), prediction.PredictedClass);

        var weights = await session.ReadWeightsAsync(CancellationToken.None);
        Assert.Equal(results[^1].ParamsCrc, weights.Crc);
        Assert.Equal(plan.ParamCount * 4, (uint)weights.Bytes.Length);
        var changed = weights.Bytes.ToArray();
        changed[0] ^= 0x40;
        Assert.Equal(Models.Crc32C.Compute(changed), await session.WriteWeightsAsync(changed, CancellationToken.None));
        Assert.Equal(weights.Crc, await session.WriteWeightsAsync(weights.Bytes, CancellationToken.None));

        var stats = await session.GetStatsAsync(CancellationToken.None);
        Assert.True(stats.ModelLoaded);
        Assert.Equal(12u, stats.Steps);
        Assert.Equal(weights.Crc, stats.ParamsCrc);
    }

    [Fact]
    public async Task Native_and_qemu_devices_train_to_bit_identical_weights()
    {
        // The virtual GAP9 on its 8 harts (the default) and on one: the split never changes the bits.
        var crcs = new List<uint>();
        foreach (var address in new[] { DeviceAddress.EmulatorNative, DeviceAddress.EmulatorQemu, DeviceAddress.Parse("emu:qemu?harts=1") })
        {
            var options = new DeviceClientOptions { RequestTimeout = TimeSpan.FromSeconds(60), AttemptTimeout = TimeSpan.FromSeconds(5) };
            await using var connection = await DeviceConnection.OpenAsync(address, options, null, CancellationToken.None);
            var session = new DeviceSession(connection.Client);
            await session.LoadModelAsync(EpiDeNet(), PlainSgd with { Optimizer = Optimizer.Adam, LearningRate = 0.001f }, CancellationToken.None);
            var results = await Train(session, 2);
            crcs.Add(results[^1].ParamsCrc);
            var counted = connection.Client.Capabilities.Features.HasFlag(DeviceFeatures.InstructionCounters);
            Assert.Equal(counted, results[^1].Instructions > 0);
        }

        Assert.Equal(crcs[0], crcs[1]);
        Assert.Equal(crcs[0], crcs[2]);
    }

    [Fact]
    public async Task Refusals_are_typed_device_errors()
    {
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, null, null, CancellationToken.None);
        var session = new DeviceSession(connection.Client);
        var noModel = await Assert.ThrowsAsync<DeviceErrorException>(() => session.ReadWeightsAsync(CancellationToken.None));
        Assert.Equal(DeviceErrorCode.NotReady, noModel.Code);

        var huge = ModelFormat.Write(ModelZoo.Build("mi-bminet"));
        var tooBig = await Assert.ThrowsAsync<DeviceErrorException>(
            () => session.LoadModelAsync(huge, new TrainingConfig { NormMode = NormMode.Batch, BatchSize = 32 }, CancellationToken.None));
        Assert.Equal(DeviceErrorCode.NoMemory, tooBig.Code);
        Assert.Contains("short by", tooBig.DeviceText, StringComparison.Ordinal);

        var corrupt = EpiDeNet();
        corrupt[60] ^= 0xFF;
        var bad = await Assert.ThrowsAsync<DeviceErrorException>(() => session.LoadModelAsync(corrupt, PlainSgd, CancellationToken.None));
        Assert.Equal(DeviceErrorCode.MalformedPayload, bad.Code);

        await session.LoadModelAsync(EpiDeNet(), PlainSgd, CancellationToken.None);
        var wrongSize = await Assert.ThrowsAsync<ArgumentException>(
            () => session.TrainBatchAsync([new LabelledSample(new float[10], 0)], CancellationToken.None));
        Assert.Contains("takes 2000", wrongSize.Message, StringComparison.Ordinal);
        var badLabel = await Assert.ThrowsAsync<DeviceErrorException>(
            () => session.TrainBatchAsync([new LabelledSample(new float[2000], 9)], CancellationToken.None));
        Assert.Equal(DeviceErrorCode.MalformedPayload, badLabel.Code);

        // Still usable after every refusal.
        Assert.Single(await Train(session, 1));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public async Task A_non_finite_training_sample_is_refused_with_NON_FINITE_and_the_weights_stay(float poison)
    {
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, null, null, CancellationToken.None);
        var session = new DeviceSession(connection.Client);
        await session.LoadModelAsync(EpiDeNet(), PlainSgd, CancellationToken.None);
        await Train(session, 2);
        var before = await session.ReadWeightsAsync(CancellationToken.None);
        var data = Windows(4, 21);
        var values = data[2].Values.ToArray();
        values[777] = poison;
        data[2] = new LabelledSample(values, data[2].Label);
        var error = await Assert.ThrowsAsync<DeviceErrorException>(() => session.TrainBatchAsync(data, CancellationToken.None));
        Assert.Equal(DeviceErrorCode.NonFinite, error.Code);
        Assert.Contains("not finite", error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Crc, (await session.ReadWeightsAsync(CancellationToken.None)).Crc);

        // The device goes on: the next clean batch trains.
        var next = await session.TrainBatchAsync(Windows(4, 22), CancellationToken.None);
        Assert.Equal(3u, next.Step);
    }
}
