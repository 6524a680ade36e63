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
        var batch = await BeginBatchAsync(mode, samples.Count, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < samples.Count; i++)
        {
            var ack = await SendSampleAsync(batch, i, samples[i], cancellationToken).ConfigureAwait(false);
            if (mode == BatchMode.Predict)
            {
                predictions?.Add(new Prediction(ack.Probabilities, ack.Predicted, ack.Instructions));
            }
        }

        return await EndBatchAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a batch (BATCH_BEGIN): the first step of a batch run request by request.</summary>
    public async Task<OpenBatch> BeginBatchAsync(BatchMode mode, int count, CancellationToken cancellationToken)
    {
        if (count is 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "a batch holds 1 to 65535 samples");
        }

        var id = ++_nextBatchId;
        var begin = new ArrayBufferWriter<byte>(8);
        Requests.BatchBegin(begin, id, mode, (ushort)count);
        using var ready = await Call(MessageType.BatchBegin, begin, cancellationToken).ConfigureAwait(false);
        var (_, sampleBytes) = Requests.ReadU32Pair(ready.Payload, MessageType.BatchReady, "batch_id", "sample_bytes");
        return new OpenBatch(id, mode, count, sampleBytes);
    }

    /// <summary>Sends sample <paramref name="index"/> of an open batch (in chunks); the device runs it before it answers.</summary>
    public Task<SampleAck> SendSampleAsync(OpenBatch batch, int index, LabelledSample sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (sample.Values.Length * 4 != batch.SampleBytes)
        {
            throw new ArgumentException($"sample {index} has {sample.Values.Length} values; the model takes {batch.SampleBytes / 4}", nameof(sample));
        }

        return SendSampleAsync(batch.Id, checked((ushort)index), checked((ushort)sample.Label), sample.Values, cancellationToken);
    }

    /// <summary>Ends an open batch (BATCH_END): in train mode the optimiser steps.</summary>
    public async Task<BatchResult> EndBatchAsync(OpenBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var end = new ArrayBufferWriter<byte>(4);
        Requests.U32(end, batch.Id);
        using var result = await Call(MessageType.BatchEnd, end, cancellationToken).ConfigureAwait(false);
        return BatchResult.Decode(result.Payload);
    }

    /// <summary>
    /// Appends samples (count x rows, sample-major) to the device's input ring (SPEC.md 3.14), in as
    /// many SAMPLES_APPEND as the payload limit needs; returns the ring's state after the last.
    /// </summary>
    public async Task<RingState> AppendSamplesAsync(ReadOnlyMemory<float> samples, int rows, SampleFormat format, CancellationToken cancellationToken)
    {
        var per = SamplesPayload.MaxSamples(format, rows, _client.MaxRequestPayload) * rows;
        if (per == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"one sample of {rows} rows does not fit the device's max_payload of {_client.MaxRequestPayload} bytes");
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Min(_client.MaxRequestPayload, SamplesPayload.Size(format, rows, samples.Length / rows)));
        RingState? state = null;
        for (var offset = 0; offset < samples.Length || state is null; offset += per)
        {
            buffer.ResetWrittenCount();
            SamplesPayload.Encode(buffer, format, rows, samples.Span.Slice(offset, Math.Min(per, samples.Length - offset)));
            using var frame = await Call(MessageType.SamplesAppend, buffer, cancellationToken).ConfigureAwait(false);
            state = RingState.Decode(frame.Payload);
        }

        return state;
    }

    /// <summary>
    /// Appends <paramref name="samples"/> (count x rows, sample-major) and predicts on the ring's
    /// window (SPEC.md 3.15): one round trip when they fit one frame, else the excess goes ahead in
    /// SAMPLES_APPEND.
    /// </summary>
    public async Task<PredictionReply> PredictAsync(ReadOnlyMemory<float> samples, int rows, SampleFormat format, bool standardise, CancellationToken cancellationToken)
    {
        var fit = SamplesPayload.MaxSamples(format, rows, _client.MaxRequestPayload, prefix: 1) * rows;
        if (samples.Length > fit)
        {
            await AppendSamplesAsync(samples[..(samples.Length - fit)], rows, format, cancellationToken).ConfigureAwait(false);
            samples = samples[(samples.Length - fit)..];
        }

        var buffer = new ArrayBufferWriter<byte>(1 + SamplesPayload.Size(format, rows, samples.Length / rows));
        buffer.Write([standardise ? (byte)1 : (byte)0]);
        SamplesPayload.Encode(buffer, format, rows, samples.Span);
        using var frame = await Call(MessageType.Predict, buffer, cancellationToken).ConfigureAwait(false);
        return PredictionReply.Decode(frame.Payload);
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
