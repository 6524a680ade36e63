using System.IO.Pipelines;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Device.Tests;

/// <summary>Random bytes into every host-side decoder: a result or a typed error, never a crash or a hang.</summary>
public class DecoderFuzzPropertyTests
{
    private static readonly Func<byte[], object>[] Decoders =
    [
        p => Hello.Decode(p),
        p => Capabilities.Decode(p),
        p => ErrorMessage.Decode(p),
        p => TrainingConfig.Decode(p, MessageType.Configure),
        p => ModelPlan.Decode(p),
        p => SampleAck.Decode(p),
        p => BatchResult.Decode(p),
        p => WeightsData.Decode(p),
        p => DeviceStats.Decode(p),
    ];

    [Property(MaxTest = 2000)]
    public bool Message_decoders_return_or_throw_malformed(byte[] payload, PositiveInt which)
    {
        try
        {
            _ = Decoders[which.Get % Decoders.Length](payload);
        }
        catch (MalformedPayloadException)
        {
        }

        return true;
    }

    [Property(MaxTest = 300)]
    public Property Frame_reader_on_random_link_bytes_gives_only_frames_rejections_or_end()
    {
        var gen = Gen.ArrayOf(Gen.Frequency((3, Gen.Choose(0, 255).Select(i => (byte)i)), (1, Gen.Constant((byte)0))));
        return Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            var pipe = new Pipe();
            pipe.Writer.WriteAsync(bytes).AsTask().GetAwaiter().GetResult();
            pipe.Writer.Complete();
            var reader = new FrameReader(pipe.Reader, 512, ProtocolVersion.FrameVersion);
            for (var reads = 0; reads <= bytes.Length + 1; reads++)
            {
                var r = reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                r.Frame?.Dispose();
                if (r.EndOfStream)
                {
                    return true;
                }
            }

            return false; // more results than there can be frames: a loop
        });
    }

    [Fact]
    public void Absurd_counts_are_refused_before_allocating()
    {
        var result = new byte[56];
        result[14] = 0xFF; // classes = 65535: 8 GB of confusion counts claimed
        result[15] = 0xFF;
        var e = Assert.Throws<MalformedPayloadException>(() => BatchResult.Decode(result));
        Assert.Contains("confusion", e.Message, StringComparison.Ordinal);
    }
}
