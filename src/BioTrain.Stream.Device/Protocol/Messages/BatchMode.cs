namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>What a batch does (SPEC.md 3.7).</summary>
public enum BatchMode : byte
{
    Train = 0,
    Evaluate = 1,
    Predict = 2,
}
