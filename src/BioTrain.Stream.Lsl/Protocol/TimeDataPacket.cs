using System.Globalization;
using System.Text;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>
/// Time-sync probes: request <c>LSL:timedata\r\nWAVE T0\r\n</c>, reply <c>" WAVE T0 T1 T2"</c> (leading space,
/// no method line), numbers with 16 significant digits.
/// </summary>
internal static class TimeDataPacket
{
    public static byte[] FormatRequest(int waveId, double t0) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{DiscoveryPacket.TimeDataMethod}\r\n{waveId} {LslNumberFormat.G16(t0)}\r\n"));

    public static bool TryParseRequest(string body, out int waveId, out double t0)
    {
        t0 = 0;
        waveId = 0;
        var parts = body.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 &&
               int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out waveId) &&
               double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out t0) && double.IsFinite(t0);
    }

    public static byte[] FormatReply(int waveId, double t0, double t1, double t2) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $" {waveId} {LslNumberFormat.G16(t0)} {LslNumberFormat.G16(t1)} {LslNumberFormat.G16(t2)}"));

    public static bool TryParseReply(ReadOnlySpan<byte> packet, out int waveId, out double t0, out double t1, out double t2)
    {
        waveId = 0;
        t0 = t1 = t2 = 0;
        if (packet.Length > 256)
        {
            return false;
        }

        var parts = Encoding.ASCII.GetString(packet).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 4 &&
               int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out waveId) &&
               double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out t0) &&
               double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out t1) &&
               double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out t2) &&
               double.IsFinite(t0) && double.IsFinite(t1) && double.IsFinite(t2);
    }
}
