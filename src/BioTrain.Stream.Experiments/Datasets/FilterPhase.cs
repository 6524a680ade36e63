namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>How an experiment filters a continuous recording before it cuts windows.</summary>
public enum FilterPhase
{
    /// <summary>Forward only, through the session pipeline's filter operator: what the daemon does live.</summary>
    Causal,

    /// <summary>Forward and backward (scipy's sosfiltfilt), as the field filters offline: no phase shift, no edge.</summary>
    ZeroPhase,
}
