using System.Text;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;
using BioTrain.Stream.Lsl.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>Property tests of the encoders and parsers: round trips, and no untyped exception on any input.</summary>
public class CodecPropertyTests
{
    [Property(MaxTest = 300)]
    public bool Numeric_110_samples_round_trip_in_both_byte_orders(float[] values, NormalFloat timestamp, bool swap, bool deduced)
    {
        var raw = values.SelectMany(BitConverter.GetBytes).ToArray();
        var buffer = new byte[9 + raw.Length];
        var n = SampleCodec110.WriteNumeric(buffer, timestamp.Get, deduced, raw, 4, swap);
        var back = new byte[raw.Length];
        return SampleCodec110.TryReadNumeric(buffer.AsSpan(0, n), back, 4, swap, out var ts, out var d, out var consumed)
               && consumed == n && back.AsSpan().SequenceEqual(raw) && d == deduced && (deduced || ts.Equals(timestamp.Get));
    }

    [Property(MaxTest = 300)]
    public bool String_110_samples_round_trip(NonNull<string>[] values, bool swap)
    {
        var strings = values.Select(v => ValidUtf16(v.Get)).ToArray();
        var buffer = new byte[SampleCodec110.StringSize(false, strings)];
        var n = SampleCodec110.WriteString(buffer, 3.5, false, strings, swap);
        var back = new string[strings.Length];
        return n == buffer.Length
               && SampleCodec110.TryReadString(buffer, back, swap, int.MaxValue, out var ts, out _, out var consumed)
               && consumed == n && ts == 3.5 && back.SequenceEqual(strings);
    }

    [Property(MaxTest = 500)]
    public bool Portable_integers_round_trip(long value, byte sizeCode)
    {
        var size = new[] { 1, 2, 4, 8 }[sizeCode % 4];
        var clipped = size switch { 1 => (sbyte)value, 2 => (short)value, 4 => (int)value, _ => value };
        var buffer = new byte[9];
        var n = PortableArchive.WriteSigned(buffer, clipped, size);
        return n <= 1 + size
               && PortableArchive.TryReadInteger(buffer.AsSpan(0, n), size, signed: true, out var back, out var consumed)
               && consumed == n && back == clipped;
    }

    [Property(MaxTest = 300)]
    public bool Archive_samples_round_trip_for_every_numeric_format(double[] values, byte formatCode, NormalFloat timestamp)
    {
        var format = new[] { ChannelFormat.Float32, ChannelFormat.Double64, ChannelFormat.Int32, ChannelFormat.Int16, ChannelFormat.Int8, ChannelFormat.Int64 }[formatCode % 6];
        var finite = values.Select(v => double.IsFinite(v) ? v : 0).ToArray();
        var raw = new byte[finite.Length * format.ValueSize()];
        Internal.ValueConverter.ToFormat<double>(finite, format, raw);
        var buffer = new byte[PortableArchive.MaxNumericSampleSize(finite.Length, format.ValueSize())];
        var n = PortableArchive.WriteNumericSample(buffer, timestamp.Get, false, raw, format);
        var back = new byte[raw.Length];
        return PortableArchive.TryReadNumericSample(buffer.AsSpan(0, n), back, format, out var ts, out _, out var consumed)
               && consumed == n && back.AsSpan().SequenceEqual(raw) && ts.Equals(timestamp.Get);
    }

    [Property(MaxTest = 200)]
    public bool Decoding_split_anywhere_gives_the_same_samples(int[] seed, PositiveInt split)
    {
        var samples = seed.Take(40).ToArray();
        var encoder = new FeedEncoder(110, false, ChannelFormat.Int32);
        var stream = new List<byte>();
        var buffer = new byte[16];
        for (var i = 0; i < samples.Length; i++)
        {
            stream.AddRange(buffer[..encoder.EncodeNumeric(buffer, i, i % 3 != 0, BitConverter.GetBytes(samples[i]))]);
        }

        var bytes = stream.ToArray();
        var cut = bytes.Length == 0 ? 0 : split.Get % (bytes.Length + 1);
        var inbox = new InletBuffer(1, ChannelFormat.Int32, 1000);
        var decoder = new SampleDecoder(110, false, false, ChannelFormat.Int32, 100);
        var last = 0.0;
        var first = inbox.Decode(bytes.AsSpan(0, cut), decoder, 1.0, ref last, out _);
        var pending = bytes[first..];
        inbox.Decode(pending, decoder, 1.0, ref last, out _);
        var data = new int[samples.Length];
        var ts = new double[samples.Length];
        var n = inbox.TakeNumeric<int>(data, ts, samples.Length, ChannelFormat.Int32);
        return n == samples.Length && data.SequenceEqual(samples) && ts.Select((t, i) => t == i).All(ok => ok);
    }

    [Property(MaxTest = 500)]
    public bool Any_bytes_give_a_sample_or_need_more_or_a_typed_error(byte[] junk, bool swap, bool old)
    {
        var strings = new string[2];
        var numbers = new byte[8];
        return Typed(() => SampleCodec110.TryReadString(junk, strings, swap, 1024, out _, out _, out _))
               && Typed(() => SampleCodec110.TryReadNumeric(junk, numbers, 4, swap, out _, out _, out _))
               && Typed(() => PortableArchive.TryReadStringSample(junk, strings, 1024, out _, out _, out _))
               && Typed(() => PortableArchive.TryReadNumericSample(junk, numbers, old ? ChannelFormat.Double64 : ChannelFormat.Int16, out _, out _, out _));
    }

    [Property(MaxTest = 300)]
    public bool Any_text_gives_a_request_a_response_an_info_or_a_typed_error(string[] lines)
    {
        var safe = lines.Where(l => l is not null).ToArray();
        var joined = string.Join("\n", safe);
        return Typed(() => FeedRequest.ParseHeaders(110, null, safe))
               && Typed(() => FeedRequest.ParseRequestLine(joined))
               && Typed(() => FeedRequest.ParseVersion100(joined))
               && Typed(() => FeedResponse.ParseStatus(joined, 110))
               && Typed(() => StreamInfo.FromXml(joined))
               && Typed(() => StreamInfo.FromXml("<?xml version=\"1.0\"?><info>" + joined + "</info>"))
               && Typed(() => DiscoveryPacket.TryParseQuery(joined, 4096, out _, out _, out _))
               && Typed(() => DiscoveryPacket.TryParseReply(Encoding.UTF8.GetBytes(joined), out _, out _))
               && Typed(() => TimeDataPacket.TryParseReply(Encoding.UTF8.GetBytes(joined), out _, out _, out _, out _));
    }

    [Property(MaxTest = 200)]
    public bool Stream_info_xml_round_trips_names_and_metadata(NonEmptyString name, string type, string label, NormalFloat rate)
    {
        var cleanName = Xmlable(name.Get);
        if (cleanName.Trim().Length == 0)
        {
            return true;
        }

        var info = new StreamInfo(cleanName, Xmlable(type ?? string.Empty), 2, Math.Abs(rate.Get), ChannelFormat.Double64, "p")
            .AddChannels([new(Xmlable(label ?? string.Empty), "uV", "EEG")]);
        var back = StreamInfo.FromXml(info.ToFullInfoXml());
        // 16 significant digits, as liblsl writes them: equal to about 1e-15 relative.
        return back.Name == info.Name && back.Type == info.Type && Math.Abs(back.NominalSrate - info.NominalSrate) <= 1e-15 * info.NominalSrate
               && back.GetChannels()[0].Label == info.GetChannels()[0].Label && StreamInfo.FromXml(back.ToFullInfoXml()).ToFullInfoXml() == back.ToFullInfoXml();
    }

    private static bool Typed(Func<object?> action)
    {
        try
        {
            action();
            return true;
        }
        catch (LslProtocolException)
        {
            return true;
        }
    }

    private static bool Typed(Action action) => Typed(() =>
    {
        action();
        return null;
    });

    private static string ValidUtf16(string s) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s));

    // Characters XML 1.0 can carry, with line ends as a parser normalises them.
    private static string Xmlable(string s) => new string(ValidUtf16(s).Where(c => c >= ' ' && c != '\uFFFE' && c != '\uFFFF' && c != '\uFFFD' && !char.IsSurrogate(c)).ToArray());
}
