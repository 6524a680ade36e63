namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>
/// Common average reference: from each channel of the reference set, subtract the set's mean at that
/// sample. Channels outside the set (EOG, triggers) pass unchanged. A null set means every channel.
/// </summary>
internal sealed class CommonAverage(IObserver<SignalChunk> downstream, int[]? channels) : ChunkStage(downstream)
{
    protected override void Process(SignalChunk input)
    {
        var count = input.ChannelCount;
        var set = channels;
        if (set is not null && set.Max() >= count)
        {
            throw new InvalidOperationException($"Reference channel out of range for stream '{input.SourceId}' with {count} channels.");
        }
        var output = Output(count, input.NominalRate, input.SourceId, input.SampleCount);
        input.Values.CopyTo(output.Values);
        input.Timestamps.CopyTo(output.Timestamps);
        var values = output.Values;
        for (var s = 0; s < output.SampleCount; s++)
        {
            var row = values.Slice(s * count, count);
            if (set is null)
            {
                var sum = 0.0;
                foreach (var v in row)
                {
                    sum += v;
                }
                var mean = (float)(sum / count);
                for (var c = 0; c < count; c++)
                {
                    row[c] -= mean;
                }
            }
            else
            {
                var sum = 0.0;
                foreach (var c in set)
                {
                    sum += row[c];
                }
                var mean = (float)(sum / set.Length);
                foreach (var c in set)
                {
                    row[c] -= mean;
                }
            }
        }
        Emit(output);
    }
}
