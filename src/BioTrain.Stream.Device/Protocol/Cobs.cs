namespace BioTrain.Stream.Device.Protocol;

/// <summary>
/// Consistent Overhead Byte Stuffing (protocol/SPEC.md 2.1): encoded frames hold no zero byte, so
/// 0x00 delimits them. Same block rules as the firmware, so both produce identical bytes.
/// </summary>
public static class Cobs
{
    /// <summary>Worst-case encoded size of <paramref name="length"/> bytes, without the delimiter.</summary>
    public static int MaxEncodedLength(int length) => length + (length / 254) + 1;

    /// <summary>Decodes in place; returns the decoded length, or -1 for a truncated or corrupted frame.</summary>
    public static int DecodeInPlace(Span<byte> buffer)
    {
        var input = 0;
        var output = 0;
        while (input < buffer.Length)
        {
            int code = buffer[input++];
            if (code == 0)
            {
                return -1;
            }

            var run = code - 1;
            if (run > buffer.Length - input)
            {
                return -1;
            }

            var block = buffer.Slice(input, run);
            if (block.Contains((byte)0))
            {
                return -1;
            }

            block.CopyTo(buffer[output..]);
            output += run;
            input += run;
            if (code != 0xFF && input < buffer.Length)
            {
                buffer[output++] = 0;
            }
        }

        return output;
    }
}

/// <summary>
/// Streaming COBS encoder into a caller's span: a frame is written from several parts (header,
/// payload, CRC) without assembling it first. The span must hold <see cref="Cobs.MaxEncodedLength"/>
/// of the total plus one byte for the delimiter.
/// </summary>
public ref struct CobsEncoder
{
    private readonly Span<byte> _dest;
    private int _codeIndex;
    private int _position;

    public CobsEncoder(Span<byte> destination)
    {
        _dest = destination;
        _codeIndex = 0;
        _position = 1;
    }

    public void Write(scoped ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var blockUsed = _position - _codeIndex - 1;
            var room = 254 - blockUsed;
            var zero = data.IndexOf((byte)0);
            var run = zero < 0 ? data.Length : zero;
            var take = Math.Min(run, room);
            data[..take].CopyTo(_dest[_position..]);
            _position += take;
            data = data[take..];
            if (take == room)
            {
                CloseBlock(); // 254 data bytes: a 0xFF block, no implied zero
            }
            else if (zero >= 0 && take == run)
            {
                CloseBlock(); // the zero itself becomes the block boundary
                data = data[1..];
            }
        }
    }

    /// <summary>Closes the last block, appends the delimiter, and returns the bytes written.</summary>
    public int Finish()
    {
        CloseBlock();
        _dest[_codeIndex] = 0;
        return _codeIndex + 1;
    }

    private void CloseBlock()
    {
        _dest[_codeIndex] = (byte)(_position - _codeIndex);
        _codeIndex = _position;
        _position++;
    }
}
