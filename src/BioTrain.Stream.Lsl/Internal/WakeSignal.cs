namespace BioTrain.Stream.Lsl.Internal;

/// <summary>
/// An auto-reset signal for one dedicated waiting thread. A set with nobody waiting is one interlocked
/// operation (a pusher may set it per sample); a set while the thread waits wakes it through the kernel at
/// once. Waiting never spins: an idle sender costs no CPU, unlike a thread-pool hop per wake.
/// </summary>
internal sealed class WakeSignal
{
    private const int Idle = 0;
    private const int Signalled = 1;
    private const int Waiting = 2;

    private readonly object _gate = new();
    private int _state;

    public void Set()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Signalled:
                    return;
                case Idle:
                    if (Interlocked.CompareExchange(ref _state, Signalled, Idle) == Idle)
                    {
                        return;
                    }

                    break;
                default:
                    lock (_gate)
                    {
                        // The waiter moved to Waiting under this lock, so it is inside Monitor.Wait now, or it
                        // gave up on its timeout and the stray signal only causes one extra look at its work.
                        Volatile.Write(ref _state, Signalled);
                        Monitor.Pulse(_gate);
                    }

                    return;
            }
        }
    }

    /// <summary>Waits for the next set (or one that came before); false after <paramref name="timeout"/>. One waiter at a time.</summary>
    public bool Wait(TimeSpan timeout)
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signalled) == Signalled)
        {
            return true;
        }

        lock (_gate)
        {
            if (Interlocked.CompareExchange(ref _state, Waiting, Idle) == Signalled)
            {
                Volatile.Write(ref _state, Idle);
                return true;
            }

            while (Volatile.Read(ref _state) == Waiting)
            {
                if (!Monitor.Wait(_gate, timeout))
                {
                    // Timed out, unless a set got in just now.
                    return Interlocked.Exchange(ref _state, Idle) == Signalled;
                }
            }

            Volatile.Write(ref _state, Idle);
            return true;
        }
    }
}
