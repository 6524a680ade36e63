using System.Threading.Tasks.Sources;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>
/// An auto-reset signal for a single waiter that allocates nothing per wait or per wake: a set before
/// the wait completes it at once; a set during the wait queues the waiter's continuation on the thread
/// pool with this object as the work item (so the setter, a pushing thread, never runs the waiter's code
/// and no callback object is allocated). Execution context is not flowed; callers await with
/// ConfigureAwait(false).
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource, IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Signalled = 1;
    private const int Waiting = 2;

    private readonly Lock _gate = new();
    private int _state;
    private short _version;
    private bool _completed;
    private Action<object?>? _continuation;
    private object? _continuationState;

    /// <summary>Wakes the waiter (its continuation runs on the thread pool).</summary>
    public void Set()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Signalled)
            {
                return;
            }

            if (state == Idle)
            {
                if (Interlocked.CompareExchange(ref _state, Signalled, Idle) == Idle)
                {
                    return;
                }
            }
            else if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            {
                Complete();
                return;
            }
        }
    }

    /// <summary>Waits for the next <see cref="Set"/>. Only one caller may wait at a time.</summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signalled) == Signalled)
        {
            return ValueTask.CompletedTask;
        }

        lock (_gate)
        {
            _version++;
            _completed = false;
            _continuation = null;
            _continuationState = null;
        }

        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Idle)
        {
            return new ValueTask(this, _version);
        }

        // Set between the two exchanges: consume it.
        Interlocked.Exchange(ref _state, Idle);
        return ValueTask.CompletedTask;
    }

    private void Complete()
    {
        bool schedule;
        lock (_gate)
        {
            _completed = true;
            schedule = _continuation is not null;
        }

        if (!schedule)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        Action<object?>? continuation;
        object? state;
        lock (_gate)
        {
            continuation = _continuation;
            state = _continuationState;
            _continuation = null;
            _continuationState = null;
        }

        continuation?.Invoke(state);
    }

    void IValueTaskSource.GetResult(short token)
    {
        if (token != _version)
        {
            throw new InvalidOperationException("the signal was awaited twice");
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token)
    {
        lock (_gate)
        {
            return token == _version && !_completed ? ValueTaskSourceStatus.Pending : ValueTaskSourceStatus.Succeeded;
        }
    }

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        bool runNow;
        lock (_gate)
        {
            runNow = _completed || token != _version;
            if (!runNow)
            {
                _continuation = continuation;
                _continuationState = state;
            }
        }

        if (runNow)
        {
            ThreadPool.UnsafeQueueUserWorkItem(continuation, state, preferLocal: false);
        }
    }
}
