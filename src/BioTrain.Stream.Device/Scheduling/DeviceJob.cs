using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Device.Scheduling;

/// <summary>
/// Work a <see cref="SessionDevice"/> runs in the gaps between predictions, one device request at a
/// time, so that a due prediction never waits for more than one request.
/// </summary>
public abstract class DeviceJob
{
    /// <summary>Does one request's worth of work; true when the job is done.</summary>
    public abstract Task<bool> StepAsync(ResilientDevice device, CancellationToken cancellationToken);

    /// <summary>The device was lost in the middle of a step: a batch it had open is gone and starts again.</summary>
    public virtual void DeviceLost()
    {
    }

    internal abstract void Finish();

    internal abstract void Fail(Exception error);
}

/// <summary>A job with a result, awaited by whoever queued it.</summary>
public abstract class DeviceJob<T> : DeviceJob
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Completion => _done.Task;

    /// <summary>The result, once <see cref="DeviceJob.StepAsync"/> said the job is done.</summary>
    protected abstract T Result { get; }

    internal override void Finish() => _done.TrySetResult(Result);

    internal override void Fail(Exception error) => _done.TrySetException(error);
}

/// <summary>One operation that is a single step (load a model, read or write weights, statistics).</summary>
public sealed class SingleStepJob<T> : DeviceJob<T>
{
    private readonly Func<ResilientDevice, CancellationToken, Task<T>> _operation;
    private T? _result;

    public SingleStepJob(Func<ResilientDevice, CancellationToken, Task<T>> operation) => _operation = operation;

    protected override T Result => _result!;

    public override async Task<bool> StepAsync(ResilientDevice device, CancellationToken cancellationToken)
    {
        _result = await _operation(device, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
