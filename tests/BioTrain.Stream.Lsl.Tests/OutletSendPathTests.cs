using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>
/// Which thread sends an outlet's samples, and in how many writes (counted, never timed): a push at a slow
/// pace sends on its own thread and the connection's sender thread sleeps; a socket that is full hands the
/// rest to the sender thread, and a push never waits for it.
/// </summary>
public class OutletSendPathTests
{
    [Fact]
    public async Task Single_samples_at_a_slow_pace_are_sent_by_the_pushing_thread_and_the_sender_thread_sleeps()
    {
        var pair = await TestLsl.OpenPairAsync("Direct");
        using var outlet = pair.Outlet;
        await using var inlet = pair.Inlet;

        const int Samples = 200;
        var (before, after) = await Task.Factory.StartNew(() =>
        {
            var sample = new float[8];
            outlet.PushSample<float>(sample); // once received, the connection's sender is set up
            Assert.NotEqual(0.0, inlet.PullSample<float>(sample, TestLsl.Patience));
            var before = outlet.SendCounts;
            for (var i = 0; i < Samples; i++)
            {
                Thread.Sleep(1); // an acquisition loop's pace
                sample[0] = i;
                outlet.PushSample<float>(sample);
                Assert.NotEqual(0.0, inlet.PullSample<float>(sample, TestLsl.Patience));
                Assert.Equal(i, sample[0]);
            }

            return (before, outlet.SendCounts);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Assert.Equal(Samples, after.PusherSends - before.PusherSends);
        Assert.Equal(Samples, after.Writes - before.Writes);
        Assert.Equal(0, after.SenderWakes - before.SenderWakes);
    }

    [Fact]
    public async Task A_rush_of_single_sample_pushes_goes_out_in_batches_from_the_sender_thread()
    {
        var pair = await TestLsl.OpenPairAsync("Rush");
        using var outlet = pair.Outlet;
        await using var inlet = pair.Inlet;

        const int Samples = 20_000;
        var before = outlet.SendCounts;
        var pulled = Task.Factory.StartNew(() =>
        {
            var data = new float[8 * 1024];
            var stamps = new double[1024];
            var next = 0;
            while (next < Samples)
            {
                var n = inlet.PullChunk<float>(data, stamps, TestLsl.Patience);
                Assert.True(n > 0, $"nothing after sample {next}");
                for (var k = 0; k < n; k++, next++)
                {
                    Assert.Equal(next, data[k * 8]);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var sample = new float[8];
        for (var i = 0; i < Samples; i++)
        {
            sample[0] = i;
            outlet.PushSample<float>(sample);
        }

        await pulled;
        var counts = outlet.SendCounts;

        // One write per push would be 20000; pushes that follow each other closely are sent together.
        Assert.True(counts.Writes - before.Writes < Samples / 4, $"{counts.Writes - before.Writes} writes for {Samples} pushes");
    }

    [Fact]
    public async Task A_peer_that_stops_reading_never_blocks_a_push_and_gets_every_sample_in_order_once_it_reads()
    {
        const int Channels = 64;
        const int Samples = 40_000; // 10.6 MB: more than the socket buffers on both sides can hold
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Stall", "EEG", Channels, 1000, ChannelFormat.Int32, "stall"), config: config);

        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await peer.ConnectAsync(IPAddress.Loopback, outlet.Info.V4DataPort);
        await peer.SendAsync(Encoding.ASCII.GetBytes($"LSL:streamfeed/110 {outlet.Info.Uid}\r\nValue-Size: 4\r\nMax-Buffer-Length: {Samples}\r\n\r\n"));
        using var stream = new NetworkStream(peer);
        var header = await ReadHeaderAsync(stream);
        Assert.StartsWith("LSL/110 200 OK", header, StringComparison.Ordinal);
        var sampleBytes = 1 + 8 + (4 * Channels);
        await stream.ReadExactlyAsync(new byte[2 * sampleBytes], TestLsl.Timeout()); // the two test patterns
        Assert.True(await outlet.WaitForConsumersAsync(TimeSpan.FromSeconds(TestLsl.Patience)));

        // The peer reads nothing now: the socket fills, and the pushes still return (a blocked one would hang here).
        var sample = new int[Channels];
        for (var i = 0; i < Samples; i++)
        {
            sample[0] = i;
            outlet.PushSample<int>(sample, 1000.0 + i);
        }

        Assert.True(outlet.Backlog > 0, "the socket never filled up");

        var received = new byte[sampleBytes];
        for (var i = 0; i < Samples; i++)
        {
            await stream.ReadExactlyAsync(received, TestLsl.Timeout());
            Assert.Equal(2, received[0]); // a timestamp follows
            Assert.Equal(1000.0 + i, BinaryPrimitives.ReadDoubleLittleEndian(received.AsSpan(1)));
            Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(received.AsSpan(9)));
        }

        Assert.Equal(0, outlet.Backlog);
        Assert.True(outlet.SendCounts.SenderWakes > 0, "the sender thread never took over");
    }

    private static async Task<string> ReadHeaderAsync(NetworkStream stream)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        while (!text.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one, TestLsl.Timeout());
            text.Append((char)one[0]);
        }

        return text.ToString();
    }
}
