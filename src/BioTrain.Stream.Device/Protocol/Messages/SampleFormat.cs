namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>How SAMPLES_APPEND and PREDICT carry sample values (SPEC.md 3.14).</summary>
public enum SampleFormat : byte
{
    /// <summary>IEEE-754 binary32: exact, 4 bytes a value.</summary>
    Binary32 = 0,

    /// <summary>IEEE-754 binary16: 11 significant bits, 2 bytes a value.</summary>
    Binary16 = 1,

    /// <summary>int16 times a per-row scale (the block's largest magnitude over 32767): 2 bytes a value.</summary>
    ScaledInt16 = 2,
}
