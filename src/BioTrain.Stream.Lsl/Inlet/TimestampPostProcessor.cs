namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>Applies clock sync, dejitter and monotonize to pulled timestamps, in that order.</summary>
internal sealed class TimestampPostProcessor
{
    private readonly Func<double> _correction;
    private readonly Func<bool> _consumeReset;
    private readonly double _srate;
    private readonly double _halftime;
    private Dejitterer? _dejitter;
    private double _offset;
    private double _lastValue = double.MinValue;
    private int _sinceSync = 50; // so the first sample fetches the offset
    private double _nextQuery;

    public TimestampPostProcessor(ProcessingOptions options, double nominalSrate, double halftime, Func<double> correction, Func<bool> consumeReset)
    {
        Options = options;
        _srate = nominalSrate;
        _halftime = halftime;
        _correction = correction;
        _consumeReset = consumeReset;
    }

    public ProcessingOptions Options { get; }

    public double Process(double value)
    {
        if ((Options & ProcessingOptions.ClockSync) != 0)
        {
            // Refresh the offset every 50 samples and at most twice a second, like liblsl.
            if (++_sinceSync > 50 && LslClock.LocalClock() > _nextQuery)
            {
                _offset = _correction();
                _sinceSync = 0;
                if (_consumeReset())
                {
                    _offset = _correction();
                    _lastValue = double.MinValue;
                    _dejitter = null;
                }

                _nextQuery = LslClock.LocalClock() + 0.5;
            }

            value += _offset;
        }

        if ((Options & ProcessingOptions.Dejitter) != 0)
        {
            _dejitter ??= new Dejitterer(value, _srate, _halftime);
            value = _dejitter.Process(value);
        }

        if ((Options & ProcessingOptions.Monotonize) != 0)
        {
            if (value < _lastValue)
            {
                value = _lastValue;
            }
            else
            {
                _lastValue = value;
            }
        }

        return value;
    }

    public void SkipSamples(long count) => _dejitter?.Skip(count);
}
