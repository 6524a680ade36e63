using System.Buffers;
using System.IO.Pipelines;

namespace BioTrain.Stream.Device.Protocol;

/// <summary>
/// Reads delimited frames from a pipe. Bounded: an encoded frame longer than the largest payload
/// this side accepts is skipped up to its delimiter and reported as FRAME_TOO_LARGE, so a peer
/// that never sends a delimiter cannot make the reader buffer without limit.
/// </summary>
public sealed class FrameReader
{
    private readonly PipeReader _input;
    private readonly int _maxEncodedLength;
    private readonly byte? _expectedVersion;
    private bool _skipping;

    public FrameReader(PipeReader input, int maxPayload, byte? expectedVersion)
    {
        _input = input;
        _maxEncodedLength = Cobs.MaxEncodedLength(maxPayload + FrameHeader.Overhead);
        _expectedVersion = expectedVersion;
    }

    public async ValueTask<FrameReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            if (TryTakeFrame(ref buffer, out var result))
            {
                _input.AdvanceTo(buffer.Start);
                return result;
            }

            if (buffer.Length > _maxEncodedLength)
            {
                _skipping = true;
                _input.AdvanceTo(buffer.End);
                continue;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                _input.AdvanceTo(buffer.End);
                return FrameReadResult.End;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out FrameReadResult result)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryReadTo(out ReadOnlySequence<byte> encoded, 0))
        {
            buffer = buffer.Slice(reader.Position);
            if (_skipping)
            {
                _skipping = false;
                result = FrameReadResult.Rejected(new FrameCheck(Protocol.DeviceErrorCode.FrameTooLarge, null));
                return true;
            }

            if (encoded.IsEmpty)
            {
                continue; // empty frame: a leading or repeated delimiter
            }

            result = encoded.Length > _maxEncodedLength
                ? FrameReadResult.Rejected(new FrameCheck(Protocol.DeviceErrorCode.FrameTooLarge, null))
                : Decode(encoded);
            return true;
        }

        result = default;
        return false;
    }

    private FrameReadResult Decode(ReadOnlySequence<byte> encoded)
    {
        var length = (int)encoded.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        encoded.CopyTo(rented);
        var decoded = Cobs.DecodeInPlace(rented.AsSpan(0, length));
        var check = decoded < 0
            ? new FrameCheck(Protocol.DeviceErrorCode.BadFraming, null)
            : FrameCheck.Validate(rented.AsSpan(0, decoded), _expectedVersion);
        if (!check.IsValid)
        {
            ArrayPool<byte>.Shared.Return(rented);
            return FrameReadResult.Rejected(check);
        }

        return FrameReadResult.Accepted(new ReceivedFrame(check.Header!.Value, rented, FrameHeader.Size));
    }
}
