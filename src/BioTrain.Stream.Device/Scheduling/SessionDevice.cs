using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Device.Scheduling;

/// <summary>How a <see cref="SessionDevice"/> sends input and serves predictions.</summary>
public sealed record SessionDeviceOptions
{
    /// <summary>How new samples travel to the device's ring (SPEC.md 3.14).</summary>
    public SampleFormat Format { get; init; } = SampleFormat.Binary32;

    /// <summary>Standardise each row of the window on the device (the per-window z-score), SPEC.md 3.15.</summary>
    public bool Standardise { get; init; }

    /// <summary>
    /// A prediction not served within this many seconds of its last input sample's arrival is
    /// dropped and counted, never served stale. Its samples still go to the device with the next one.
    /// </summary>
    public double DeadlineSeconds { get; init; } = 1.0;

    /// <summary>Predictions waiting at most; beyond, the oldest is dropped (and counted).</summary>
    public int MaxPending { get; init; } = 64;

    /// <summary>Consecutive device losses a job survives (each restarts its open batch) before it fails.</summary>
    public int MaxJobRetries { get; init; } = 3;

    /// <summary>The clock of request times (the session passes LSL's local clock), in seconds.</summary>
    public Func<double> Clock { get; init; } = () => System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency;
}

/// <summary>A prediction to make: the window that ends with input sample <see cref="EndSample"/> (exclusive), stamped with its last sample's time.</summary>
/// <param name="EndSample">Samples appended to the <see cref="InputMirror"/> when the window was complete.</param>
/// <param name="Timestamp">The last sample's timestamp (the stream's time, clock-corrected).</param>
/// <param name="ArrivedAt">When that sample arrived on this host, on the options' clock.</param>
public readonly record struct PredictionRequest(long EndSample, double Timestamp, double ArrivedAt);

/// <summary>
/// A prediction served: the device's answer, the time the device took, when it was back here, and
/// the frame bytes it cost on the link both ways (the new samples, the request and the answer).
/// </summary>
public sealed record ServedPrediction(PredictionRequest Request, PredictionReply Reply, double DeviceSeconds, double CompletedAt, long LinkBytes);

/// <summary>
/// The one owner of a session's device. It serves the predictions that are due first and then one
/// request of the current job (training, evaluation, weights), so a due prediction waits for at most
/// one request and a job still progresses under any load of predictions: with the interleaving of
/// SPEC.md 3.15, a training batch goes on around them. A prediction older than its deadline is
/// dropped, never served stale. Nothing else talks to the device.
/// </summary>
public sealed class SessionDevice : IDisposable
{
    private readonly ResilientDevice _device;
    private readonly SessionDeviceOptions _options;
    private readonly Action<ServedPrediction> _publish;
    private readonly Lock _gate = new();
    private readonly Queue<PredictionRequest> _predictions = new();
    private readonly Queue<DeviceJob> _jobs = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly float[] _scratch;
    private DeviceJob? _current;
    private int _jobRetries;
    private int _ringGeneration = -1;
    private long _served;
    private long _expired;
    private long _unavailable;
    private long _overflowed;
    private long _failed;

    public SessionDevice(ResilientDevice device, InputMirror input, SessionDeviceOptions options, Action<ServedPrediction> served)
    {
        ArgumentNullException.ThrowIfNull(input);
        _device = device ?? throw new ArgumentNullException(nameof(device));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _publish = served ?? throw new ArgumentNullException(nameof(served));
        Input = input;
        _scratch = new float[input.Rows * input.Window];
    }

    public ResilientDevice Device => _device;

    /// <summary>Raised on the owner's thread when a prediction failed on the device (lost with it, or refused).</summary>
    public event Action<PredictionRequest, DeviceException>? PredictionFailed;

    public InputMirror Input { get; }

    public long PredictionsServed => Interlocked.Read(ref _served);

    /// <summary>Dropped for their deadline (the device was busy with one request for too long, or lost).</summary>
    public long PredictionsExpired => Interlocked.Read(ref _expired);

    /// <summary>
    /// Dropped because their window could not be made any more: its new samples were overwritten on
    /// the host (the device fell more than a window behind) or the device's ring had moved past it.
    /// </summary>
    public long PredictionsUnavailable => Interlocked.Read(ref _unavailable);

    /// <summary>Dropped because <see cref="SessionDeviceOptions.MaxPending"/> were already waiting.</summary>
    public long PredictionsOverflowed => Interlocked.Read(ref _overflowed);

    /// <summary>Refused by the device or lost with it.</summary>
    public long PredictionsFailed => Interlocked.Read(ref _failed);

    /// <summary>Asks for the window ending with the latest input sample; served by the owner loop, first.</summary>
    public void RequestPrediction(PredictionRequest request)
    {
        lock (_gate)
        {
            if (_predictions.Count >= _options.MaxPending)
            {
                _predictions.Dequeue();
                Interlocked.Increment(ref _overflowed);
            }

            _predictions.Enqueue(request);
        }

        _wake.Release();
    }

    /// <summary>Queues a job behind the ones already waiting; it runs in the gaps between predictions.</summary>
    public Task<T> Enqueue<T>(DeviceJob<T> job)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (_gate)
        {
            _jobs.Enqueue(job);
        }

        _wake.Release();
        return job.Completion;
    }

    /// <summary>A single device operation (load, weights, statistics), queued as a one-step job.</summary>
    public Task<T> RunAsync<T>(Func<ResilientDevice, CancellationToken, Task<T>> operation) => Enqueue(new SingleStepJob<T>(operation));

    /// <summary>The owner loop: runs until cancelled; jobs still queued then fail with the cancellation.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Every prediction due now first; then one request of the current job, so a job
                // progresses even when predictions keep coming faster than the device answers them.
                var due = PendingPredictions();
                for (var i = 0; i < due && TryTakePrediction(out var request); i++)
                {
                    await ServeAsync(request, cancellationToken).ConfigureAwait(false);
                }

                if (_current is null)
                {
                    lock (_gate)
                    {
                        _jobs.TryDequeue(out _current);
                    }
                }

                if (_current is not null)
                {
                    await StepAsync(_current, cancellationToken).ConfigureAwait(false);
                }
                else if (due == 0)
                {
                    await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            var stopped = new OperationCanceledException("the session's device owner stopped", cancellationToken);
            _current?.Fail(stopped);
            _current = null;
            lock (_gate)
            {
                while (_jobs.TryDequeue(out var job))
                {
                    job.Fail(stopped);
                }
            }
        }
    }

    public void Dispose() => _wake.Dispose();

    private int PendingPredictions()
    {
        lock (_gate)
        {
            return _predictions.Count;
        }
    }

    private bool TryTakePrediction(out PredictionRequest request)
    {
        lock (_gate)
        {
            return _predictions.TryDequeue(out request);
        }
    }

    private async Task ServeAsync(PredictionRequest request, CancellationToken ct)
    {
        if (_options.Clock() - request.ArrivedAt > _options.DeadlineSeconds)
        {
            Interlocked.Increment(ref _expired);
            return;
        }

        try
        {
            await _device.SessionAsync(ct).ConfigureAwait(false);
            if (_device.Generation != _ringGeneration)
            {
                Input.DeviceRingLost(); // a new connection: the device's ring is empty
                _ringGeneration = _device.Generation;
            }

            var values = Input.TakeUnsent(request.EndSample, _scratch);
            if (values < 0)
            {
                Interlocked.Increment(ref _unavailable);
                return;
            }

            var link = _device.Connection?.Client.Counters;
            var bytesBefore = link is null ? 0 : link.BytesSent + link.BytesReceived;
            var start = _options.Clock();
            var reply = await _device.PredictAsync(_scratch.AsMemory(0, values), Input.Rows, _options.Format, _options.Standardise, ct).ConfigureAwait(false);
            var end = _options.Clock();
            var bytes = link is null ? 0 : link.BytesSent + link.BytesReceived - bytesBefore;
            Interlocked.Increment(ref _served);
            _publish(new ServedPrediction(request, reply, end - start, end, bytes));
        }
        catch (DeviceException e)
        {
            // Lost with the device, or refused (then the ring's state is unknown): send a whole window next time.
            Input.DeviceRingLost();
            Interlocked.Increment(ref _failed);
            PredictionFailed?.Invoke(request, e);
        }
    }

    private async Task StepAsync(DeviceJob job, CancellationToken ct)
    {
        try
        {
            if (await job.StepAsync(_device, ct).ConfigureAwait(false))
            {
                job.Finish();
                _current = null;
            }

            _jobRetries = 0;
        }
        catch (DeviceLostException e)
        {
            job.DeviceLost();
            if (++_jobRetries > _options.MaxJobRetries)
            {
                job.Fail(e);
                _current = null;
                _jobRetries = 0;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // a job's failure belongs to whoever awaits it; the owner goes on serving predictions
        catch (Exception e)
#pragma warning restore CA1031
        {
            job.Fail(e);
            _current = null;
            _jobRetries = 0;
        }
    }
}
