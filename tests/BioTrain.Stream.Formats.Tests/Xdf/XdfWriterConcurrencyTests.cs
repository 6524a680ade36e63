using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Tests.Xdf;

public sealed class XdfWriterConcurrencyTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"biotrain-concurrent-{Guid.NewGuid():N}.xdf");

    [Fact]
    public async Task Writers_on_several_threads_and_a_completion_from_another_leave_a_valid_file()
    {
        using var writer = XdfWriter.Create(_path);
        for (uint id = 1; id <= 3; id++)
        {
            writer.AddStream(id, new XdfStreamInfo { Name = $"s{id}", ChannelCount = 4, ChannelFormat = XdfChannelFormat.Float32, NominalSrate = 100 });
        }
        using var started = new CountdownEvent(3);
        var producers = Enumerable.Range(1, 3).Select(id => Task.Run(() =>
        {
            var values = new float[40];
            var written = 0;
            started.Signal();
            try
            {
                for (var chunk = 0; chunk < 100_000; chunk++)
                {
                    var timestamps = Enumerable.Range(0, 10).Select(i => (written + i) / 100.0).ToArray();
                    writer.WriteSamples((uint)id, timestamps, values);
                    written += 10;
                    if (chunk % 10 == 0)
                    {
                        writer.WriteBoundary();
                    }
                }
            }
            catch (InvalidOperationException)
            {
                // Completed under us, as after SIGINT: the producer stops.
            }
            return written;
        })).ToArray();
        started.Wait();
        await Task.Delay(50);
        writer.Complete();
        var written = await Task.WhenAll(producers);

        // The file is complete while the writer is still open (a reader shares it).
        var file = XdfReader.Read(_path);
        Assert.Empty(file.Problems);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(written[i], file.Streams[i].SampleCount);
            Assert.Equal(written[i], file.Streams[i].Footer!.SampleCount);
        }
    }

    [Fact]
    public void A_recording_in_progress_can_be_read_after_a_flush()
    {
        using var writer = XdfWriter.Create(_path);
        writer.AddStream(1, new XdfStreamInfo { Name = "live", ChannelCount = 1, ChannelFormat = XdfChannelFormat.Int32, NominalSrate = 10 });
        writer.WriteSamples(1, [1.0, 1.1, 1.2], [1, 2, 3]);
        writer.Flush();
        var file = XdfReader.Read(_path);
        Assert.Equal([1, 2, 3], file.Streams[0].Data.GetValues<int>());
        Assert.Equal(XdfProblemKind.MissingStreamFooter, Assert.Single(file.Problems).Kind);
    }

    public void Dispose() => File.Delete(_path);
}
