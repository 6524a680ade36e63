using System.Runtime.InteropServices;
using System.Text.Json;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Daemon.Persistence;

/// <summary>
/// Per-subject weights under <c>STATE/subjects/SUBJECT/</c>. One file holds a version whole
/// (<see cref="WeightsFile"/>: metadata, weights, a CRC over both), so weights and metadata can
/// never come from different rounds. A save writes the new version beside the current one, makes
/// the current one the previous (<c>weights.prev.btw</c>, copied and renamed into place), then renames
/// the new one over the current: at every instant the current file is a whole version, and the
/// previous good version stays until the new one is durable. A load that finds the current version
/// damaged falls back to the previous one, never to nothing. Non-finite weights are never written.
/// </summary>
public sealed class SubjectStore
{
    private const string Current = "weights.btw";
    private const string Previous = "weights.prev.btw";
    private readonly string _root;
    private readonly Action<SaveStep>? _fault;

    /// <param name="stateDirectory">The daemon's state directory.</param>
    /// <param name="fault">Called at each step of a save: tests crash the save there (by throwing) to check what a restart finds.</param>
    public SubjectStore(string stateDirectory, Action<SaveStep>? fault = null)
    {
        _root = Path.Combine(stateDirectory, "subjects");
        _fault = fault;
    }

    public string DirectoryOf(string subject) => Path.Combine(_root, subject);

    /// <summary>
    /// Saves a version; <see cref="SubjectStoreException"/> when the weights are not all finite (nothing
    /// is written) or the state directory refuses the write (read-only, full): the previous versions stay.
    /// </summary>
    public async Task SaveAsync(SubjectWeights weights, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var values = MemoryMarshal.Cast<byte, float>(weights.Weights.Span);
        var bad = FirstNonFinite(values);
        if (bad >= 0)
        {
            throw new SubjectStoreException($"weights of {weights.Subject} not saved: parameter {bad} of {values.Length} is {values[bad]} (a non-finite model is never persisted)");
        }

        var dir = DirectoryOf(weights.Subject);
        var current = Path.Combine(dir, Current);
        var previous = Path.Combine(dir, Previous);
        try
        {
            Directory.CreateDirectory(dir);
            foreach (var stale in Directory.EnumerateFiles(dir, "*.tmp"))
            {
                File.Delete(stale); // left by a save that was killed; one daemon owns a state directory
            }

            var temp = Path.Combine(dir, $"{Current}.{Environment.ProcessId}.tmp");
            await WriteDurableAsync(temp, WeightsFile.Encode(weights), cancellationToken).ConfigureAwait(false);
            _fault?.Invoke(SaveStep.NewVersionWritten);
            if (File.Exists(current))
            {
                var keep = Path.Combine(dir, $"{Previous}.{Environment.ProcessId}.tmp");
                await WriteDurableAsync(keep, await File.ReadAllBytesAsync(current, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                File.Move(keep, previous, overwrite: true);
                _fault?.Invoke(SaveStep.PreviousKept);
            }

            File.Move(temp, current, overwrite: true);
            FsyncDirectory(dir);
            _fault?.Invoke(SaveStep.Renamed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SubjectStoreException($"cannot save the weights of {weights.Subject} in {dir}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The subject's saved weights, if a whole version fits the architecture: the current one, else
    /// the previous one. What was wrong with a version is reported through <c>Problem</c>, not loaded.
    /// </summary>
    public async Task<(SubjectWeights? Weights, string? Problem)> LoadAsync(string subject, uint architectureCrc, CancellationToken cancellationToken)
    {
        var dir = DirectoryOf(subject);
        var problems = new List<string>();
        foreach (var name in new[] { Current, Previous })
        {
            var path = Path.Combine(dir, name);
            if (!File.Exists(path))
            {
                continue;
            }

            var (weights, problem) = await ReadAsync(path, architectureCrc, cancellationToken).ConfigureAwait(false);
            if (weights is not null)
            {
                return (weights, problems.Count == 0 ? null : $"{string.Join("; ", problems)}; using the previous version, saved {weights.SavedAt:u}");
            }

            problems.Add(problem!);
        }

        var (legacy, legacyProblem) = await LegacyPair.LoadAsync(dir, architectureCrc, cancellationToken).ConfigureAwait(false);
        if (legacyProblem is not null)
        {
            problems.Add(legacyProblem);
        }

        return (legacy, problems.Count == 0 ? null : $"{string.Join("; ", problems)}{(legacy is null ? "; recalibrating" : string.Empty)}");
    }

    /// <summary>Forgets a subject (the control API's reset): the next session start recalibrates.</summary>
    public void Delete(string subject)
    {
        var dir = DirectoryOf(subject);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Identity of a model's architecture: its header dimensions and layer table, not its weights.</summary>
    public static uint ArchitectureCrc(ReadOnlySpan<byte> modelBlob)
    {
        var layers = modelBlob[6] | (modelBlob[7] << 8);
        var end = Math.Min(modelBlob.Length, 48 + (32 * layers));
        var state = Crc32C.Append(Crc32C.Initial, modelBlob[4..16]);
        return Crc32C.Finish(Crc32C.Append(state, modelBlob[48..end]));
    }

    internal static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static async Task<(SubjectWeights?, string?)> ReadAsync(string path, uint architectureCrc, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{path} is unreadable ({e.Message})");
        }

        if (!WeightsFile.TryDecode(bytes, out var weights, out var why))
        {
            return (null, $"{path} is damaged ({why})");
        }

        if (weights.ArchitectureCrc != architectureCrc)
        {
            return (null, $"{path} was saved for another model architecture");
        }

        return FirstNonFinite(MemoryMarshal.Cast<byte, float>(weights.Weights.Span)) >= 0
            ? (null, $"{path} holds non-finite weights")
            : (weights, null);
    }

    internal static async Task WriteDurableAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
    }

    private static void FsyncDirectory(string dir)
    {
        // A rename is durable once the directory entry is; .NET has no directory fsync, so open and flush it.
        try
        {
            using var handle = File.OpenHandle(dir, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // some file systems refuse; the rename is still atomic, only its durability is weaker
        }
    }

    /// <summary>
    /// Version 1 kept weights.bin and weights.json side by side: read when no one-file version
    /// exists, and only when the two agree (a crash between their renames left them disagreeing).
    /// </summary>
    private static class LegacyPair
    {
        private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

        public static async Task<(SubjectWeights?, string?)> LoadAsync(string dir, uint architectureCrc, CancellationToken ct)
        {
            var meta = Path.Combine(dir, "weights.json");
            var bin = Path.Combine(dir, "weights.bin");
            if (!File.Exists(meta) || !File.Exists(bin))
            {
                return (null, null);
            }

            SubjectWeights? saved;
            try
            {
                saved = JsonSerializer.Deserialize<SubjectWeights>(await File.ReadAllBytesAsync(meta, ct).ConfigureAwait(false), Json);
            }
            catch (JsonException e)
            {
                return (null, $"{meta} is unreadable ({e.Message})");
            }

            if (saved is null || saved.ArchitectureCrc != architectureCrc)
            {
                return (null, $"{meta} was saved for another model architecture");
            }

            var bytes = await File.ReadAllBytesAsync(bin, ct).ConfigureAwait(false);
            return bytes.Length != saved.ParameterCount * 4 || Crc32C.Compute(bytes) != saved.WeightsCrc
                ? (null, $"{bin} does not match its recorded size and CRC")
                : (saved with { Weights = bytes }, null);
        }
    }
}

/// <summary>The steps of a save, in order, where a test's fault hook may crash it.</summary>
public enum SaveStep
{
    /// <summary>The new version is durable beside the current one.</summary>
    NewVersionWritten,

    /// <summary>The current version is also kept as the previous one.</summary>
    PreviousKept,

    /// <summary>The new version is the current one.</summary>
    Renamed,
}

/// <summary>A save refused or failed; the versions on disk are as they were.</summary>
public sealed class SubjectStoreException : Exception
{
    public SubjectStoreException()
    {
    }

    public SubjectStoreException(string message)
        : base(message)
    {
    }

    public SubjectStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
