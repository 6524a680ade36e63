using System.Net.Sockets;

namespace BioTrain.Stream.Device.Diagnostics;

/// <summary>
/// A Unix-socket proxy between a host and a device that damages the bytes in both directions as a
/// <see cref="FaultProfile"/> says; the profile can change while it runs (e.g. to total loss).
/// Faults land at random positions drawn from geometric gaps, seeded, so a run is repeatable.
/// </summary>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private readonly string _upstreamPath;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly List<Task> _pumps = [];
    private FaultProfile _profile;

    public FaultInjectingProxy(string listenPath, string upstreamPath, FaultProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ListenPath = listenPath;
        _upstreamPath = upstreamPath;
        _profile = profile;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(listenPath));
        _listener.Listen(4);
        _accept = Task.Run(AcceptLoopAsync);
    }

    public string ListenPath { get; }

    public FaultCounters Counters { get; } = new();

    public FaultProfile Profile
    {
        get => Volatile.Read(ref _profile);
        set => Volatile.Write(ref _profile, value ?? throw new ArgumentNullException(nameof(value)));
    }

    private async Task AcceptLoopAsync()
    {
        var seed = Profile.Seed;
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
                var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await upstream.ConnectAsync(new UnixDomainSocketEndPoint(_upstreamPath), _stop.Token).ConfigureAwait(false);
                lock (_pumps)
                {
                    _pumps.Add(Task.Run(() => PumpAsync(client, upstream, new Random(seed++))));
                    _pumps.Add(Task.Run(() => PumpAsync(upstream, client, new Random(seed++))));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopping
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Random random)
    {
        var input = new byte[4096];
        var output = new byte[8192];
        var gaps = new FaultGaps(random);
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(input, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                var profile = Profile;
                var produced = gaps.Apply(input.AsSpan(0, n), output, profile, out var corrupted, out var dropped, out var duplicated);
                Counters.Add(n, corrupted, dropped, duplicated);
                if (profile.DelayChance > 0 && random.NextDouble() < profile.DelayChance)
                {
                    Counters.DelayedOnce();
                    await Task.Delay(profile.Delay, _stop.Token).ConfigureAwait(false);
                }

                if (produced > 0)
                {
                    await to.SendAsync(output.AsMemory(0, produced), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            try
            {
                to.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accept.ConfigureAwait(false);
        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps).ConfigureAwait(false);
        File.Delete(ListenPath);
        _stop.Dispose();
    }

    /// <summary>Byte positions of the next fault of each kind, as geometric gaps: O(faults), not O(bytes).</summary>
    private sealed class FaultGaps(Random random)
    {
        private long _position;
        private long _nextCorrupt = -1;
        private long _nextDrop = -1;
        private long _nextDuplicate = -1;
        private double _corruptRate = -1;
        private double _dropRate = -1;
        private double _duplicateRate = -1;

        public int Apply(ReadOnlySpan<byte> input, Span<byte> output, FaultProfile p, out int corrupted, out int dropped, out int duplicated)
        {
            Refresh(p);
            corrupted = dropped = duplicated = 0;
            var o = 0;
            foreach (var original in input)
            {
                var b = original;
                if (_position == _nextCorrupt)
                {
                    b ^= (byte)(1 << random.Next(8));
                    corrupted++;
                    _nextCorrupt = Next(_corruptRate, _position + 1);
                }

                var drop = _position == _nextDrop;
                if (drop)
                {
                    dropped++;
                    _nextDrop = Next(_dropRate, _position + 1);
                }
                else
                {
                    output[o++] = b;
                    if (_position == _nextDuplicate)
                    {
                        output[o++] = b;
                        duplicated++;
                        _nextDuplicate = Next(_duplicateRate, _position + 1);
                    }
                }

                _position++;
            }

            return o;
        }

        private void Refresh(FaultProfile p)
        {
            if (p.CorruptRate != _corruptRate)
            {
                _corruptRate = p.CorruptRate;
                _nextCorrupt = Next(_corruptRate, _position);
            }

            if (p.DropRate != _dropRate)
            {
                _dropRate = p.DropRate;
                _nextDrop = Next(_dropRate, _position);
            }

            if (p.DuplicateRate != _duplicateRate)
            {
                _duplicateRate = p.DuplicateRate;
                _nextDuplicate = Next(_duplicateRate, _position);
            }
        }

        /// <summary>Position of the next fault at or after <paramref name="from"/>; -1 for none.</summary>
        private long Next(double rate, long from)
        {
            if (rate <= 0)
            {
                return -1;
            }

            if (rate >= 1)
            {
                return from;
            }

            return from + (long)Math.Floor(Math.Log(1 - random.NextDouble()) / Math.Log(1 - rate));
        }
    }
}
