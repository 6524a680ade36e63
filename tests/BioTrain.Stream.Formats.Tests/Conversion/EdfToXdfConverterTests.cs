using BioTrain.Stream.Formats.Conversion;
using BioTrain.Stream.Formats.Edf;
using BioTrain.Stream.Formats.Tests.Support;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Tests.Conversion;

public sealed class EdfToXdfConverterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("biotrain-convert-").FullName;

    [SharedDataFact]
    public async Task Physionet_run_becomes_one_eeg_stream_and_a_marker_stream()
    {
        var input = SharedRecordings.File("eegmmidb-physionet-S001/S001/S001R04.edf");
        var output = Path.Combine(_directory, "S001R04.xdf");
        var summary = await EdfToXdfConverter.ConvertFileAsync(input, output);

        var edf = EdfReader.Read(input);
        var xdf = await XdfReader.ReadAsync(output);
        Assert.Empty(xdf.Problems);
        Assert.Equal(2, summary.Count);
        var eeg = xdf.FindStream("S001R04")!;
        Assert.Equal("EEG", eeg.Info.Type);
        Assert.Equal(160, eeg.Info.NominalSrate);
        Assert.Equal(64, eeg.Info.ChannelCount);
        Assert.Equal(20000, eeg.SampleCount);
        Assert.Equal(edf.Signals.Select(s => s.Label), eeg.Info.Channels.Select(c => c.Label));
        Assert.All(eeg.Info.Channels, c => Assert.Equal("microvolts", c.Unit));
        Assert.Equal(1.0 / 160 * 12345, eeg.Timestamps[12345], 9);
        var c3 = edf.FindSignal("C3..")!;
        var c3Index = eeg.Info.Channels.Select(c => c.Label).ToList().IndexOf("C3..");
        for (var i = 0; i < 20000; i += 101)
        {
            Assert.Equal((float)c3.Samples[i], eeg.Data.GetSample<float>(i)[c3Index]);
        }
        var markers = xdf.FindStream("S001R04-annotations")!;
        Assert.Equal("Markers", markers.Info.Type);
        Assert.True(markers.Info.IsIrregular);
        Assert.Equal(edf.Annotations.Select(a => a.Text), markers.Data.GetStrings());
        Assert.Equal(edf.Annotations.Select(a => a.Onset), markers.Timestamps);
    }

    [Fact]
    public void Distinct_rates_become_separate_streams_and_gaps_are_kept()
    {
        var bytes = new EdfBuilder { Reserved = "EDF+D", Records = 3, Annotations = r => $"+{r * 5}\u0014\u0014\0+{(r * 5) + 0.5}\u0014cue {r}\u0014\0" }
            .Signal("EEG Cz", "uV", -100, 100, -1000, 1000, 50, (r, i) => i)
            .Signal("EMG chin", "mV", -1, 1, -1000, 1000, 200, (r, i) => -i)
            .Signal("EEG Pz", "uV", -100, 100, -1000, 1000, 50, (r, i) => r)
            .Build();
        var recording = EdfReader.Parse(bytes);
        using var memory = new MemoryStream();
        IReadOnlyList<ConvertedStreamSummary> summary;
        using (var writer = new XdfWriter(memory, leaveOpen: true))
        {
            summary = EdfToXdfConverter.Convert(recording, writer, new EdfToXdfOptions { StreamName = "night", StartTimestamp = 1000, RecordsPerChunk = 2 });
        }
        var xdf = XdfReader.Parse(memory.ToArray());
        Assert.Empty(xdf.Problems);
        Assert.Equal(["night 50 Hz", "night 200 Hz", "night-annotations"], summary.Select(s => s.Name));
        var eeg = xdf.FindStream("night 50 Hz")!;
        Assert.Equal("EEG", eeg.Info.Type);
        Assert.Equal(["EEG Cz", "EEG Pz"], eeg.Info.Channels.Select(c => c.Label));
        Assert.Equal(1010.0, eeg.Timestamps[100], 9);
        var emg = xdf.FindStream("night 200 Hz")!;
        Assert.Equal("EMG", emg.Info.Type);
        Assert.Equal("millivolts", emg.Info.Channels[0].Unit);
        Assert.Equal(600, emg.SampleCount);
        Assert.Equal([1000.5, 1005.5, 1010.5], xdf.FindStream("night-annotations")!.Timestamps);
    }

    [SharedDataFact]
    public async Task Libxdf_loads_a_converted_file()
    {
        var output = Path.Combine(_directory, "peterson.xdf");
        await EdfToXdfConverter.ConvertFileAsync(SharedRecordings.File("mi-openbci-peterson2020/edf/S03_R0.edf"), output);
        var ours = XdfReader.Read(output);
        var report = LibXdfCheck.Load(output);
        Assert.Equal(0, report.LoadResult);
        Assert.Equal(ours.Streams.Count, report.Streams.Count);
        Assert.Equal(ours.Streams[0].SampleCount, report.Streams[0].Samples);
        Assert.Equal(ours.Streams[0].Timestamps, report.Samples[0].Select(s => s.Timestamp));
        Assert.Equal(ours.Streams[1].Data.GetStrings(), report.Events[1].Select(e => e.Text));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
