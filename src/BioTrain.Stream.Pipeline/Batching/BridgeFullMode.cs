namespace BioTrain.Stream.Pipeline.Batching;

/// <summary>What the bounded bridge does when its consumer is behind and the channel is full. Either way the drop is counted, and a dropped disposable item is disposed.</summary>
public enum BridgeFullMode
{
    /// <summary>Evict the oldest queued item to take the new one: freshest data wins (inference windows).</summary>
    DropOldest,

    /// <summary>Refuse the arriving item: what is queued keeps its order (calibration batches already promised to the device).</summary>
    DropNewest,
}
