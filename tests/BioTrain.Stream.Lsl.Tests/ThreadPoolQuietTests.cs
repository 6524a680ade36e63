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

    // Idle, other tests' leftovers still finish (their 20 s hang-guard timers fire on the pool): 8-22 seen.
    // A 20 ms polling loop would make 75.
    private const long IdleBound = 50;

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
            before = ThreadPool.CompletedWorkItemCount;
            Thread.Sleep(1500);
            idle = ThreadPool.CompletedWorkItemCount - before;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        output.WriteLine($"work items: {busy} for {Samples} samples, {idle} idle");
        Assert.True(busy <= Bound, $"{busy} thread-pool work items for {Samples} samples pushed and pulled");
        Assert.True(idle <= IdleBound, $"{idle} thread-pool work items in 1.5 s of idling");
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
