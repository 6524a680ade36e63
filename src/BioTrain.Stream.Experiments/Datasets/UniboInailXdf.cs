using System.Globalization;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// One UniBo-INAIL day as an XDF recording a daemon can be replayed from: the 4-channel envelope at 500 Hz
/// (float32, the stored values unchanged) and a marker at the start of every repetition naming its class
/// (the trimmed labels, so a gesture's marker comes 100 ms after its onset), the rest before the first
/// movement unmarked. Day d starts at LSL time d x 86400 s, so a user's days replay in order, and all days of
/// a user share one source_id (the same amplifier), so a daemon bound to it takes each next day.
/// </summary>
public static class UniboInailXdf
{
    public static async Task ConvertAsync(string matFile, string xdfFile, CancellationToken cancellationToken)
    {
        var day = await UniboInailLoader.ReadDayAsync(matFile, cancellationToken).ConfigureAwait(false);
        var name = Path.GetFileNameWithoutExtension(matFile);
        var number = DayNumber(name);
        await using var output = File.Create(xdfFile);
        Write(day, name, number * 86400.0, output);
    }

    public static void Write(UniboInailDay day, string name, double firstTimestamp, System.IO.Stream output)
    {
        ArgumentNullException.ThrowIfNull(day);
        // One source per user and posture, not per day: the days are one amplifier's stream restarting, which a daemon follows.
        var source = "unibo-inail-" + WithoutDay(name);
        var channels = Enumerable.Range(1, UniboInailDay.ChannelCount).Select(c => new XdfChannelInfo($"emg{c}", "envelope", "EMG")).ToList();
        var signal = new XdfStreamInfo
        {
            Name = "UniBo-INAIL-EMG", Type = "EMG", ChannelCount = channels.Count, ChannelFormat = XdfChannelFormat.Float32,
            NominalSrate = UniboInailLoader.InputRate, SourceId = source, Hostname = "biotrain-convert", CreatedAt = firstTimestamp, Channels = channels,
        };
        var markers = new XdfStreamInfo
        {
            Name = "UniBo-INAIL-EMG-Markers", Type = "Markers", ChannelCount = 1, ChannelFormat = XdfChannelFormat.String,
            SourceId = source + "-markers", Hostname = "biotrain-convert", CreatedAt = firstTimestamp,
        };
        var interleaved = new float[day.Length * channels.Count];
        for (var i = 0; i < day.Length; i++)
        {
            for (var c = 0; c < channels.Count; c++)
            {
                interleaved[(i * channels.Count) + c] = day.Channels[c][i];
            }
        }

        var cues = day.RepetitionsInOrder()
            .Select(r => new TimedMarker(firstTimestamp + (r.Start / UniboInailLoader.InputRate), UniboInailLoader.Classes[r.Label])).ToList();
        SignalRecordingWriter.Write(output, signal, markers, interleaved, firstTimestamp, cues);
    }

    /// <summary><c>user_U_day_D_posture_P</c> without its <c>_day_D</c> part; other names unchanged.</summary>
    public static string WithoutDay(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('_').ToList();
        var at = parts.IndexOf("day");
        if (at < 0 || at + 1 >= parts.Count)
        {
            return name;
        }

        parts.RemoveRange(at, 2);
        return string.Join('_', parts);
    }

    /// <summary>The day of a file named <c>user_U_day_D_posture_P</c>; 1 for other names.</summary>
    public static int DayNumber(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('_');
        var at = Array.IndexOf(parts, "day");
        return at >= 0 && at + 1 < parts.Length && int.TryParse(parts[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 1 and <= 366 ? d : 1;
    }
}
