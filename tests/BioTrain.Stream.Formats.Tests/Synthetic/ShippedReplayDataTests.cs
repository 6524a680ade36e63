using BioTrain.Stream.Formats.Synthetic;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Tests.Synthetic;

/// <summary>The XDF files committed in replay-data/ are the generator's default output and read cleanly.</summary>
public class ShippedReplayDataTests
{
    private static readonly string Folder = Path.Combine(RepoPaths.Root, "replay-data");

    [Fact]
    public void Shipped_files_are_the_generated_ones_and_under_2_MiB()
    {
        var files = Directory.GetFiles(Folder, "*.xdf", SearchOption.AllDirectories);
        Assert.Equal(9, files.Length);
        Assert.True(files.Sum(f => new FileInfo(f).Length) < 2 * 1024 * 1024);
        foreach (var recording in ReplayDataGenerator.Recordings(new ReplayDataOptions()))
        {
            var file = XdfReader.Read(Path.Combine(Folder, recording.Modality, recording.Subject + ".xdf"));
            Assert.Empty(file.Problems);
            var signal = file.Streams[0];
            var markers = file.Streams[1];
            Assert.Equal(recording.StreamName, signal.Info.Name);
            Assert.Equal(recording.Channels.Select(c => c.Label), signal.Info.Channels.Select(c => c.Label));
            Assert.Equal(recording.SampleRate, signal.Info.NominalSrate);
            Assert.Equal(recording.SampleCount, signal.SampleCount);
            Assert.Equal("Markers", markers.Info.Type);
            Assert.Equal(recording.Cues.Select(c => c.Label), markers.Data.GetStrings());
            Assert.Equal(recording.Cues.Select(c => c.Time), markers.Timestamps);
            // Regenerating gives the same signal (loosely: another platform's libm may move the last bit).
            var values = signal.Data.GetValues<float>();
            for (var i = 0; i < values.Length; i += 61)
            {
                Assert.Equal(recording.Samples[i], values[i], 0.01f);
            }
        }
    }
}
