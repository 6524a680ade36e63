namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>What a stream must share with the lost one for an inlet to recover to it.</summary>
public enum RecoveryIdentity
{
    /// <summary>liblsl's rule: the same name, type, channel count, format and source_id; no recovery without a source_id.</summary>
    SourceId,

    /// <summary>
    /// As <see cref="SourceId"/>, and the same hostname, so a stream of the same source_id published from
    /// another machine is not taken (LSL has no authentication). Without a source_id: name, type and hostname.
    /// </summary>
    SourceIdAndHost,

    /// <summary>Any stream of the same name, type, channel count and format, the newest when several answer.</summary>
    NameAndType,
}
