namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>The outlet's choices for one feed: protocol version, byte order and subnormal handling (liblsl 1.16 rules).</summary>
internal readonly record struct FeedNegotiation(int DataProtocolVersion, int ByteOrder, bool SuppressSubnormals)
{
    /// <summary>This library's figure for Endian-Performance (64-bit swaps per 10 ms); only compared, never relied on.</summary>
    public const double OwnEndianPerformance = 1.0e7;

    public bool Swap => ByteOrder != Protocol.ByteOrder.Native;

    public static FeedNegotiation Negotiate(FeedRequest request, ChannelFormat format, int serverVersion)
    {
        var version = Math.Min(serverVersion, request.Version);
        var valueSize = format.ValueSize();
        if (format.IsNumeric() && request.ValueSize is { } clientSize && clientSize != valueSize)
        {
            version = 100;
        }

        if (!request.HasIeee754Floats)
        {
            version = 100;
        }

        var order = Protocol.ByteOrder.Native;
        if (request.ByteOrder != order &&
            request.ByteOrder is Protocol.ByteOrder.LittleEndian or Protocol.ByteOrder.BigEndian &&
            valueSize > 1 &&
            OwnEndianPerformance > request.EndianPerformance)
        {
            order = request.ByteOrder;
        }

        var suppress = format.IsFloatingPoint() && !request.SupportsSubnormals;
        return new FeedNegotiation(version, order, suppress);
    }
}
