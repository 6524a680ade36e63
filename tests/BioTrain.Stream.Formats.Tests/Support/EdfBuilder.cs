using System.Globalization;
using System.Text;

namespace BioTrain.Stream.Formats.Tests.Support;

/// <summary>Builds small EDF/EDF+/BDF files byte by byte, for reader tests.</summary>
internal sealed class EdfBuilder
{
    private readonly List<SignalSpec> _signals = [];

    public bool Bdf { get; init; }
    public string Reserved { get; init; } = "";
    public int Records { get; init; } = 3;
    public string RecordDuration { get; init; } = "1";
    public string RecordingId { get; init; } = "Startdate 02-MAR-2024 X X test";

    /// <summary>Annotation-signal text (TALs) per record, when set; bytes are padded with 0x00.</summary>
    public Func<int, string>? Annotations { get; init; }
    public int AnnotationSamples { get; init; } = 60;

    public EdfBuilder Signal(string label, string unit, double physicalMin, double physicalMax, int digitalMin, int digitalMax,
        int samplesPerRecord, Func<int, int, int> digital)
    {
        _signals.Add(new SignalSpec(label, unit, physicalMin, physicalMax, digitalMin, digitalMax, samplesPerRecord, digital));
        return this;
    }

    public byte[] Build()
    {
        var signals = _signals.ToList();
        if (Annotations is not null)
        {
            signals.Add(new SignalSpec(Bdf ? "BDF Annotations" : "EDF Annotations", "", -1, 1, Bdf ? -8388608 : -32768, Bdf ? 8388607 : 32767, AnnotationSamples, (_, _) => 0));
        }
        var ns = signals.Count;
        var header = new StringBuilder();
        header.Append(Bdf ? "\u00FFBIOSEMI" : Pad("0", 8));
        header.Append(Pad("X X X X", 80)).Append(Pad(RecordingId, 80));
        header.Append("02.03.24").Append("13.45.07");
        header.Append(Pad((256 * (ns + 1)).ToString(CultureInfo.InvariantCulture), 8));
        header.Append(Pad(Reserved, 44));
        header.Append(Pad(Records.ToString(CultureInfo.InvariantCulture), 8));
        header.Append(Pad(RecordDuration, 8));
        header.Append(Pad(ns.ToString(CultureInfo.InvariantCulture), 4));
        void Each(Func<SignalSpec, string> field, int width)
        {
            foreach (var s in signals)
            {
                header.Append(Pad(field(s), width));
            }
        }
        Each(s => s.Label, 16);
        Each(_ => "AgAgCl electrode", 80);
        Each(s => s.Unit, 8);
        Each(s => Number(s.PhysicalMin), 8);
        Each(s => Number(s.PhysicalMax), 8);
        Each(s => s.DigitalMin.ToString(CultureInfo.InvariantCulture), 8);
        Each(s => s.DigitalMax.ToString(CultureInfo.InvariantCulture), 8);
        Each(_ => "HP:0.1Hz", 80);
        Each(s => s.SamplesPerRecord.ToString(CultureInfo.InvariantCulture), 8);
        Each(_ => "", 32);

        var bytes = new List<byte>(Encoding.Latin1.GetBytes(header.ToString()));
        var sampleBytes = Bdf ? 3 : 2;
        for (var record = 0; record < Records; record++)
        {
            foreach (var s in signals)
            {
                if (s.Label.EndsWith("Annotations", StringComparison.Ordinal) && Annotations is not null)
                {
                    var text = Encoding.UTF8.GetBytes(Annotations(record));
                    var room = s.SamplesPerRecord * sampleBytes;
                    bytes.AddRange(text.Take(room));
                    bytes.AddRange(new byte[Math.Max(0, room - text.Length)]);
                    continue;
                }
                for (var i = 0; i < s.SamplesPerRecord; i++)
                {
                    var value = s.Digital(record, i);
                    bytes.Add((byte)value);
                    bytes.Add((byte)(value >> 8));
                    if (Bdf)
                    {
                        bytes.Add((byte)(value >> 16));
                    }
                }
            }
        }
        return bytes.ToArray();
    }

    /// <summary>Overwrites a header field (space-padded ASCII).</summary>
    public static void SetField(byte[] file, int offset, int width, string text) =>
        Encoding.Latin1.GetBytes(Pad(text, width)).CopyTo(file, offset);

    private static string Pad(string text, int width) => text.Length >= width ? text[..width] : text.PadRight(width);

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private sealed record SignalSpec(string Label, string Unit, double PhysicalMin, double PhysicalMax, int DigitalMin, int DigitalMax,
        int SamplesPerRecord, Func<int, int, int> Digital);
}
