namespace BioTrain.Stream.Lsl.Tests;

/// <summary>Push and pull do not allocate per sample once warm (counted bytes, not time).</summary>
public class HotPathAllocationTests
{
    [Fact]
    public async Task Push_and_pull_of_numeric_samples_allocate_nothing_per_sample()
    {
        var pair = await TestLsl.OpenPairAsync("Alloc");
        using var outlet = pair.Outlet;
        await using var inlet = pair.Inlet;

        const int Samples = 2000;
        var sample = new float[8];
        var chunk = new float[8 * 32];
        var stamps = new double[32];
        var pushBytes = await Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < Samples; i++)
            {
                outlet.PushSample<float>(sample);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Samples; i++)
            {
                outlet.PushSample<float>(sample);
                outlet.PushChunk<float>(chunk);

                // Paced so the ring does not have to grow (growth is a one-off, not a per-sample cost).
                while (outlet.Backlog > 512)
                {
                    Thread.Yield();
                }
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }, TaskCreationOptions.LongRunning);

        var pullBytes = await Task.Factory.StartNew(() =>
        {
            var received = 0;
            var data = new float[8 * 32];
            while (received < Samples)
            {
                received += inlet.PullChunk<float>(data, stamps, TestLsl.Patience);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            var deadline = DateTime.UtcNow.AddSeconds(TestLsl.Patience);
            while (received < Samples * 34 && DateTime.UtcNow < deadline)
            {
                received += inlet.PullSample<float>(sample, 0.0) != 0 ? 1 : 0;
                received += inlet.PullChunk<float>(data, stamps, 0.01);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }, TaskCreationOptions.LongRunning);

        // The thread pool's work queue may grow a segment now and then: well under a byte per sample.
        Assert.True(pushBytes < Samples * 33 / 10, $"{pushBytes} bytes for {Samples * 33} pushed samples");
        Assert.True(pullBytes < Samples * 33 / 10, $"{pullBytes} bytes for the pulled samples");
    }
}
