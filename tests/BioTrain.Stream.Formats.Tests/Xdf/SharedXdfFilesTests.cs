using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Tests.Xdf;

/// <summary>Every XDF file under ../shared/replay-data, checked against its footers and the folder READMEs.</summary>
public class SharedXdfFilesTests
{
    public static TheoryData<string> AllFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(SharedRecordings.Folder, "*.xdf", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(SharedRecordings.Folder, path));
        }
        return data;
    }

    [SharedDataTheory]
    [MemberData(nameof(AllFiles))]
    public void Every_stream_matches_its_footer(string relative)
    {
        var file = XdfReader.Read(SharedRecordings.File(relative));
        // Real recordings are whole. LabRecorder's footers count one sample less, and two bci-essentials
        // runs have no footer for their marker stream (checked with a plain chunk walker): those two kinds only.
        Assert.All(file.Problems, p => Assert.True(p.Kind is XdfProblemKind.FooterSampleCountMismatch or XdfProblemKind.MissingStreamFooter, p.ToString()));
        Assert.NotEmpty(file.Streams);
        foreach (var stream in file.Streams.Where(s => s.Footer is not null))
        {
            Assert.InRange(stream.SampleCount, stream.Footer!.SampleCount!.Value - 1, stream.Footer.SampleCount.Value + 1);
            Assert.Equal(stream.Info.ChannelCount * stream.SampleCount, stream.Data.SampleCount * stream.Data.ChannelCount);
            if (stream.SampleCount > 0)
            {
                Assert.Equal(stream.Footer.FirstTimestamp!.Value, stream.Timestamps[0], 6);
            }
            if (stream.Info.Channels.Count > 0)
            {
                Assert.Equal(stream.Info.ChannelCount, stream.Info.Channels.Count);
            }
        }
    }

    [SharedDataFact]
    public void Minimal_has_int16_eeg_and_string_markers_with_an_xml_sample()
    {
        var file = XdfReader.Read(SharedRecordings.File("xdf-modules-example-files/minimal.xdf"));
        Assert.Empty(file.Problems);
        var eeg = file.FindStream("SendDataC")!;
        Assert.Equal(0u, eeg.StreamId);
        Assert.Equal(XdfChannelFormat.Int16, eeg.Info.ChannelFormat);
        Assert.Equal(3, eeg.Info.ChannelCount);
        Assert.Equal(10, eeg.Info.NominalSrate);
        Assert.Equal(9, eeg.SampleCount);
        var markers = file.FindStream("SendDataString")!;
        Assert.Equal(0x02C0FFEEu, markers.StreamId);
        Assert.Contains("Hello", markers.Data.GetStrings());
        Assert.Contains(markers.Data.GetStrings(), s => s.Contains('<', StringComparison.Ordinal));
        Assert.NotEmpty(eeg.ClockOffsets);
    }

    [SharedDataFact]
    public void Clock_resets_file_reads_and_synchronises_across_the_reset()
    {
        var path = SharedRecordings.File("xdf-modules-example-files/clock_resets.xdf");
        var raw = XdfReader.Read(path);
        var eeg = raw.FindStream("BioSemi")!;
        Assert.Equal(27815, eeg.SampleCount);
        Assert.Equal(8, eeg.Info.ChannelCount);
        Assert.Equal(175, raw.FindStream("MyMarkerStream")!.SampleCount);
        // Raw stamps jump back at the reset; synchronised ones keep going at about 100 Hz.
        Assert.Contains(Enumerable.Range(1, eeg.SampleCount - 1), i => eeg.Timestamps[i] < eeg.Timestamps[i - 1] - 1000);
        // Synchronised stamps never go back: both segments land on the recorder's clock, with the
        // sender's downtime (about 270 s) as a forward gap shared by both streams.
        var synced = XdfReader.Read(path, new XdfReadOptions { ApplyClockOffsets = true });
        var syncedEeg = synced.FindStream("BioSemi")!;
        var steps = Enumerable.Range(1, syncedEeg.SampleCount - 1).Select(i => syncedEeg.Timestamps[i] - syncedEeg.Timestamps[i - 1]).ToArray();
        Assert.True(steps.Min() > -0.1, $"smallest step {steps.Min()}");
        var gapStart = syncedEeg.Timestamps[Array.IndexOf(steps, steps.Max())];
        var gapEnd = gapStart + steps.Max();
        Assert.DoesNotContain(synced.FindStream("MyMarkerStream")!.Timestamps, t => t > gapStart + 1 && t < gapEnd - 1);
        Assert.All(synced.FindStream("MyMarkerStream")!.Timestamps, t => Assert.InRange(t, syncedEeg.Timestamps[0] - 5, syncedEeg.Timestamps[^1] + 5));
    }

    [SharedDataFact]
    public void Empty_streams_file_keeps_its_empty_streams()
    {
        var file = XdfReader.Read(SharedRecordings.File("xdf-modules-example-files/empty_streams.xdf"));
        Assert.Contains(file.Streams, s => s.SampleCount == 0);
        Assert.Contains(file.Streams, s => s.SampleCount > 0);
        Assert.Contains(file.Streams, s => s.Info.ChannelFormat == XdfChannelFormat.Int32);
    }

    [SharedDataFact]
    public void Bci_essentials_run_has_16_channel_eeg_at_256_hz_and_switch_markers()
    {
        var file = XdfReader.Read(SharedRecordings.File("bci-essentials-xdf/July5_AG_sub-P001/sub-P001_ses-S001_task-MISwitch_run-001_eeg.xdf"));
        var eeg = file.Streams.Single(s => s.Info.Type == "EEG");
        Assert.Equal("g.USBamp-1", eeg.Info.Name);
        Assert.Equal(256, eeg.Info.NominalSrate);
        Assert.Equal(["F3", "Fz", "F4", "FC3", "FCz", "FC4", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "CP5", "CP4", "Pz"], eeg.Info.Channels.Select(c => c.Label));
        var markers = file.FindStream("UnityMarkerStream")!.Data.GetStrings();
        Assert.InRange(markers.Count(m => m.StartsWith("switch,3,", StringComparison.Ordinal)), 50, 68);
        Assert.Contains("Trial Started", markers);
    }

    [SharedDataFact]
    public void Muse_files_have_eeg_at_256_hz_with_five_labelled_channels()
    {
        foreach (var path in Directory.EnumerateFiles(SharedRecordings.File("muselsl2-muse-xdf"), "*.xdf", SearchOption.AllDirectories))
        {
            var file = XdfReader.Read(path);
            var eeg = file.Streams.Single(s => s.Info.Type == "EEG");
            Assert.Equal(256, eeg.Info.NominalSrate);
            Assert.Equal(["TP9", "AF7", "AF8", "TP10", "AUX_RIGHT"], eeg.Info.Channels.Select(c => c.Label));
            Assert.InRange(eeg.SampleCount, 1284, 4356);
        }
    }
}
