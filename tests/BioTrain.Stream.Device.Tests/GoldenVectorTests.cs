using System.Buffers;
using System.IO.Pipelines;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Device.Tests;

/// <summary>The C# codec against protocol/vectors, which the C tests check too.</summary>
public class GoldenVectorTests
{
    public static TheoryData<string> Messages() => [.. GoldenVector.LoadAll().Where(v => v.ExpectError is null).Select(v => v.Name)];

    public static TheoryData<string> BadFrames() => [.. GoldenVector.LoadAll().Where(v => v.ExpectError is not null).Select(v => v.Name)];

    private static GoldenVector Get(string name) => GoldenVector.LoadAll().Single(v => v.Name == name);

    [Fact]
    public void Every_message_of_SPEC_has_vectors()
    {
        var types = GoldenVector.LoadAll().Where(v => v.ExpectError is null).Select(v => (MessageType)v.UInt("type")).ToHashSet();
        Assert.Equal(Enum.GetValues<MessageType>().ToHashSet(), types);
        Assert.True(BadFrames().Count >= 7);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Decodes_frame_into_the_vector_fields(string name)
    {
        var v = Get(name);
        using var frame = await ReadOne(v.Frame);
        var h = frame.Header;
        Assert.Equal(v.UInt("version"), h.Version);
        Assert.Equal(v.UInt("type"), (ulong)h.Type);
        Assert.Equal(v.UInt("flags"), (ulong)h.Flags);
        Assert.Equal(v.UInt("seq"), h.Seq);
        Assert.Equal(v.UInt("credit"), h.Credit);
        Assert.Equal(PayloadFromFields(v), frame.Payload.ToArray());
        CheckDecodedFields(v, h.Type, frame.Payload);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Encodes_vector_fields_into_the_exact_frame(string name)
    {
        var v = Get(name);
        var header = new FrameHeader((byte)v.UInt("version"), (MessageType)v.UInt("type"), (FrameFlagBits)v.UInt("flags"), (ushort)v.UInt("seq"), (ushort)v.UInt("credit"), 0);
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.Write(output, header, PayloadFromFields(v));
        Assert.Equal(Convert.ToHexString(v.Frame), Convert.ToHexString(output.WrittenSpan));
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Rejects_bad_frames_with_the_vector_error(string name)
    {
        var v = Get(name);
        var expected = DeviceErrorCodes.FromSpecName(v.ExpectError!);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(v.Frame);
        await pipe.Writer.CompleteAsync();
        var result = await new FrameReader(pipe.Reader, 4096, ProtocolVersion.FrameVersion).ReadAsync(CancellationToken.None);
        DeviceErrorCode actual;
        if (result.Frame is { } frame)
        {
            // Frame-level valid: the error is at message level, as a device finds it.
            using (frame)
            {
                actual = MessageLevelError(frame);
            }
        }
        else
        {
            actual = result.Rejection.Error;
        }

        Assert.Equal(expected, actual);
    }

    private static DeviceErrorCode MessageLevelError(ReceivedFrame frame)
    {
        if (!MessageTypes.IsKnown(frame.Header.Type))
        {
            return DeviceErrorCode.UnknownType;
        }

        try
        {
            _ = frame.Header.Type == MessageType.Hello ? Hello.Decode(frame.Payload) : null;
            return DeviceErrorCode.None;
        }
        catch (MalformedPayloadException)
        {
            return DeviceErrorCode.MalformedPayload;
        }
    }

    private static async Task<ReceivedFrame> ReadOne(byte[] wire)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(wire);
        await pipe.Writer.CompleteAsync();
        var result = await new FrameReader(pipe.Reader, 65536, null).ReadAsync(CancellationToken.None);
        Assert.True(result.Frame is not null, $"rejected: {result.Rejection.Error}");
        return result.Frame!;
    }

    private static float F(GoldenVector v, string key) => (float)double.Parse(v[key]!, System.Globalization.CultureInfo.InvariantCulture);

    private static TrainingConfig ConfigFromFields(GoldenVector v) => new()
    {
        Optimizer = (Optimizer)v.UInt("payload.optimizer"),
        NormMode = (NormMode)v.UInt("payload.norm_mode"),
        Scope = (TrainScope)v.UInt("payload.scope"),
        LearningRate = F(v, "payload.learning_rate"),
        Momentum = F(v, "payload.momentum"),
        WeightDecay = F(v, "payload.weight_decay"),
        Beta1 = F(v, "payload.beta1"),
        Beta2 = F(v, "payload.beta2"),
        Eps = F(v, "payload.eps"),
        BatchSize = (ushort)v.UInt("payload.batch_size"),
        NormGroups = (ushort)v.UInt("payload.norm_groups"),
        BnMomentum = F(v, "payload.bn_momentum"),
        LayerScopes = [.. v.Hex("payload.layer_scope").Select(b => (TrainScope)b)],
    };

    private static byte[] PayloadFromFields(GoldenVector v)
    {
        var output = new ArrayBufferWriter<byte>();
        switch ((MessageType)v.UInt("type"))
        {
            case MessageType.Hello:
                new Hello((ushort)v.UInt("payload.proto_major"), (ushort)v.UInt("payload.proto_minor"), (uint)v.UInt("payload.max_payload"), v["payload.host"]!).Encode(output);
                break;
            case MessageType.Capabilities:
                var regions = Enumerable.Range(0, (int)v.UInt("payload.region_count"))
                    .Select(i => new MemoryRegion(v[$"payload.regions.{i}.name"]!, (uint)v.UInt($"payload.regions.{i}.base"), (uint)v.UInt($"payload.regions.{i}.size")))
                    .ToArray();
                new Capabilities(
                    (ushort)v.UInt("payload.proto_major"), (ushort)v.UInt("payload.proto_minor"), v["payload.firmware"]!, v["payload.port"]!,
                    (uint)v.UInt("payload.max_payload"), (uint)v.UInt("payload.clock_hz"), (byte)v.UInt("payload.cores"),
                    (DeviceFeatures)v.UInt("payload.features"), (ushort)v.UInt("payload.rx_credit"), regions, (uint)v.UInt("payload.arena_bytes")).Encode(output);
                break;
            case MessageType.Ping:
            case MessageType.Pong:
                return v.Hex("payload.data");
            case MessageType.Error:
                new ErrorMessage((DeviceErrorCode)v.UInt("payload.code"), (byte)v.UInt("payload.request_type"), v["payload.text"]!).Encode(output);
                break;
            case MessageType.Stats:
            case MessageType.ResetDone:
            case MessageType.ModelReady:
                break;
            case MessageType.Reset:
                Requests.Reset(output);
                break;
            case MessageType.StatsReply:
                new DeviceStats(
                    v.UInt("payload.uptime_us"), (uint)v.UInt("payload.arena_bytes"), (uint)v.UInt("payload.peak_bytes"), v.UInt("payload.model_loaded") != 0,
                    (uint)v.UInt("payload.frames_ok"), (uint)v.UInt("payload.frames_rejected"), (uint)v.UInt("payload.errors_sent"), (uint)v.UInt("payload.duplicates"),
                    (uint)v.UInt("payload.batches"), (uint)v.UInt("payload.samples"), (uint)v.UInt("payload.steps"), v.UInt("payload.instructions"),
                    (uint)v.UInt("payload.params_crc")).Encode(output);
                break;
            case MessageType.ModelBegin:
                Requests.ModelBegin(output, (uint)v.UInt("payload.size"), (uint)v.UInt("payload.crc"));
                break;
            case MessageType.ModelChunk:
            case MessageType.WeightsWrite:
                Requests.Chunk(output, (uint)v.UInt("payload.offset"), v.Hex("payload.bytes"));
                break;
            case MessageType.ChunkAck:
            case MessageType.WeightsAck:
                Requests.U32(output, (uint)v.UInt("payload.received"));
                break;
            case MessageType.ModelCommit:
            case MessageType.Configure:
                ConfigFromFields(v).Encode(output);
                break;
            case MessageType.ModelPlan:
            case MessageType.ConfigurePlan:
                new ModelPlan(
                    (uint)v.UInt("payload.arena_bytes"), (uint)v.UInt("payload.peak_bytes"), (uint)v.UInt("payload.naive_bytes"), (uint)v.UInt("payload.weight_bytes"),
                    (uint)v.UInt("payload.grad_bytes"), (uint)v.UInt("payload.optim_bytes"), (uint)v.UInt("payload.activation_bytes"), (uint)v.UInt("payload.param_count"),
                    (uint)v.UInt("payload.trainable_count"), v.UInt("payload.macs_forward"), (uint)v.UInt("payload.input_values"), (ushort)v.UInt("payload.classes"),
                    (ushort)v.UInt("payload.batch_resident"), (uint)v.UInt("payload.model_crc"), (uint)v.UInt("payload.ring_bytes")).Encode(output);
                break;
            case MessageType.BatchBegin:
                Requests.BatchBegin(output, (uint)v.UInt("payload.batch_id"), (BatchMode)v.UInt("payload.mode"), (ushort)v.UInt("payload.count"));
                break;
            case MessageType.BatchReady:
                Requests.U32Pair(output, (uint)v.UInt("payload.batch_id"), (uint)v.UInt("payload.sample_bytes"));
                break;
            case MessageType.Sample:
                Requests.Sample(output, (uint)v.UInt("payload.batch_id"), (ushort)v.UInt("payload.index"), (ushort)v.UInt("payload.label"), (uint)v.UInt("payload.offset"), v.Hex("payload.bytes"));
                break;
            case MessageType.SampleAck:
                var complete = v.UInt("payload.complete") == 1;
                var probs = complete ? Enumerable.Range(0, (int)v.UInt("payload.prob_count")).Select(i => F(v, $"payload.probs.{i}")).ToArray() : [];
                new SampleAck(
                    (uint)v.UInt("payload.batch_id"), (ushort)v.UInt("payload.index"), complete, (uint)v.UInt("payload.received"),
                    complete ? F(v, "payload.loss") : 0, complete ? (ushort)v.UInt("payload.predicted") : (ushort)0, complete ? v.UInt("payload.instructions") : 0, probs).Encode(output);
                break;
            case MessageType.BatchEnd:
            case MessageType.WeightsCommit:
                Requests.U32(output, (uint)v.UInt(v["payload.batch_id"] is null ? "payload.crc" : "payload.batch_id"));
                break;
            case MessageType.BatchResult:
                var k = (int)v.UInt("payload.classes");
                new BatchResult(
                    (uint)v.UInt("payload.batch_id"), (BatchMode)v.UInt("payload.mode"), (ushort)v.UInt("payload.count"), F(v, "payload.loss_mean"),
                    (ushort)v.UInt("payload.correct"), (ushort)k, v.UInt("payload.instructions"), v.UInt("payload.macs"), v.UInt("payload.est_cycles"),
                    (uint)v.UInt("payload.est_energy_uj"), (uint)v.UInt("payload.step"), (uint)v.UInt("payload.params_crc"),
                    [.. Enumerable.Range(0, k * k).Select(i => (ushort)v.UInt($"payload.confusion.{i}"))]).Encode(output);
                break;
            case MessageType.Predict:
                output.Write<byte>([(byte)v.UInt("payload.flags")]);
                WriteSamplesFields(output, v);
                break;
            case MessageType.SamplesAppend:
                WriteSamplesFields(output, v);
                break;
            case MessageType.RingState:
                new RingState((uint)v.UInt("payload.filled"), v.UInt("payload.total")).Encode(output);
                break;
            case MessageType.Prediction:
                new PredictionReply(
                    (ushort)v.UInt("payload.predicted"), (uint)v.UInt("payload.filled"), v.UInt("payload.total"), v.UInt("payload.instructions"),
                    v.UInt("payload.macs"), v.UInt("payload.est_cycles"), (uint)v.UInt("payload.est_energy_uj"),
                    [.. Enumerable.Range(0, (int)v.UInt("payload.prob_count")).Select(i => F(v, $"payload.probs.{i}"))]).Encode(output);
                break;
            case MessageType.WeightsRead:
                Requests.U32Pair(output, (uint)v.UInt("payload.offset"), (uint)v.UInt("payload.length"));
                break;
            case MessageType.WeightsData:
                new WeightsData((uint)v.UInt("payload.offset"), (uint)v.UInt("payload.total"), (uint)v.UInt("payload.crc"), v.Hex("payload.bytes")).Encode(output);
                break;
            case MessageType.WeightsDone:
                Requests.U32(output, (uint)v.UInt("payload.params_crc"));
                break;
            default:
                throw new InvalidOperationException($"no payload builder for {v.Name}");
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>The samples part of SAMPLES_APPEND and PREDICT, byte for byte from the vector's fields.</summary>
    private static void WriteSamplesFields(ArrayBufferWriter<byte> output, GoldenVector v)
    {
        output.Write<byte>([(byte)v.UInt("payload.format"), 0, (byte)v.UInt("payload.count"), (byte)(v.UInt("payload.count") >> 8)]);
        output.Write(v.Hex("payload.scales"));
        output.Write(v.Hex("payload.data"));
    }

    private static void CheckDecodedFields(GoldenVector v, MessageType type, ReadOnlySpan<byte> payload)
    {
        // Decode, re-encode, compare: every decoder reads exactly what its encoder writes.
        var again = new ArrayBufferWriter<byte>();
        switch (type)
        {
            case MessageType.Hello:
                var hello = Hello.Decode(payload);
                Assert.Equal(v["payload.host"], hello.Host);
                hello.Encode(again);
                break;
            case MessageType.Capabilities:
                var caps = Capabilities.Decode(payload);
                Assert.Equal(v["payload.port"], caps.Port);
                Assert.Equal(v.UInt("payload.arena_bytes"), caps.ArenaBytes);
                Assert.Equal(v["payload.regions.1.name"], caps.Regions[1].Name);
                caps.Encode(again);
                break;
            case MessageType.Error:
                var error = ErrorMessage.Decode(payload);
                Assert.Equal(v["payload.text"], error.Text);
                error.Encode(again);
                break;
            case MessageType.ModelCommit:
            case MessageType.Configure:
                var config = TrainingConfig.Decode(payload, type);
                Assert.Equal(ConfigFromFields(v).LayerScopes, config.LayerScopes);
                config.Encode(again);
                break;
            case MessageType.ModelPlan:
            case MessageType.ConfigurePlan:
                ModelPlan.Decode(payload).Encode(again);
                break;
            case MessageType.SampleAck:
                var ack = SampleAck.Decode(payload);
                Assert.Equal((int)v.UInt("payload.index"), ack.Index);
                ack.Encode(again);
                break;
            case MessageType.BatchResult:
                var result = BatchResult.Decode(payload);
                Assert.Equal(v.UInt("payload.confusion.5"), (ulong)result.ConfusionAt(1, 1));
                result.Encode(again);
                break;
            case MessageType.WeightsData:
                WeightsData.Decode(payload).Encode(again);
                break;
            case MessageType.StatsReply:
                DeviceStats.Decode(payload).Encode(again);
                break;
            case MessageType.SamplesAppend:
            case MessageType.Predict:
                // The vectors' rings have 2 rows. int16 re-encodes with a scale of its own choosing, so
                // compare values there, bytes for the exact formats.
                var prefix = type == MessageType.Predict ? 1 : 0;
                var (format, values) = SamplesPayload.Decode(payload[prefix..], 2, type);
                Assert.Equal(v.UInt("payload.count") * 2, (ulong)values.Length);
                var bytes = payload[prefix..].ToArray();
                Assert.Throws<MalformedPayloadException>(() => SamplesPayload.Decode(bytes, 3, type));
                again.Write(payload[..prefix]);
                if (format == SampleFormat.ScaledInt16)
                {
                    Assert.Equal([1.5f, -0.004f * 500, -32.768f, 32767 * 0.5f], values, (a, b) => Math.Abs(a - b) < 1e-3);
                    again.Write(payload[prefix..]);
                }
                else
                {
                    SamplesPayload.Encode(again, format, 2, values);
                }

                break;
            case MessageType.RingState:
                RingState.Decode(payload).Encode(again);
                break;
            case MessageType.Prediction:
                var prediction = PredictionReply.Decode(payload);
                Assert.Equal(v.UInt("payload.prob_count"), (ulong)prediction.Probabilities.Length);
                prediction.Encode(again);
                break;
            default:
                again.Write(payload);
                break;
        }

        Assert.Equal(payload.ToArray(), again.WrittenSpan.ToArray());
    }
}
