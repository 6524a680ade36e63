namespace BioTrain.Stream.Formats.Xdf;

/// <summary>One marker of a recording: its LSL time and its text.</summary>
public readonly record struct TimedMarker(double Time, string Text);

/// <summary>
/// Writes a regular float32 signal stream and its marker stream as LabRecorder would: 1-s chunks, markers
/// after the chunk they fall in, clock offsets and boundaries every 5 s, footers. The one layout of every
/// recording the project makes (synthetic replay data, converted real recordings).
/// </summary>
public static class SignalRecordingWriter
{
    /// <param name="samples">Interleaved (sample-major) values, <c>signal.ChannelCount</c> per sample.</param>
    public static void Write(System.IO.Stream output, XdfStreamInfo signal, XdfStreamInfo markers, ReadOnlySpan<float> samples, double firstTimestamp, IReadOnlyList<TimedMarker> cues)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(markers);
        ArgumentNullException.ThrowIfNull(cues);
        using var writer = new XdfWriter(output, new XdfWriterOptions(), leaveOpen: true);
        writer.AddStream(1, signal);
        writer.AddStream(2, markers);
        var rate = signal.NominalSrate;
        var perChunk = (int)Math.Round(rate);
        var channels = signal.ChannelCount;
        var sampleCount = samples.Length / channels;
        var timestamps = new double[perChunk];
        var nextCue = 0;
        var interval = 1.0 / rate;
        var last = firstTimestamp - interval;
        for (var start = 0; start < sampleCount; start += perChunk)
        {
            var count = Math.Min(perChunk, sampleCount - start);
            for (var i = 0; i < count; i++)
            {
                // Stepped exactly as readers deduce (last + 1/srate), so the writer stores 1 byte per timestamp.
                last = start + i == 0 ? firstTimestamp : last + interval;
                timestamps[i] = last;
            }

            writer.WriteSamples(1, timestamps.AsSpan(0, count), samples.Slice(start * channels, count * channels));
            var chunkEnd = firstTimestamp + ((start + count) / rate);
            while (nextCue < cues.Count && cues[nextCue].Time < chunkEnd)
            {
                writer.WriteSamples(2, [cues[nextCue].Time], [cues[nextCue].Text]);
                nextCue++;
            }

            if (start / perChunk % 5 == 0)
            {
                // One machine: the offset is 0, but the chunks are there as in a LabRecorder file.
                writer.WriteClockOffset(1, timestamps[0], 0);
                writer.WriteClockOffset(2, timestamps[0], 0);
                writer.WriteBoundary();
            }
        }
    }
}
