using System.Buffers;
using System.IO.Pipelines;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Models;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Device.Tests;

/// <summary>Properties of COBS, CRC-32C and the frame reader over random inputs.</summary>
public class CodecPropertyTests
{
    [Property(MaxTest = 300)]
    public bool Cobs_round_trips_and_never_emits_zero(byte[] data)
    {
        var encoded = new byte[Cobs.MaxEncodedLength(data.Length) + 1];
        var encoder = new CobsEncoder(encoded);
        encoder.Write(data);
        var n = encoder.Finish();
        var body = encoded.AsSpan(0, n - 1);
        return encoded[n - 1] == 0 && !body.Contains((byte)0) && Cobs.DecodeInPlace(body) == data.Length && body[..data.Length].SequenceEqual(data);
    }

    [Property(MaxTest = 200)]
    public bool Cobs_encoding_does_not_depend_on_how_input_is_split(byte[] data, PositiveInt cut)
    {
        var whole = Encode(data, data.Length);
        var split = Encode(data, cut.Get % (data.Length + 1));
        return whole.SequenceEqual(split);
    }

    [Fact]
    public void Cobs_block_edges_match_the_reference_encoder()
    {
        foreach (var size in new[] { 0, 1, 253, 254, 255, 508, 509, 1000 })
        {
            foreach (var fill in new byte[] { 0, 1, 0xFF })
            {
                var data = Enumerable.Repeat(fill, size).ToArray();
                Assert.Equal(ReferenceCobs(data), Encode(data, size / 2));
            }
        }
    }

    [Property(MaxTest = 500)]
    public bool Cobs_decoder_survives_garbage(byte[] junk) => Cobs.DecodeInPlace(junk) <= junk.Length;

    [Fact]
    public void Crc32C_check_values()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Property(MaxTest = 100)]
    public Property Frame_reader_gives_the_same_frames_however_bytes_arrive()
    {
        var gen = from payloads in Gen.ListOf(Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())).Select(l => l.Take(8).ToArray())
                  from chunk in Gen.Choose(1, 300)
                  select (payloads, chunk);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var wire = new ArrayBufferWriter<byte>();
            for (var i = 0; i < t.payloads.Length; i++)
            {
                FrameWriter.Write(wire, new FrameHeader(0, MessageType.Ping, FrameFlagBits.None, (ushort)(i + 1), 0, 0), t.payloads[i], leadingDelimiter: i % 2 == 0);
            }

            var got = ReadAll(wire.WrittenMemory, t.chunk, 65536).GetAwaiter().GetResult();
            return got.Count == t.payloads.Length && got.Select((f, i) => f.SequenceEqual(t.payloads[i])).All(x => x);
        });
    }

    [Fact]
    public async Task Frame_reader_bounds_a_peer_that_never_sends_a_delimiter()
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader, 256, null);
        var junk = Enumerable.Repeat((byte)0x5A, 100_000).ToArray();
        var readTask = reader.ReadAsync(CancellationToken.None).AsTask();
        await pipe.Writer.WriteAsync(junk);
        await pipe.Writer.WriteAsync(new byte[] { 0 });
        var good = new ArrayBufferWriter<byte>();
        FrameWriter.Write(good, new FrameHeader(0, MessageType.Pong, FrameFlagBits.None, 5, 1, 0), "ok"u8);
        await pipe.Writer.WriteAsync(good.WrittenMemory);
        var first = await readTask;
        Assert.Null(first.Frame);
        Assert.Equal(DeviceErrorCode.FrameTooLarge, first.Rejection.Error);
        var second = await reader.ReadAsync(CancellationToken.None);
        using var frame = second.Frame;
        Assert.NotNull(frame);
        Assert.Equal(5, frame.Header.Seq);
    }

    private static async Task<List<byte[]>> ReadAll(ReadOnlyMemory<byte> wire, int chunk, int maxPayload)
    {
        var pipe = new Pipe();
        var reader = new FrameReader(pipe.Reader, maxPayload, 0);
        var writer = Task.Run(async () =>
        {
            for (var off = 0; off < wire.Length; off += chunk)
            {
                await pipe.Writer.WriteAsync(wire.Slice(off, Math.Min(chunk, wire.Length - off)));
            }

            await pipe.Writer.CompleteAsync();
        });
        var frames = new List<byte[]>();
        while (true)
        {
            var r = await reader.ReadAsync(CancellationToken.None);
            if (r.EndOfStream)
            {
                break;
            }

            using var f = r.Frame ?? throw new InvalidOperationException($"rejected {r.Rejection.Error}");
            frames.Add(f.Payload.ToArray());
        }

        await writer;
        return frames;
    }

    private static byte[] Encode(byte[] data, int cut)
    {
        var encoded = new byte[Cobs.MaxEncodedLength(data.Length) + 1];
        var encoder = new CobsEncoder(encoded);
        encoder.Write(data.AsSpan(0, cut));
        encoder.Write(data.AsSpan(cut));
        return encoded.AsSpan(0, encoder.Finish()).ToArray();
    }

    /// <summary>The textbook COBS encoder, written as plainly as possible.</summary>
    private static byte[] ReferenceCobs(byte[] data)
    {
        var output = new List<byte>();
        var block = new List<byte>();
        foreach (var b in data)
        {
            if (b == 0)
            {
                output.Add((byte)(block.Count + 1));
                output.AddRange(block);
                block.Clear();
                continue;
            }

            block.Add(b);
            if (block.Count == 254)
            {
                output.Add(0xFF);
                output.AddRange(block);
                block.Clear();
            }
        }

        output.Add((byte)(block.Count + 1));
        output.AddRange(block);
        output.Add(0);
        return [.. output];
    }
}
