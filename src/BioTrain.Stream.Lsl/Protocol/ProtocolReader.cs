using System.Buffers;
using System.Text;

namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>
/// Buffered reading from an untrusted stream: CRLF lines with a length limit, fixed-size reads, and a
/// window of buffered bytes for incremental sample decoding. The buffer comes from the array pool.
/// </summary>
internal sealed class ProtocolReader : IDisposable
{
    private readonly System.IO.Stream _stream;
    private readonly int _maxBuffer;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public ProtocolReader(System.IO.Stream stream, int initialBuffer = 64 * 1024, int maxBuffer = 64 * 1024 * 1024)
    {
        _stream = stream;
        _maxBuffer = Math.Max(initialBuffer, maxBuffer);
        _buffer = ArrayPool<byte>.Shared.Rent(initialBuffer);
    }

    /// <summary>Bytes read from the stream and not yet consumed.</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    public int BufferedCount => _end - _start;

    public void Consume(int count) => _start += count;

    /// <summary>Reads more bytes; false at end of stream. Grows the buffer when it is full, up to the maximum.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        MakeRoom();
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    /// <summary>Reads more bytes with a blocking read (for a dedicated receive thread); false at end of stream.</summary>
    public bool Fill()
    {
        MakeRoom();
        var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        _end += n;
        return n > 0;
    }

    private void MakeRoom()
    {
        if (_start > 0 && (_start == _end || _end == _buffer.Length))
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= _maxBuffer)
            {
                throw new LslProtocolException(LslProtocolError.ValueOutOfRange, $"a single item exceeds {_maxBuffer} bytes");
            }

            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_maxBuffer, _buffer.Length * 2));
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    /// <summary>Reads a line ending in LF, or the rest before end of stream (a CR before it is dropped). Null at end of stream before any byte.</summary>
    public async ValueTask<string?> ReadLineAsync(int maxBytes, CancellationToken ct)
    {
        var scanned = 0;
        while (true)
        {
            var window = Buffered;
            var lf = window[scanned..].IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var lineLength = scanned + lf;
                var line = window[..lineLength];
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line = line[..^1];
                }

                if (line.Length > maxBytes)
                {
                    throw new LslProtocolException(LslProtocolError.LineTooLong, $"line longer than {maxBytes} bytes");
                }

                var text = Encoding.UTF8.GetString(line);
                Consume(lineLength + 1);
                return text;
            }

            scanned = window.Length;
            if (scanned > maxBytes + 1)
            {
                throw new LslProtocolException(LslProtocolError.LineTooLong, $"line longer than {maxBytes} bytes");
            }

            if (!await FillAsync(ct).ConfigureAwait(false))
            {
                if (BufferedCount == 0)
                {
                    return null;
                }

                // The last line may lack its end (liblsl's error replies do).
                var rest = Encoding.UTF8.GetString(Buffered).TrimEnd('\r');
                Consume(BufferedCount);
                return rest;
            }
        }
    }

    /// <summary>Reads everything up to the end of the stream, at most <paramref name="maxBytes"/>.</summary>
    public async ValueTask<byte[]> ReadToEndAsync(int maxBytes, CancellationToken ct)
    {
        while (await FillAsync(ct).ConfigureAwait(false))
        {
            if (BufferedCount > maxBytes)
            {
                throw new LslProtocolException(LslProtocolError.XmlTooLarge, $"more than {maxBytes} bytes");
            }
        }

        if (BufferedCount > maxBytes)
        {
            throw new LslProtocolException(LslProtocolError.XmlTooLarge, $"more than {maxBytes} bytes");
        }

        var result = Buffered.ToArray();
        Consume(result.Length);
        return result;
    }

    /// <summary>Makes sure at least <paramref name="count"/> bytes are buffered.</summary>
    public async ValueTask EnsureAsync(int count, CancellationToken ct)
    {
        while (BufferedCount < count)
        {
            if (!await FillAsync(ct).ConfigureAwait(false))
            {
                throw new LslProtocolException(LslProtocolError.UnexpectedEndOfStream, "stream ended early");
            }
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
