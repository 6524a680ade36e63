using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Pipeline.Quality;

/// <summary>
/// Replaces each non-finite or absurdly large value by its channel's last good value (0 before any)
/// and records it in <see cref="InputQuality"/>; everything else passes unchanged.
/// </summary>
internal sealed class SampleGuard(IObserver<SignalChunk> downstream, InputQuality quality) : ChunkStage(downstream)
{
    private float[] _lastGood = [];

    protected override void Process(SignalChunk input)
    {
        var channels = input.ChannelCount;
        if (channels != quality.ChannelCount)
        {
            throw new InvalidOperationException($"The input guard expects {quality.ChannelCount} channels; stream '{input.SourceId}' has {channels}.");
        }

        if (_lastGood.Length != channels)
        {
            _lastGood = new float[channels];
        }

        var output = Output(channels, input.NominalRate, input.SourceId, input.SampleCount);
        input.Values.CopyTo(output.Values);
        input.Timestamps.CopyTo(output.Timestamps);
        var values = output.Values;
        var timestamps = output.Timestamps;
        var limit = quality.MaxAbsValue;
        for (var s = 0; s < timestamps.Length; s++)
        {
            var row = values.Slice(s * channels, channels);
            for (var c = 0; c < channels; c++)
            {
                var v = row[c];
                if (MathF.Abs(v) <= limit)
                {
                    _lastGood[c] = v;
                }
                else
                {
                    // NaN fails the comparison too, so one test covers NaN, ±Inf and absurd values
                    quality.Bad(c, timestamps[s], v);
                    row[c] = _lastGood[c];
                }
            }
        }

        Emit(output);
    }
}
