using System.Security.Cryptography;
using System.Text.Json;

namespace BioTrain.Stream.Formats.Synthetic;

/// <summary>What <see cref="ReplayDataGenerator"/> makes; the defaults are the files shipped in replay-data/.</summary>
public sealed record ReplayDataOptions
{
    public ulong Seed { get; init; } = ReplayDataGenerator.DefaultSeed;
    public int Subjects { get; init; } = 3;
    public int EegTrialsPerClass { get; init; } = 5;
    public double EegSampleRate { get; init; } = MotorImageryGenerator.DefaultSampleRate;
    public double EegTrialSeconds { get; init; } = 3.0;
    public int EmgTrialsPerClass { get; init; } = 2;
    public int EogTrialsPerClass { get; init; } = 2;
    public double EmgSampleRate { get; init; } = 200; // as the MYO armband of the UCI set
    public double EogSampleRate { get; init; } = 250;
}

/// <summary>One file written, as listed in manifest.json.</summary>
public sealed record GeneratedFile(string Path, string Modality, string Subject, string StreamName, double SampleRate,
    int Channels, int Samples, int Cues, long Bytes, string Sha256);

/// <summary>
/// Writes the project's example recordings: motor-imagery EEG, EMG gestures and EOG saccades for several
/// subjects, one XDF per subject and modality (<c>{modality}/sub-NN.xdf</c>), and a manifest.json.
/// </summary>
public static class ReplayDataGenerator
{
    public const ulong DefaultSeed = 6;

    public static IEnumerable<SyntheticRecording> Recordings(ReplayDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var subject = 1; subject <= options.Subjects; subject++)
        {
            yield return MotorImageryGenerator.Generate(options.Seed, subject, options.EegTrialsPerClass, options.EegTrialSeconds, sampleRate: options.EegSampleRate);
            yield return EmgGestureGenerator.Generate(options.Seed, subject, options.EmgSampleRate, options.EmgTrialsPerClass);
            yield return EogSaccadeGenerator.Generate(options.Seed, subject, options.EogSampleRate, options.EogTrialsPerClass);
        }
    }

    public static async Task<IReadOnlyList<GeneratedFile>> GenerateAsync(string outputDirectory, ReplayDataOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new ReplayDataOptions();
        var files = new List<GeneratedFile>();
        foreach (var recording in Recordings(options).OrderBy(r => r.Modality, StringComparer.Ordinal).ThenBy(r => r.Subject, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = $"{recording.Modality}/{recording.Subject}.xdf";
            var path = Path.Combine(outputDirectory, recording.Modality, recording.Subject + ".xdf");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var memory = new MemoryStream();
            recording.WriteXdf(memory);
            var bytes = memory.ToArray();
            await File.WriteAllBytesAsync(path, bytes, cancellationToken).ConfigureAwait(false);
            files.Add(new GeneratedFile(relative, recording.Modality, recording.Subject, recording.StreamName, recording.SampleRate,
                recording.Channels.Count, recording.SampleCount, recording.Cues.Count, bytes.Length,
                Convert.ToHexStringLower(SHA256.HashData(bytes))));
        }
        var manifest = new
        {
            generator = "biotrain data generate",
            seed = options.Seed,
            options.Subjects,
            totalBytes = files.Sum(f => f.Bytes),
            files,
        };
        var json = JsonSerializer.Serialize(manifest, ManifestJson);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "manifest.json"), json + "\n", cancellationToken).ConfigureAwait(false);
        return files;
    }

    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
