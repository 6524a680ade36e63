using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>The rehearsal pool stays bounded however long a session adapts (the 30-minute soak found it growing ~70 MB/h).</summary>
public class RehearsalPoolTests
{
    [Fact]
    public void Offered_epochs_beyond_the_capacity_keep_the_pool_at_its_size_and_a_uniform_sample()
    {
        const int Capacity = 100;
        var pool = new CalibrationSet();
        for (var i = 0; i < 40; i++)
        {
            pool.Add(new LabelledSample(new float[] { i }, 0), i); // calibration epochs
        }

        var random = new Random(1);
        for (var i = 40; i < 10_000; i++)
        {
            pool.Offer(new LabelledSample(new float[] { i }, 0), Capacity, random);
        }

        var kept = pool.Snapshot().Select(s => s.Values.Span[0]).ToArray();
        Assert.Equal(Capacity, kept.Length);
        Assert.Equal(kept.Length, kept.Distinct().Count());

        // Uniform over all 10,000 offered: about half the kept epochs come from the later half (binomial, sd 5).
        var late = kept.Count(v => v >= 5_000);
        Assert.InRange(late, 30, 70);
    }
}
