using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>
/// Estimates the clock offset to an outlet over UDP: rounds of probes to its service port every
/// TimeUpdateInterval; from the probe with the smallest round-trip time, correction = local − remote.
/// </summary>
internal sealed class TimeCorrectionClient : IAsyncDisposable
{
    private readonly LslConfig _config;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _sync = new();
    private readonly List<(double Rtt, double Offset, double Remote)> _probes = [];
    private TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IPEndPoint _target;
    private int _wave;
    private Task? _loop;
    private Task? _receive;

    public TimeCorrectionClient(IPEndPoint target, LslConfig config)
    {
        _target = target;
        _config = config;
        _socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (target.AddressFamily == AddressFamily.InterNetworkV6)
        {
            _socket.DualMode = false;
        }

        var local = IPAddress.IsLoopback(target.Address) ? target.Address.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback
            : target.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
        _socket.Bind(new IPEndPoint(local, 0));
    }

    public double Correction { get; private set; }

    public double Uncertainty { get; private set; } = double.PositiveInfinity;

    public double RemoteTime { get; private set; }

    public bool HasEstimate { get; private set; }

    public void Start()
    {
        lock (_sync)
        {
            if (_loop is not null)
            {
                return;
            }

            _receive = ReceiveAsync(_stop.Token);
            _loop = RunAsync(_stop.Token);
        }
    }

    /// <summary>Forget the estimate, e.g. after the inlet switched to a restarted outlet.</summary>
    public void Reset(IPEndPoint target)
    {
        lock (_sync)
        {
            _target = target;
            HasEstimate = false;
            Uncertainty = double.PositiveInfinity;
            if (_first.Task.IsCompleted)
            {
                _first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Waits for the first estimate of the current outlet.</summary>
    public async Task<double> GetAsync(TimeSpan timeout, CancellationToken ct)
    {
        Start();
        Task first;
        lock (_sync)
        {
            first = _first.Task;
        }

        try
        {
            await first.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new LslTimeoutException("no time-correction estimate within the timeout", e);
        }

        return Correction;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await RoundAsync(ct).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.01, _config.TimeUpdateInterval - RoundDuration)), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private double RoundDuration => _config.TimeProbeMaxRtt + (_config.TimeProbeInterval * _config.TimeProbeCount);

    private async Task RoundAsync(CancellationToken ct)
    {
        IPEndPoint target;
        lock (_sync)
        {
            _wave = Random.Shared.Next();
            _probes.Clear();
            target = _target;
        }

        var wave = _wave;
        for (var i = 0; i < _config.TimeProbeCount; i++)
        {
            try
            {
                await _socket.SendToAsync(TimeDataPacket.FormatRequest(wave, LslClock.LocalClock()), SocketFlags.None, target, ct).ConfigureAwait(false);
            }
            catch (SocketException)
            {
            }

            await Task.Delay(TimeSpan.FromSeconds(_config.TimeProbeInterval), ct).ConfigureAwait(false);
        }

        await Task.Delay(TimeSpan.FromSeconds(_config.TimeProbeMaxRtt), ct).ConfigureAwait(false);
        lock (_sync)
        {
            if (_probes.Count >= Math.Min(_config.TimeUpdateMinProbes, _config.TimeProbeCount))
            {
                var best = _probes.MinBy(p => p.Rtt);
                Correction = -best.Offset;
                Uncertainty = best.Rtt;
                RemoteTime = best.Remote;
                HasEstimate = true;
                _first.TrySetResult();
            }
        }
    }

    private Task ReceiveAsync(CancellationToken ct) =>
        Internal.UdpReceiveLoop.RunAsync(_socket, 1024, (datagram, _) =>
        {
            Accept(datagram.Packet.Span, datagram.Arrival);
            return ValueTask.CompletedTask;
        }, ct);

    private void Accept(ReadOnlySpan<byte> packet, double t3)
    {
        if (!TimeDataPacket.TryParseReply(packet, out var wave, out var t0, out var t1, out var t2))
        {
            return;
        }

        lock (_sync)
        {
            if (wave != _wave || _probes.Count >= 1024)
            {
                return;
            }

            var rtt = (t3 - t0) - (t2 - t1);
            var offset = ((t1 - t0) + (t2 - t3)) / 2;
            _probes.Add((rtt, offset, (t2 + t1) / 2));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_receive is not null)
        {
            await _receive.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
