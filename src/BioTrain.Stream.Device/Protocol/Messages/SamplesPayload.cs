using System.Buffers;
using System.Buffers.Binary;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>
/// The samples part of SAMPLES_APPEND and PREDICT (SPEC.md 3.14): format, count, per-row scales for
/// int16, then the values sample by sample (each sample's rows together), converted from float32
/// as the format says. Encoding writes straight into the frame buffer: no intermediate copy.
/// </summary>
public static class SamplesPayload
{
    public const int HeaderBytes = 4;

    public static int BytesPerValue(SampleFormat format) => format == SampleFormat.Binary32 ? 4 : 2;

    /// <summary>Payload bytes of <paramref name="count"/> samples of <paramref name="rows"/> rows.</summary>
    public static int Size(SampleFormat format, int rows, int count) =>
        HeaderBytes + (format == SampleFormat.ScaledInt16 ? 4 * rows : 0) + (count * rows * BytesPerValue(format));

    /// <summary>The most samples that fit <paramref name="maxBytes"/> of payload (after <paramref name="prefix"/> bytes).</summary>
    public static int MaxSamples(SampleFormat format, int rows, int maxBytes, int prefix = 0) =>
        Math.Max(0, Math.Min(ushort.MaxValue, (maxBytes - prefix - Size(format, rows, 0)) / (rows * BytesPerValue(format))));

    /// <summary>Writes <paramref name="samples"/> (count x rows, sample-major) in <paramref name="format"/>.</summary>
    public static void Encode(IBufferWriter<byte> output, SampleFormat format, int rows, ReadOnlySpan<float> samples)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (samples.Length % rows != 0)
        {
            throw new ArgumentException($"{samples.Length} values are not whole samples of {rows} rows", nameof(samples));
        }

        var count = samples.Length / rows;
        var w = new PayloadWriter(output);
        w.U8((byte)format);
        w.U8(0);
        w.U16(checked((ushort)count));
        switch (format)
        {
            case SampleFormat.Binary32:
                var bytes = count * rows * 4;
                var span = output.GetSpan(bytes);
                for (var i = 0; i < samples.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], samples[i]);
                }

                output.Advance(bytes);
                break;
            case SampleFormat.Binary16:
                var halves = output.GetSpan(count * rows * 2);
                for (var i = 0; i < samples.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(halves[(i * 2)..], (Half)samples[i]);
                }

                output.Advance(count * rows * 2);
                break;
            case SampleFormat.ScaledInt16:
                Span<float> scales = rows <= 256 ? stackalloc float[rows] : new float[rows];
                for (var r = 0; r < rows; r++)
                {
                    var max = 0f;
                    for (var i = r; i < samples.Length; i += rows)
                    {
                        max = Math.Max(max, float.IsFinite(samples[i]) ? Math.Abs(samples[i]) : 0f);
                    }

                    scales[r] = max > 0 ? max / short.MaxValue : 1f;
                    w.F32(scales[r]);
                }

                var shorts = output.GetSpan(count * rows * 2);
                for (var i = 0; i < samples.Length; i++)
                {
                    var q = Math.Round(samples[i] / scales[i % rows]);
                    BinaryPrimitives.WriteInt16LittleEndian(shorts[(i * 2)..], (short)Math.Clamp(double.IsNaN(q) ? 0 : q, short.MinValue, short.MaxValue));
                }

                output.Advance(count * rows * 2);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "not a sample format of SPEC.md 3.14");
        }
    }

    /// <summary>Reads a samples payload of <paramref name="rows"/> rows back to float32 (tests, tools).</summary>
    public static (SampleFormat Format, float[] Values) Decode(ReadOnlySpan<byte> payload, int rows, MessageType type)
    {
        var r = new PayloadReader(payload, type);
        var format = r.U8("format");
        if (format > (byte)SampleFormat.ScaledInt16)
        {
            throw new MalformedPayloadException(type, $"format {format} is not 0, 1 or 2");
        }

        r.U8("reserved");
        var count = r.U16("count");
        var scales = new float[(SampleFormat)format == SampleFormat.ScaledInt16 ? rows : 0];
        for (var i = 0; i < scales.Length; i++)
        {
            scales[i] = r.F32("scales");
        }

        var values = new float[r.Count((long)count * rows, BytesPerValue((SampleFormat)format), "data")];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (SampleFormat)format switch
            {
                SampleFormat.Binary16 => (float)BinaryPrimitives.ReadHalfLittleEndian(r.Take(2, "data")),
                SampleFormat.ScaledInt16 => BinaryPrimitives.ReadInt16LittleEndian(r.Take(2, "data")) * scales[i % rows],
                _ => r.F32("data"),
            };
        }

        r.End();
        return ((SampleFormat)format, values);
    }
}
