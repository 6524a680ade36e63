namespace BioTrain.Stream.Lsl.Internal;

/// <summary>A token bucket: at most N replies per second, so a query flood cannot turn the outlet into an amplifier.</summary>
internal sealed class ReplyRateLimiter
{
    private readonly Lock _sync = new();
    private readonly double _ratePerSecond;
    private double _tokens;
    private double _last;

    public ReplyRateLimiter(int ratePerSecond)
    {
        _ratePerSecond = Math.Max(1, ratePerSecond);
        _tokens = _ratePerSecond;
        _last = LslClock.LocalClock();
    }

    public bool TryTake()
    {
        lock (_sync)
        {
            var now = LslClock.LocalClock();
            _tokens = Math.Min(_ratePerSecond, _tokens + ((now - _last) * _ratePerSecond));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
