namespace BioTrain.Stream.Device.Protocol;

/// <summary>What <see cref="FrameReader"/> read: a frame, a rejected frame, or the end of the link.</summary>
public readonly record struct FrameReadResult(ReceivedFrame? Frame, FrameCheck Rejection, bool EndOfStream)
{
    public static FrameReadResult Accepted(ReceivedFrame frame) => new(frame, default, false);

    public static FrameReadResult Rejected(FrameCheck check) => new(null, check, false);

    public static FrameReadResult End => new(null, default, true);
}
