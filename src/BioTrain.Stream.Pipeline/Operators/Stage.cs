using System.Reactive.Disposables;
using System.Reactive.Linq;

namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>
/// One subscription of an operator: its state, the buffers it owns, and the observer it feeds.
/// A lock keeps processing and disposal apart, so buffers go back to the pool only when no input is
/// being processed. An exception while processing ends the subscription with OnError.
/// </summary>
internal abstract class Stage<TIn, TOut> : IObserver<TIn>, IDisposable
{
    private readonly Lock _gate = new();
    private bool _stopped;

    protected Stage(IObserver<TOut> downstream) => Downstream = downstream;

    protected IObserver<TOut> Downstream { get; }

    public void OnNext(TIn value)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }
            try
            {
                Process(value);
            }
#pragma warning disable CA1031 // Any failure of an operator ends the stream with that error, as Rx operators do.
            catch (Exception error)
#pragma warning restore CA1031
            {
                Stop();
                Downstream.OnError(error);
            }
        }
    }

    public void OnError(Exception error)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                Stop();
                Downstream.OnError(error);
            }
        }
    }

    public void OnCompleted()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }
            try
            {
                Complete();
            }
#pragma warning disable CA1031 // As in OnNext.
            catch (Exception error)
#pragma warning restore CA1031
            {
                Stop();
                Downstream.OnError(error);
                return;
            }
            Stop();
            Downstream.OnCompleted();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            Stop();
        }
    }

    /// <summary>Handles one input; emits through <see cref="Downstream"/>.</summary>
    protected abstract void Process(TIn value);

    /// <summary>Emits whatever the end of the input completes (most stages have nothing).</summary>
    protected virtual void Complete()
    {
    }

    /// <summary>Returns the stage's pooled buffers.</summary>
    protected virtual void Release()
    {
    }

    private void Stop()
    {
        if (!_stopped)
        {
            _stopped = true;
            Release();
        }
    }
}

/// <summary>Builds operators from stages.</summary>
internal static class StageObservable
{
    public static IObservable<TOut> Through<TIn, TOut>(this IObservable<TIn> source, Func<IObserver<TOut>, Stage<TIn, TOut>> create)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Observable.Create<TOut>(observer =>
        {
            var stage = create(observer);
            var subscription = source.Subscribe(stage);
            return Disposable.Create(() =>
            {
                subscription.Dispose();
                stage.Dispose();
            });
        });
    }
}
