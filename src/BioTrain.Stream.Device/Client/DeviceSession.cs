using System.Buffers;
using System.Runtime.InteropServices;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Device.Client;

/// <summary>
/// The training operations of protocol 1.0 over one <see cref="DeviceClient"/>: model upload,
/// configuration, train/evaluate/predict batches, weights, statistics. Everything larger than a
/// frame is chunked with the client's current <see cref="DeviceClient.ChunkSize"/>.
/// </summary>
public sealed class DeviceSession
{
    private readonly DeviceClient _client;
    private uint _nextBatchId;

    public DeviceSession(DeviceClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("sample values go on the wire as they are in memory: a little-endian host is required");
        }

        _client = client;
        _nextBatchId = (uint)Environment.TickCount; // differs from a previous session's ids
    }

    public DeviceClient Client => _client;

    /// <summary>The plan of the model loaded through this session, if any.</summary>
    public ModelPlan? Plan { get; private set; }

    /// <summary>Uploads a model blob (protocol/MODEL.md) and commits it with a training configuration.</summary>
    public async Task<ModelPlan> LoadModelAsync(ReadOnlyMemory<byte> blob, TrainingConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var begin = new ArrayBufferWriter<byte>(8);
        Requests.ModelBegin(begin, (uint)blob.Length, Crc32C.Compute(blob.Span));
        (await Call(MessageType.ModelBegin, begin, cancellationToken).ConfigureAwait(false)).Dispose();
        await SendChunksAsync(MessageType.ModelChunk, blob, cancellationToken).ConfigureAwait(false);
        return Plan = await CommitAsync(MessageType.ModelCommit, config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new configuration for the loaded model: re-planned, weights kept, optimiser state cleared.</summary>
    public async Task<ModelPlan> ConfigureAsync(TrainingConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Plan = await CommitAsync(MessageType.Configure, config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One optimiser step over the samples (at most the configured batch size).</summary>
    public Task<BatchResult> TrainBatchAsync(IReadOnlyList<LabelledSample> samples, CancellationToken cancellationToken) =>
        RunBatchAsync(BatchMode.Train, samples, null, cancellationToken);

    /// <summary>Loss, accuracy and confusion counts without changing the model.</summary>
    public Task<BatchResult> EvaluateAsync(IReadOnlyList<LabelledSample> samples, CancellationToken cancellationToken) =>
        RunBatchAsync(BatchMode.Evaluate, samples, null, cancellationToken);

    /// <summary>Class probabilities of one window.</summary>
    public async Task<Prediction> PredictAsync(ReadOnlyMemory<float> window, CancellationToken cancellationToken)
    {
        var predictions = new List<Prediction>(1);
        await RunBatchAsync(BatchMode.Predict, [new LabelledSample(window, 0)], predictions, cancellationToken).ConfigureAwait(false);
        return predictions[0];
    }

    /// <summary>Runs a batch; in predict mode each sample's prediction is added to <paramref name="predictions"/>.</summary>
    public async Task<BatchResult> RunBatchAsync(BatchMode mode, IReadOnlyList<LabelledSample> samples, List<Prediction>? predictions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count is 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples.Count, "a batch holds 1 to 65535 samples");
        }

        var id = ++_nextBatchId;
        var begin = new ArrayBufferWriter<byte>(8);
        Requests.BatchBegin(begin, id, mode, (ushort)samples.Count);
        uint sampleBytes;
        using (var ready = await Call(MessageType.BatchBegin, begin, cancellationToken).ConfigureAwait(false))
        {
            (_, sampleBytes) = Requests.ReadU32Pair(ready.Payload, MessageType.BatchReady, "batch_id", "sample_bytes");
        }

        for (var i = 0; i < samples.Count; i++)
        {
            var bytes = MemoryMarshal.AsBytes(samples[i].Values.Span);
            if (bytes.Length != sampleBytes)
            {
                throw new ArgumentException($"sample {i} has {samples[i].Values.Length} values; the model takes {sampleBytes / 4}", nameof(samples));
            }

            var ack = await SendSampleAsync(id, (ushort)i, checked((ushort)samples[i].Label), samples[i].Values, cancellationToken).ConfigureAwait(false);
            if (mode == BatchMode.Predict)
            {
                predictions?.Add(new Prediction(ack.Probabilities, ack.Predicted, ack.Instructions));
            }
        }

        var end = new ArrayBufferWriter<byte>(4);
        Requests.U32(end, id);
        using var result = await Call(MessageType.BatchEnd, end, cancellationToken).ConfigureAwait(false);
        return BatchResult.Decode(result.Payload);
    }

    /// <summary>Reads the whole parameter section, chunk by chunk, and checks its CRC.</summary>
    public async Task<WeightsSnapshot> ReadWeightsAsync(CancellationToken cancellationToken)
    {
        byte[]? all = null;
        uint crc = 0;
        var offset = 0u;
        var request = new ArrayBufferWriter<byte>(8);
        do
        {
            request.ResetWrittenCount();
            var length = (uint)Math.Max(4, _client.ChunkSize - 16) & ~3u;
            Requests.U32Pair(request, offset, length);
            using var frame = await Call(MessageType.WeightsRead, request, cancellationToken).ConfigureAwait(false);
            var data = WeightsData.Decode(frame.Payload);
            all ??= new byte[data.Total];
            if (data.Offset != offset || data.Total != all.Length || (data.Bytes.Length == 0 && offset < all.Length))
            {
                throw new DeviceProtocolException($"WEIGHTS_DATA at {data.Offset} of {data.Total} does not continue the read at {offset} of {all.Length}");
            }

            data.Bytes.Span.CopyTo(all.AsSpan((int)offset));
            offset += (uint)data.Bytes.Length;
            crc = data.Crc;
        }
        while (offset < all.Length);

        if (Crc32C.Compute(all) != crc)
        {
            throw new DeviceProtocolException($"weights read back do not match the device's CRC 0x{crc:X8}");
        }

        return new WeightsSnapshot(all, crc);
    }

    /// <summary>Replaces the parameter section (staged, CRC-checked, then applied); returns the device's new CRC.</summary>
    public async Task<uint> WriteWeightsAsync(ReadOnlyMemory<byte> weights, CancellationToken cancellationToken)
    {
        await SendChunksAsync(MessageType.WeightsWrite, weights, cancellationToken).ConfigureAwait(false);
        var commit = new ArrayBufferWriter<byte>(4);
        Requests.U32(commit, Crc32C.Compute(weights.Span));
        using var done = await Call(MessageType.WeightsCommit, commit, cancellationToken).ConfigureAwait(false);
        return Requests.ReadU32(done.Payload, MessageType.WeightsDone, "params_crc");
    }

    public async Task<DeviceStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        using var frame = await _client.RequestAsync(MessageType.Stats, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        return DeviceStats.Decode(frame.Payload);
    }

    /// <summary>Unloads the model; the device forgets batches and staging.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        var payload = new ArrayBufferWriter<byte>(1);
        Requests.Reset(payload);
        (await Call(MessageType.Reset, payload, cancellationToken).ConfigureAwait(false)).Dispose();
        Plan = null;
    }

    private async Task<ModelPlan> CommitAsync(MessageType type, TrainingConfig config, CancellationToken cancellationToken)
    {
        var payload = new ArrayBufferWriter<byte>(64);
        config.Encode(payload);
        using var frame = await Call(type, payload, cancellationToken).ConfigureAwait(false);
        return ModelPlan.Decode(frame.Payload);
    }

    private async Task<SampleAck> SendSampleAsync(uint batchId, ushort index, ushort label, ReadOnlyMemory<float> values, CancellationToken cancellationToken)
    {
        var total = values.Length * 4;
        var offset = 0;
        var buffer = new ArrayBufferWriter<byte>(_client.MaxRequestPayload);
        while (true)
        {
            var n = Math.Min(total - offset, Math.Max(4, (_client.ChunkSize - 12) & ~3));
            buffer.ResetWrittenCount();
            Requests.Sample(buffer, batchId, index, label, (uint)offset, MemoryMarshal.AsBytes(values.Span).Slice(offset, n));
            using var frame = await Call(MessageType.Sample, buffer, cancellationToken).ConfigureAwait(false);
            var ack = SampleAck.Decode(frame.Payload);
            offset += n;
            if (ack.Received != offset)
            {
                throw new DeviceProtocolException($"SAMPLE_ACK says {ack.Received} bytes of sample {index}; {offset} were sent");
            }

            if (offset == total)
            {
                return ack.Complete ? ack : throw new DeviceProtocolException($"sample {index} complete but the device did not run it");
            }
        }
    }

    private async Task SendChunksAsync(MessageType type, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(_client.MaxRequestPayload);
        var offset = 0;
        while (offset < data.Length)
        {
            var n = Math.Min(data.Length - offset, Math.Max(1, _client.ChunkSize - 4));
            buffer.ResetWrittenCount();
            Requests.Chunk(buffer, (uint)offset, data.Span.Slice(offset, n));
            using var ack = await Call(type, buffer, cancellationToken).ConfigureAwait(false);
            var received = Requests.ReadU32(ack.Payload, MessageTypes.ResponseTo(type), "received");
            offset += n;
            if (received != offset)
            {
                throw new DeviceProtocolException($"device holds {received} bytes after a chunk ending at {offset}");
            }
        }
    }

    private Task<ReceivedFrame> Call(MessageType type, ArrayBufferWriter<byte> payload, CancellationToken cancellationToken) =>
        _client.RequestAsync(type, payload.WrittenMemory, cancellationToken);
}
