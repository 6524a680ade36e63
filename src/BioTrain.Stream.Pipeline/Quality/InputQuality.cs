namespace BioTrain.Stream.Pipeline.Quality;

/// <summary>
/// What the input guard found in one stream: bad samples per channel (non-finite or beyond
/// <see cref="MaxAbsValue"/>) and the time ranges they spoil. A bad value is replaced by its channel's
/// last good one before any filter sees it (one NaN would stay in a recursive filter's state for ever),
/// but what the filters make of the replacement is not signal either: windows and epochs that overlap a
/// spoiled range (the bad samples widened by <see cref="SettleSeconds"/> on each side) are dropped by
/// their consumers, which ask <see cref="Spoils"/>. Safe to use from any thread.
/// </summary>
public sealed class InputQuality
{
    private readonly long[] _perChannel;
    private readonly Queue<(double Start, double End)> _ranges = new();
    private readonly int _rangesKept;
    private readonly Lock _gate = new();
    private double _openStart = double.NaN;
    private double _openEnd = double.NaN;

    /// <param name="channelCount">Channels of the guarded stream (after channel selection).</param>
    /// <param name="maxAbsValue">Largest magnitude taken as signal, in the stream's units.</param>
    /// <param name="settleSeconds">How long before and after bad samples the filtered signal is not trusted.</param>
    /// <param name="rangesKept">Spoiled ranges remembered (older ones are long out of every window).</param>
    public InputQuality(int channelCount, float maxAbsValue, double settleSeconds, int rangesKept = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAbsValue);
        ArgumentOutOfRangeException.ThrowIfNegative(settleSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(rangesKept, 1);
        _perChannel = new long[channelCount];
        MaxAbsValue = maxAbsValue;
        SettleSeconds = settleSeconds;
        _rangesKept = rangesKept;
    }

    /// <summary>Raised when bad input begins after good input (once per spoiled range, on the guard's thread).</summary>
    public event Action<BadInputEpisode>? EpisodeStarted;

    public int ChannelCount => _perChannel.Length;

    public float MaxAbsValue { get; }

    public double SettleSeconds { get; }

    /// <summary>Bad samples of one channel so far.</summary>
    public long BadSamples(int channel) => Interlocked.Read(ref _perChannel[channel]);

    /// <summary>Bad samples of all channels so far.</summary>
    public long TotalBadSamples
    {
        get
        {
            long total = 0;
            for (var c = 0; c < _perChannel.Length; c++)
            {
                total += BadSamples(c);
            }

            return total;
        }
    }

    /// <summary>Whether the span [<paramref name="first"/>, <paramref name="last"/>] (timestamps) overlaps a spoiled range.</summary>
    public bool Spoils(double first, double last)
    {
        lock (_gate)
        {
            if (!double.IsNaN(_openStart) && first <= _openEnd && last >= _openStart)
            {
                return true;
            }

            foreach (var (start, end) in _ranges)
            {
                if (first <= end && last >= start)
                {
                    return true;
                }
            }

            return false;
        }
    }

    internal void Bad(int channel, double timestamp, float value)
    {
        Interlocked.Increment(ref _perChannel[channel]);
        BadInputEpisode? started = null;
        lock (_gate)
        {
            if (!double.IsNaN(_openStart) && timestamp - SettleSeconds <= _openEnd)
            {
                _openEnd = Math.Max(_openEnd, timestamp + SettleSeconds);
            }
            else
            {
                if (!double.IsNaN(_openStart))
                {
                    if (_ranges.Count == _rangesKept)
                    {
                        _ranges.Dequeue();
                    }

                    _ranges.Enqueue((_openStart, _openEnd));
                }

                _openStart = timestamp - SettleSeconds;
                _openEnd = timestamp + SettleSeconds;
                started = new BadInputEpisode(channel, timestamp, value);
            }
        }

        if (started is { } episode)
        {
            EpisodeStarted?.Invoke(episode);
        }
    }
}

/// <summary>The first bad value of a spoiled range: which channel, when, and what it was (NaN, ±Inf or a finite value beyond the limit).</summary>
public readonly record struct BadInputEpisode(int Channel, double Timestamp, float Value)
{
    public string Kind => float.IsNaN(Value) ? "NaN" : float.IsInfinity(Value) ? (Value > 0 ? "+Inf" : "-Inf") : $"{Value:G4} (beyond the limit)";
}
