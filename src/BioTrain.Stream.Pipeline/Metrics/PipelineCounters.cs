namespace BioTrain.Stream.Pipeline.Metrics;

/// <summary>
/// Counters of one pipeline (one stream), for export (the daemon maps them to Prometheus). Operators
/// given the same instance add to it; reads are safe from any thread while the pipeline runs.
/// Counts only grow; rates and timestamps are gauges.
/// </summary>
public sealed class PipelineCounters
{
    private long _chunksIn;
    private long _samplesIn;
    private long _gaps;
    private long _missingSamples;
    private long _timestampJumpsBack;
    private long _samplesWindowed;
    private long _windows;
    private long _windowsDroppedForGaps;
    private long _markers;
    private long _markersIgnored;
    private long _markersLost;
    private long _epochs;
    private long _epochsDroppedForGaps;
    private long _windowsDroppedForBadInput;
    private long _epochsDroppedForBadInput;
    private long _windowsQueuedForBatches;
    private long _windowsDroppedFromClassQueues;
    private long _batches;
    private long _bridgeWritten;
    private long _bridgeDropped;
    private double _nominalRate;
    private double _firstTimestamp = double.NaN;
    private double _lastTimestamp = double.NaN;

    /// <summary>Chunks that entered the pipeline (counted by <c>TrackStream</c>).</summary>
    public long ChunksIn => Volatile.Read(ref _chunksIn);

    /// <summary>Samples that entered the pipeline (counted by <c>TrackStream</c>).</summary>
    public long SamplesIn => Volatile.Read(ref _samplesIn);

    /// <summary>Gaps seen between consecutive timestamps (see <see cref="GapPolicy"/>).</summary>
    public long Gaps => Volatile.Read(ref _gaps);

    /// <summary>Samples the gaps stand for (from the timestamps and the nominal rate).</summary>
    public long MissingSamples => Volatile.Read(ref _missingSamples);

    /// <summary>Timestamps that went back by more than the tolerance (clock resets).</summary>
    public long TimestampJumpsBack => Volatile.Read(ref _timestampJumpsBack);

    /// <summary>Samples that reached the sliding-window stage (the pipeline's output side).</summary>
    public long SamplesWindowed => Volatile.Read(ref _samplesWindowed);

    /// <summary>Sliding windows emitted.</summary>
    public long Windows => Volatile.Read(ref _windows);

    /// <summary>Sliding windows not emitted because they would have spanned a gap or a jump back.</summary>
    public long WindowsDroppedForGaps => Volatile.Read(ref _windowsDroppedForGaps);

    /// <summary>Markers received by the epoch stage.</summary>
    public long Markers => Volatile.Read(ref _markers);

    /// <summary>Markers whose string maps to no class (not an error: cue streams carry other events too).</summary>
    public long MarkersIgnored => Volatile.Read(ref _markersIgnored);

    /// <summary>Markers with a class whose data was lost: already out of the history, before the stream began, never arrived, or pushed out of a full pending queue.</summary>
    public long MarkersLost => Volatile.Read(ref _markersLost);

    /// <summary>Epochs emitted.</summary>
    public long Epochs => Volatile.Read(ref _epochs);

    /// <summary>Epochs not emitted because their span held a gap or a jump back.</summary>
    public long EpochsDroppedForGaps => Volatile.Read(ref _epochsDroppedForGaps);

    /// <summary>Sliding windows not used because they overlapped bad input (see <c>InputQuality</c>).</summary>
    public long WindowsDroppedForBadInput => Volatile.Read(ref _windowsDroppedForBadInput);

    /// <summary>Epochs not used because they overlapped bad input.</summary>
    public long EpochsDroppedForBadInput => Volatile.Read(ref _epochsDroppedForBadInput);

    /// <summary>Labelled windows taken into the class queues of the batcher.</summary>
    public long WindowsQueuedForBatches => Volatile.Read(ref _windowsQueuedForBatches);

    /// <summary>Labelled windows dropped from a full class queue (the oldest of that class goes).</summary>
    public long WindowsDroppedFromClassQueues => Volatile.Read(ref _windowsDroppedFromClassQueues);

    /// <summary>Class-balanced batches emitted.</summary>
    public long Batches => Volatile.Read(ref _batches);

    /// <summary>Items the bounded bridge accepted.</summary>
    public long BridgeWritten => Volatile.Read(ref _bridgeWritten);

    /// <summary>Items the bounded bridge dropped because its consumer was behind.</summary>
    public long BridgeDropped => Volatile.Read(ref _bridgeDropped);

    /// <summary>The stream's declared rate.</summary>
    public double NominalRate => Volatile.Read(ref _nominalRate);

    /// <summary>
    /// Samples per second of stream time, (samples - 1) / (last - first timestamp): below nominal when
    /// samples go missing, off nominal when the amplifier's clock drifts from the host's. NaN before two samples.
    /// </summary>
    public double EffectiveRate
    {
        get
        {
            var span = Volatile.Read(ref _lastTimestamp) - Volatile.Read(ref _firstTimestamp);
            var samples = SamplesIn;
            return samples > 1 && span > 0 ? (samples - 1) / span : double.NaN;
        }
    }

    internal void AddChunk(int samples, double first, double last, double nominalRate)
    {
        Interlocked.Increment(ref _chunksIn);
        Interlocked.Add(ref _samplesIn, samples);
        Volatile.Write(ref _nominalRate, nominalRate);
        if (double.IsNaN(Volatile.Read(ref _firstTimestamp)))
        {
            Volatile.Write(ref _firstTimestamp, first);
        }
        Volatile.Write(ref _lastTimestamp, last);
    }

    internal void AddGap(long missing)
    {
        Interlocked.Increment(ref _gaps);
        Interlocked.Add(ref _missingSamples, missing);
    }

    internal void AddJumpBack() => Interlocked.Increment(ref _timestampJumpsBack);

    internal void AddSamplesWindowed(int samples) => Interlocked.Add(ref _samplesWindowed, samples);

    internal void AddWindow() => Interlocked.Increment(ref _windows);

    internal void AddWindowDroppedForGap() => Interlocked.Increment(ref _windowsDroppedForGaps);

    internal void AddMarker() => Interlocked.Increment(ref _markers);

    internal void AddMarkerIgnored() => Interlocked.Increment(ref _markersIgnored);

    internal void AddMarkerLost() => Interlocked.Increment(ref _markersLost);

    internal void AddEpoch() => Interlocked.Increment(ref _epochs);

    internal void AddEpochDroppedForGap() => Interlocked.Increment(ref _epochsDroppedForGaps);

    /// <summary>Counts a window its consumer dropped for bad input.</summary>
    public void AddWindowDroppedForBadInput() => Interlocked.Increment(ref _windowsDroppedForBadInput);

    /// <summary>Counts an epoch its consumer dropped for bad input.</summary>
    public void AddEpochDroppedForBadInput() => Interlocked.Increment(ref _epochsDroppedForBadInput);

    internal void AddQueuedForBatch() => Interlocked.Increment(ref _windowsQueuedForBatches);

    internal void AddDroppedFromClassQueue() => Interlocked.Increment(ref _windowsDroppedFromClassQueues);

    internal void AddBatch() => Interlocked.Increment(ref _batches);

    internal void AddBridgeWritten() => Interlocked.Increment(ref _bridgeWritten);

    internal void AddBridgeDropped() => Interlocked.Increment(ref _bridgeDropped);

    /// <summary>Every figure by name (Prometheus-style snake case), for export and printing.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Snapshot() =>
    [
        new("chunks_in", ChunksIn),
        new("samples_in", SamplesIn),
        new("gaps", Gaps),
        new("missing_samples", MissingSamples),
        new("timestamp_jumps_back", TimestampJumpsBack),
        new("samples_windowed", SamplesWindowed),
        new("windows", Windows),
        new("windows_dropped_for_gaps", WindowsDroppedForGaps),
        new("markers", Markers),
        new("markers_ignored", MarkersIgnored),
        new("markers_lost", MarkersLost),
        new("epochs", Epochs),
        new("epochs_dropped_for_gaps", EpochsDroppedForGaps),
        new("windows_dropped_for_bad_input", WindowsDroppedForBadInput),
        new("epochs_dropped_for_bad_input", EpochsDroppedForBadInput),
        new("windows_queued_for_batches", WindowsQueuedForBatches),
        new("windows_dropped_from_class_queues", WindowsDroppedFromClassQueues),
        new("batches", Batches),
        new("bridge_written", BridgeWritten),
        new("bridge_dropped", BridgeDropped),
        new("nominal_rate_hz", NominalRate),
        new("effective_rate_hz", EffectiveRate),
    ];
}
