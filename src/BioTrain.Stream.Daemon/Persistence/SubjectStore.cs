using System.Text.Json;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Daemon.Persistence;

/// <summary>
/// Per-subject weights under <c>STATE/subjects/SUBJECT/</c>: <c>weights.bin</c> and
/// <c>weights.json</c>. Writes are atomic (temporary file, fsync, rename, fsync of the directory),
/// so a crash or power loss leaves the previous weights or the new ones, never a torn file.
/// </summary>
public sealed class SubjectStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly string _root;

    public SubjectStore(string stateDirectory) => _root = Path.Combine(stateDirectory, "subjects");

    public string DirectoryOf(string subject) => Path.Combine(_root, subject);

    /// <summary>Saves weights and metadata; the metadata file is renamed last, so it always describes a complete weights file.</summary>
    public async Task SaveAsync(SubjectWeights weights, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var dir = DirectoryOf(weights.Subject);
        Directory.CreateDirectory(dir);
        await WriteAtomicAsync(Path.Combine(dir, "weights.bin"), weights.Weights, cancellationToken).ConfigureAwait(false);
        await WriteAtomicAsync(Path.Combine(dir, "weights.json"), JsonSerializer.SerializeToUtf8Bytes(weights, Json), cancellationToken).ConfigureAwait(false);
        FsyncDirectory(dir);
    }

    /// <summary>
    /// The subject's weights if they exist and fit the architecture; null otherwise. Files that do
    /// not match their recorded CRC are reported through <paramref name="problem"/>, not loaded.
    /// </summary>
    public async Task<(SubjectWeights? Weights, string? Problem)> LoadAsync(string subject, uint architectureCrc, CancellationToken cancellationToken)
    {
        var dir = DirectoryOf(subject);
        var meta = Path.Combine(dir, "weights.json");
        var bin = Path.Combine(dir, "weights.bin");
        if (!File.Exists(meta) || !File.Exists(bin))
        {
            return (null, null);
        }

        SubjectWeights? saved;
        try
        {
            saved = JsonSerializer.Deserialize<SubjectWeights>(await File.ReadAllBytesAsync(meta, cancellationToken).ConfigureAwait(false), Json);
        }
        catch (JsonException e)
        {
            return (null, $"{meta} is unreadable ({e.Message}); recalibrating");
        }

        if (saved is null || saved.ArchitectureCrc != architectureCrc)
        {
            return (null, $"{meta} was saved for another model architecture; recalibrating");
        }

        var bytes = await File.ReadAllBytesAsync(bin, cancellationToken).ConfigureAwait(false);
        if (bytes.Length != saved.ParameterCount * 4 || Crc32C.Compute(bytes) != saved.WeightsCrc)
        {
            return (null, $"{bin} does not match its recorded size and CRC; recalibrating");
        }

        return (saved with { Weights = bytes }, null);
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

    private static async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
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

    /// <summary>Identity of a model's architecture: its header dimensions and layer table, not its weights.</summary>
    public static uint ArchitectureCrc(ReadOnlySpan<byte> modelBlob)
    {
        var layers = modelBlob[6] | (modelBlob[7] << 8);
        var end = Math.Min(modelBlob.Length, 48 + (32 * layers));
        var state = Crc32C.Append(Crc32C.Initial, modelBlob[4..16]);
        return Crc32C.Finish(Crc32C.Append(state, modelBlob[48..end]));
    }
}
