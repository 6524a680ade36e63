namespace BioTrain.Stream.Device.Scheduling;

/// <summary>
/// The host's copy of the latest preprocessed input (rows x <see cref="Capacity"/> samples,
/// sample-major: two windows, so a prediction that waited for the device still finds its samples),
/// and how much of it the device's ring has. A prediction sends only the samples the device lacks;
/// after the device was restored (its ring starts empty) the next one sends the whole window again.
/// Thread-safe: the pipeline appends, the device's owner takes.
/// </summary>
public sealed class InputMirror
{
    private readonly Lock _gate = new();
    private readonly float[] _ring;
    private long _appended;
    private long _sent;

    public InputMirror(int rows, int windowSamples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSamples, 1);
        Rows = rows;
        Window = windowSamples;
        Capacity = 2 * windowSamples;
        _ring = new float[rows * Capacity];
    }

    public int Rows { get; }

    public int Window { get; }

    /// <summary>Samples held: a window, and as many again for predictions still waiting.</summary>
    public int Capacity { get; }

    /// <summary>Samples appended since the start.</summary>
    public long Appended
    {
        get
        {
            lock (_gate)
            {
                return _appended;
            }
        }
    }

    /// <summary>Samples that never reached the device: older than a window when the next prediction went out.</summary>
    public long Skipped { get; private set; }

    /// <summary>Appends <paramref name="samples"/> (count x rows, sample-major).</summary>
    public void Append(ReadOnlySpan<float> samples)
    {
        if (samples.Length % Rows != 0)
        {
            throw new ArgumentException($"{samples.Length} values are not whole samples of {Rows} rows", nameof(samples));
        }

        lock (_gate)
        {
            var count = samples.Length / Rows;
            if (count > Capacity)
            {
                samples = samples[((count - Capacity) * Rows)..];
                _appended += count - Capacity;
                count = Capacity;
            }

            var at = (int)(_appended % Capacity);
            var first = Math.Min(count, Capacity - at);
            samples[..(first * Rows)].CopyTo(_ring.AsSpan(at * Rows));
            samples[(first * Rows)..].CopyTo(_ring);
            _appended += count;
        }
    }

    /// <summary>The device's ring starts empty (a new connection): the next take sends a whole window.</summary>
    public void DeviceRingLost()
    {
        lock (_gate)
        {
            _sent = 0;
        }
    }

    /// <summary>
    /// Copies the samples the device lacks up to sample <paramref name="end"/> (exclusive) into
    /// <paramref name="destination"/> (room for a window) and marks them sent; returns how many values
    /// it copied, or -1 when that window cannot be made any more: not a whole window yet, already
    /// passed on the device, or its unsent part overwritten here (the device fell a window behind).
    /// </summary>
    public int TakeUnsent(long end, Span<float> destination)
    {
        lock (_gate)
        {
            // The device's ring then holds [end - Window, end): what it lacks, [from, end), must still be here.
            var from = Math.Max(_sent, end - Window);
            if (end > _appended || end < Window || end < _sent || from < _appended - Capacity)
            {
                return -1;
            }

            if (from > _sent)
            {
                Skipped += from - _sent;
            }

            var count = (int)(end - from);
            for (var k = 0; k < count; k++)
            {
                var at = (int)((from + k) % Capacity);
                _ring.AsSpan(at * Rows, Rows).CopyTo(destination[(k * Rows)..]);
            }

            _sent = Math.Max(_sent, end);
            return count * Rows;
        }
    }
}
