namespace BioTrain.Stream.Device.Transport;

/// <summary>
/// The write side of a serial port for <see cref="System.IO.Pipelines.PipeWriter"/>: a write that
/// stalls longer than the timeout (flow control holding it, a dead line) and the port's own
/// "port is closed" errors become <see cref="IOException"/>, the error the client treats as a lost link.
/// <paramref name="linkGone"/> fails pending and later writes at once when the read side found the
/// port gone or the transport is closing (System.IO.Ports would leave them queued forever then).
/// </summary>
internal sealed class SerialWriteStream(System.IO.Stream port, string description, TimeSpan writeTimeout, CancellationToken linkGone) : System.IO.Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, linkGone);
        timeout.CancelAfter(writeTimeout);
        try
        {
            linkGone.ThrowIfCancellationRequested();
            await port.WriteAsync(buffer, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linkGone.IsCancellationRequested)
        {
            throw new IOException($"{description} is closed or gone");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"writing to {description} stalled for {writeTimeout.TotalSeconds:0.#} s (is rtscts right for this device?)");
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new IOException($"{description} is gone: {e.Message}", e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
