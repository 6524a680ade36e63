namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>Which side of leave-one-subject-out a subject may take.</summary>
public enum SubjectRole
{
    /// <summary>Held out in its turn, and a source subject for every other fold (real data sets).</summary>
    Both,

    /// <summary>Only ever pretrained on (the unshifted subjects of a constructed shift).</summary>
    SourceOnly,

    /// <summary>Only ever held out, never pretrained on (the shifted subjects of a constructed shift).</summary>
    TargetOnly,
}
