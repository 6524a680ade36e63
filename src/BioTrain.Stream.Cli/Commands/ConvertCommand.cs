using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Formats.Conversion;
using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Formats.Edf;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain convert IN OUT.xdf</c>: EDF/EDF+/BDF to XDF, annotations as a marker stream; a UniBo-INAIL day (.mat) to XDF with repetition markers.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("IN") { Description = "EDF, EDF+ or BDF file, or a UniBo-INAIL day (user_U_day_D_posture_1.mat)" };
        var output = new Argument<FileInfo>("OUT") { Description = "XDF file to write" };
        var name = new Option<string?>("--name") { Description = "Stream name (default: the input file's name)" };
        var type = new Option<string>("--type")
        {
            Description = "Stream type when the EDF+ labels do not name one (default EEG)",
            DefaultValueFactory = _ => "EEG",
        };
        var command = new Command("convert", "Convert an EDF/EDF+/BDF recording to XDF: one stream per sampling rate, annotations as a Markers stream.")
        {
            input, output, name, type,
        };
        command.SetAction(async (parse, ct) =>
        {
            var source = parse.GetValue(input)!;
            var target = parse.GetValue(output)!;
            try
            {
                if (source.Extension.Equals(".mat", StringComparison.OrdinalIgnoreCase))
                {
                    await UniboInailXdf.ConvertAsync(source.FullName, target.FullName, ct).ConfigureAwait(false);
                    Console.WriteLine($"wrote {target.FullName} (EMG envelope 4 ch at 500 Hz, a marker per repetition)");
                    return 0;
                }

                var options = new EdfToXdfOptions { StreamName = parse.GetValue(name), StreamType = parse.GetValue(type)! };
                var streams = await EdfToXdfConverter.ConvertFileAsync(source.FullName, target.FullName, options, ct).ConfigureAwait(false);
                foreach (var stream in streams)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"stream {stream.StreamId}: {stream.Name} ({stream.Type}, {stream.Channels} ch, {(stream.Rate > 0 ? $"{stream.Rate} Hz" : "irregular")}, {stream.Samples} samples)"));
                }
                Console.WriteLine($"wrote {target.FullName}");
                return 0;
            }
            catch (Exception e) when (e is EdfFormatException or DatasetFormatException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"convert: {source.FullName}: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }
}
