using System.Globalization;

namespace BioTrain.Stream.Device.Usb;

/// <summary>
/// The FTDI baud-rate divisor (application note AN232B-05): the chip divides a base clock
/// (3 MHz on FT232R/FT-X/FT2232D, 12 MHz on the H series when bit 17 is set) by an integer plus
/// a multiple of 1/8, encoded as 14 integer bits and a 3-bit sub-integer code; divisors 1 and 1.5
/// have the special codes 0 and 1.
/// </summary>
public readonly record struct FtdiBaudDivisor(ushort Value, ushort Index, int ActualBaudRate)
{
    /// <summary>Sub-integer code for a fraction of k/8, by k.</summary>
    private static readonly int[] FractionCode = [0, 3, 2, 4, 1, 5, 6, 7];

    /// <summary>Largest relative error accepted between the rate asked for and the rate the chip makes (UARTs tolerate about 3 %).</summary>
    public const double MaxError = 0.03;

    /// <param name="baudRate">Rate asked for, bit/s.</param>
    /// <param name="highSpeedChip">FT2232H, FT4232H or FT232H (12 MHz base).</param>
    /// <param name="portIndex">The index byte for multi-interface chips (interface number + 1), 0 for single-interface ones.</param>
    public static FtdiBaudDivisor For(int baudRate, bool highSpeedChip, int portIndex)
    {
        var baseClock = highSpeedChip ? 12_000_000L : 3_000_000L;
        if (baudRate <= 0 || baudRate > baseClock)
        {
            throw new DeviceStartException(string.Create(CultureInfo.InvariantCulture, $"baud={baudRate} is out of this FTDI chip's range (up to {baseClock} bit/s)"));
        }

        var eighths = (long)Math.Round(baseClock * 8.0 / baudRate);
        long encoded;
        if (eighths < 16)
        {
            // Between divisors 1 and 2 only 1 and 1.5 exist.
            eighths = eighths < 10 ? 8 : eighths < 14 ? 12 : 16;
        }

        if (eighths > 0x3FFF * 8 + 7)
        {
            throw new DeviceStartException(string.Create(CultureInfo.InvariantCulture, $"baud={baudRate} is too slow for this FTDI chip"));
        }

        encoded = eighths switch
        {
            8 => 0,
            12 => 1,
            _ => (eighths >> 3) | ((long)FractionCode[eighths & 7] << 14),
        };
        if (highSpeedChip)
        {
            encoded |= 0x20000;
        }

        var actual = (int)Math.Round(baseClock * 8.0 / eighths);
        if (Math.Abs(actual - baudRate) > baudRate * MaxError)
        {
            throw new DeviceStartException(string.Create(CultureInfo.InvariantCulture, $"baud={baudRate} cannot be made by this FTDI chip: the nearest rate is {actual} bit/s"));
        }

        var index = (ushort)(portIndex == 0 ? encoded >> 16 : ((encoded >> 16) << 8) | (uint)portIndex);
        return new FtdiBaudDivisor((ushort)(encoded & 0xFFFF), index, actual);
    }
}
