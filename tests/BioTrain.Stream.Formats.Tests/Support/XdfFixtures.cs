using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Tests.Support;

/// <summary>Small XDF files written by our writer, for damage and interop tests.</summary>
internal static class XdfFixtures
{
    public const int EegChannels = 4;
    public const double EegRate = 100;

    /// <summary>
    /// A LabRecorder-like file: an EEG float32 stream (4 ch, 100 Hz), an int16 stream, a string marker
    /// stream, clock offsets and a boundary chunk every "second", footers at the end.
    /// </summary>
    public static byte[] Recording(int seconds = 6, bool complete = true)
    {
        using var memory = new MemoryStream();
        var writer = new XdfWriter(memory, new XdfWriterOptions { MaxSamplesPerChunk = 50 }, leaveOpen: true);
        writer.AddStream(1, new XdfStreamInfo
        {
            Name = "TestEEG", Type = "EEG", ChannelCount = EegChannels, ChannelFormat = XdfChannelFormat.Float32,
            NominalSrate = EegRate, SourceId = "test-eeg",
            Channels = [new("C3", "microvolts", "EEG"), new("Cz", "microvolts", "EEG"), new("C4", "microvolts", "EEG"), new("Pz", "microvolts", "EEG")],
        });
        writer.AddStream(2, new XdfStreamInfo { Name = "Counter", Type = "Misc", ChannelCount = 1, ChannelFormat = XdfChannelFormat.Int16, NominalSrate = 10 });
        writer.AddStream(3, new XdfStreamInfo { Name = "Markers", Type = "Markers", ChannelCount = 1, ChannelFormat = XdfChannelFormat.String });
        var sample = 0;
        for (var second = 0; second < seconds; second++)
        {
            var timestamps = new double[(int)EegRate];
            var values = new float[timestamps.Length * EegChannels];
            for (var i = 0; i < timestamps.Length; i++, sample++)
            {
                timestamps[i] = 100 + (sample / EegRate);
                for (var c = 0; c < EegChannels; c++)
                {
                    values[(i * EegChannels) + c] = EegValue(sample, c);
                }
            }
            writer.WriteSamples(1, timestamps, values);
            var counterTimes = Enumerable.Range(0, 10).Select(i => 100 + second + (i / 10.0)).ToArray();
            writer.WriteSamples(2, counterTimes, Enumerable.Range(0, 10).Select(i => (short)((second * 10) + i)).ToArray());
            writer.WriteSamples(3, [100.5 + second], [$"marker {second}"]);
            writer.WriteClockOffset(1, 100 + second, 0.25 + (0.001 * second));
            writer.WriteBoundary();
        }
        if (complete)
        {
            writer.Dispose();
        }
        else
        {
            writer.Flush();
        }
        return memory.ToArray();
    }

    public static float EegValue(int sample, int channel) => (float)Math.Round(Math.Sin((sample * 0.1) + channel) * 50, 3);
}
