using System.Buffers;

namespace BioTrain.Stream.Device.Protocol;

/// <summary>A valid frame read from a link. Its payload lives in a pooled buffer: dispose it when done.</summary>
public sealed class ReceivedFrame : IDisposable
{
    private byte[]? _buffer;
    private readonly int _payloadOffset;

    internal ReceivedFrame(FrameHeader header, byte[] buffer, int payloadOffset)
    {
        Header = header;
        _buffer = buffer;
        _payloadOffset = payloadOffset;
    }

    public FrameHeader Header { get; }

    public ReadOnlySpan<byte> Payload =>
        (_buffer ?? throw new ObjectDisposedException(nameof(ReceivedFrame))).AsSpan(_payloadOffset, (int)Header.Length);

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
