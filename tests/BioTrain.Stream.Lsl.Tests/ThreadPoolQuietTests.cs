using Xunit.Abstractions;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>
/// A connected outlet and inlet move samples on their own threads: no thread-pool work item per sample
/// and none while idle (every pool hop wakes, and spins, a pool worker: the CPU a daemon must not spend).
/// Counted with <see cref="ThreadPool.CompletedWorkItemCount"/>, never timed.
/// </summary>
[Collection(RunsAlone.Name)]
public class ThreadPoolQuietTests(ITestOutputHelper output)
{
    private const int Samples = 300;

    // Room for the runtime's own timers and the test framework; a pool hop per sample would be >= 300.
    private const long Bound = 30;

    // Idle, per 0.5 s window: other tests' leftovers still finish (hang-guard timers, and on a loaded
    // machine bursts of thousands from tests that ended late), so the quietest of four windows counts:
    // a periodic loop of ours would show in every window (a 20 ms poll: 25 per window).
    private const long IdleBound = 15;
    private const int IdleWindows = 4;

    [Fact]
    public async Task Pushing_and_pulling_single_samples_queues_no_thread_pool_work_per_sample()
    {
        var pair = await TestLsl.OpenPairAsync("Quiet");
        using var outlet = pair.Outlet;
        await using var inlet = pair.Inlet;

        long busy = 0;
        long idle = 0;
        await Task.Factory.StartNew(() =>
        {
            var sample = new float[8];
            PushPull(outlet, inlet, sample, 50); // warm-up: buffers, JIT

            var before = ThreadPool.CompletedWorkItemCount;
            PushPull(outlet, inlet, sample, Samples);
            busy = ThreadPool.CompletedWorkItemCount - before;

            // Idle: connected, nothing pushed. The inlet's watchdog (1 s in tests) only polls its socket.
            idle = long.MaxValue;
            for (var w = 0; w < IdleWindows; w++)
            {
                before = ThreadPool.CompletedWorkItemCount;
                Thread.Sleep(500);
                idle = Math.Min(idle, ThreadPool.CompletedWorkItemCount - before);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        output.WriteLine($"work items: {busy} for {Samples} samples, {idle} in the quietest idle 0.5 s");
        Assert.True(busy <= Bound, $"{busy} thread-pool work items for {Samples} samples pushed and pulled");
        Assert.True(idle <= IdleBound, $"{idle} thread-pool work items in the quietest 0.5 s of idling");
    }

    private static void PushPull(StreamOutlet outlet, StreamInlet inlet, float[] sample, int count)
    {
        for (var i = 0; i < count; i++)
        {
            sample[0] = i;
            outlet.PushSample<float>(sample);
            Assert.NotEqual(0.0, inlet.PullSample<float>(sample, TestLsl.Patience));
        }
    }
}
