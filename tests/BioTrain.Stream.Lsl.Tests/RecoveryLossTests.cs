using Xunit.Abstractions;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>
/// An outlet is killed and restarted with the same source_id while a source keeps producing at 250 Hz:
/// the inlet must pick up the new outlet within 0.25 s of data. Samples lost are counted, not timed.
/// Runs alone: discovery runs on the thread pool, which other tests' blocking disposals can starve.
/// </summary>
[Collection(RunsAlone.Name)]
public class RecoveryLossTests(ITestOutputHelper output)
{
    private const double Rate = 250;
    private const int Total = 750;
    private const int RestartAt = 300;

    [Fact]
    public async Task A_restarted_outlet_costs_at_most_a_quarter_second_of_samples()
    {
        // liblsl's recovery timings, not the shortened ones of the other tests.
        var config = TestLsl.NewConfig() with { RecoveryDelay = new LslConfig().RecoveryDelay, MulticastMinRtt = new LslConfig().MulticastMinRtt };
        var info = new StreamInfo("Restart", "EEG", 1, Rate, ChannelFormat.Float32, "restart-src");
        var outlet = new StreamOutlet(info, config: config);
        try
        {
            var found = await StreamResolver.ResolveByPropertyAsync("source_id", "restart-src", 1, TestLsl.Patience, config, TestLsl.Timeout());
            await using var inlet = new StreamInlet(Assert.Single(found), config: config);
            await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
            Assert.True(await outlet.WaitForConsumersAsync(TimeSpan.FromSeconds(TestLsl.Patience)));

            var received = new HashSet<int>();
            var puller = Task.Factory.StartNew(() =>
            {
                var sample = new float[1];
                var deadline = DateTime.UtcNow.AddSeconds(TestLsl.Patience);
                while (DateTime.UtcNow < deadline && !received.Contains(Total - 1))
                {
                    if (inlet.PullSample<float>(sample, 0.2) != 0.0)
                    {
                        received.Add((int)sample[0]);
                    }
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            // The source and the puller on threads of their own, awaited rather than joined: a blocked
            // pool thread would starve the pool that discovery runs on: one sample per 4 ms; at RestartAt the outlet "dies" and comes back at once.
            var source = Task.Factory.StartNew(() =>
            {
                var value = new float[1];
                for (var i = 0; i < Total; i++)
                {
                    if (i == RestartAt)
                    {
                        outlet.Dispose();
                        outlet = new StreamOutlet(info, config: config);
                    }

                    value[0] = i;
                    outlet.PushSample<float>(value);
                    Thread.Sleep(TimeSpan.FromSeconds(1 / Rate));
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await source;
            await puller;
            var lost = Total - received.Count;
            output.WriteLine($"lost {lost} of {Total} samples over the restart");
            Assert.True(lost <= Rate / 4, $"{lost} samples lost over the restart (at most {Rate / 4} allowed)");
            Assert.Equal(1, inlet.LostCount);
            Assert.Equal(outlet.Info.Uid, inlet.Info.Uid);
        }
        finally
        {
            outlet.Dispose();
        }
    }
}
