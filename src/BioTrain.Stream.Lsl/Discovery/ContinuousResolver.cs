using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Discovery;

/// <summary>
/// Keeps discovering in the background; <see cref="Results"/> lists the streams seen within the last
/// <c>forgetAfter</c> seconds, de-duplicated by uid.
/// </summary>
public sealed class ContinuousResolver : IAsyncDisposable, IDisposable
{
    private readonly ResolveSession _session;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private readonly Task _waves;
    private readonly double _forgetAfter;

    /// <param name="predicate">An XPath predicate, or empty for all streams of the session.</param>
    public ContinuousResolver(string predicate = "", double forgetAfter = 5.0, LslConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        config ??= LslConfig.Load();
        _forgetAfter = forgetAfter;
        _session = new ResolveSession(config, StreamResolver.Query(config, predicate));
        _receiving = _session.ReceiveAsync(_stop.Token);
        _waves = SendWavesAsync(config, _stop.Token);
    }

    public IReadOnlyList<StreamInfo> Results() => _session.Results(_forgetAfter);

    private async Task SendWavesAsync(LslConfig config, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await _session.SendWaveAsync(ct).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(config.MulticastMinRtt + config.ContinuousResolveInterval), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_receiving, _waves).ConfigureAwait(false);
        _session.Dispose();
        _stop.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
