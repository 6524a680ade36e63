using BioTrain.Stream.Pipeline.Dsp;

namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>
/// Rational resampling (see <see cref="RationalResampler"/>); the output's nominal rate is
/// rate x up / down. After a gap or a jump back the resampler starts afresh at the next sample, so
/// no output mixes samples from both sides of a break.
/// </summary>
internal sealed class ResampleStage(IObserver<SignalChunk> downstream, int up, int down, GapPolicy? gaps) : ChunkStage(downstream)
{
    private readonly List<int> _runStarts = [];
    private RationalResampler? _resampler;
    private Discontinuities _breaks = new(gaps);

    protected override void Process(SignalChunk input)
    {
        var channels = input.ChannelCount;
        if (_resampler is null || _resampler.ChannelCount != channels)
        {
            _resampler = new RationalResampler(up, down, channels);
        }
        var timestamps = input.Timestamps;
        // Runs of continuous samples; each run after a break starts with a fresh resampler.
        _runStarts.Clear();
        var breakAtStart = false;
        for (var i = 0; i < timestamps.Length; i++)
        {
            if (_breaks.Check(timestamps[i], input.NominalRate, out _) is Continuity.Gap or Continuity.JumpBack)
            {
                if (i == 0)
                {
                    breakAtStart = true;
                }
                else
                {
                    _runStarts.Add(i);
                }
            }
        }
        _runStarts.Insert(0, 0);
        _runStarts.Add(timestamps.Length);

        var rate = input.NominalRate * _resampler.Up / _resampler.Down;
        var capacity = _resampler.MaxOutputSamples(input.SampleCount) + (2 * _runStarts.Count);
        var output = Output(channels, rate, input.SourceId, capacity);
        var values = input.Values;
        var written = 0;
        for (var r = 0; r + 1 < _runStarts.Count; r++)
        {
            var (from, to) = (_runStarts[r], _runStarts[r + 1]);
            if (r > 0 || breakAtStart)
            {
                _resampler.Reset();
            }
            written += _resampler.Process(values[(from * channels)..(to * channels)], timestamps[from..to],
                output.Values[(written * channels)..], output.Timestamps[written..]);
        }
        output.SetSampleCount(written);
        Emit(output);
    }
}
