namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>One subject (or, for a within-subject set, one unit held out in turn) and its sessions in time order.</summary>
public sealed record SubjectData(string Id, IReadOnlyList<SessionData> Sessions, SubjectRole Role = SubjectRole.Both)
{
    public int EpochCount => Sessions.Sum(s => s.Epochs.Count);
}
