using System.Buffers.Binary;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Device.Protocol;

/// <summary>Outcome of validating one decoded frame (protocol/SPEC.md 2.4).</summary>
public readonly record struct FrameCheck(DeviceErrorCode Error, FrameHeader? Header)
{
    public bool IsValid => Error == DeviceErrorCode.None;

    /// <summary>
    /// Validates a COBS-decoded frame. <paramref name="expectedVersion"/> null accepts any version
    /// (the host reads a device's ERROR frames whatever version it speaks).
    /// </summary>
    public static FrameCheck Validate(ReadOnlySpan<byte> frame, byte? expectedVersion)
    {
        if (frame.Length < FrameHeader.Overhead)
        {
            return new FrameCheck(DeviceErrorCode.BadFraming, null);
        }

        var body = frame[..^FrameHeader.CrcSize];
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(frame[^FrameHeader.CrcSize..]))
        {
            return new FrameCheck(DeviceErrorCode.BadCrc, null);
        }

        var header = FrameHeader.Read(frame);
        if (header.Length != (uint)(frame.Length - FrameHeader.Overhead))
        {
            return new FrameCheck(DeviceErrorCode.BadLength, header);
        }

        if (expectedVersion is { } v && header.Version != v)
        {
            return new FrameCheck(DeviceErrorCode.VersionMismatch, header);
        }

        return new FrameCheck(DeviceErrorCode.None, header);
    }
}
