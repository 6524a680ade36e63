namespace BioTrain.Stream.Lsl;

/// <summary>Why a peer's bytes were rejected.</summary>
public enum LslProtocolError
{
    Unknown = 0,
    LineTooLong,
    HeaderTooLarge,
    MalformedRequest,
    MalformedResponse,
    UnsupportedVersion,
    StreamNotFound,
    UidMismatch,
    TestPatternMismatch,
    InvalidStreamInfo,
    XmlTooLarge,
    ChannelCountOutOfRange,
    StringTooLong,
    InvalidSampleTag,
    InvalidByteOrder,
    InvalidArchive,
    UnexpectedEndOfStream,
    HandshakeTimeout,
    InvalidQuery,
    ValueOutOfRange,
}
