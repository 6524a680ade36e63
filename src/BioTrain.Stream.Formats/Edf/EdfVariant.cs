namespace BioTrain.Stream.Formats.Edf;

/// <summary>Which flavour of the format a file is: 16-bit EDF or 24-bit BDF, plain or "+" (continuous / discontinuous).</summary>
public enum EdfVariant
{
    Edf,
    EdfPlusContinuous,
    EdfPlusDiscontinuous,
    Bdf,
    BdfPlusContinuous,
    BdfPlusDiscontinuous,
}

public static class EdfVariants
{
    public static bool IsBdf(this EdfVariant variant) => variant >= EdfVariant.Bdf;

    public static bool IsPlus(this EdfVariant variant) => variant is not (EdfVariant.Edf or EdfVariant.Bdf);

    /// <summary>EDF+D/BDF+D: records need not follow each other; their start times come from the time-keeping annotations.</summary>
    public static bool IsDiscontinuous(this EdfVariant variant) =>
        variant is EdfVariant.EdfPlusDiscontinuous or EdfVariant.BdfPlusDiscontinuous;

    /// <summary>Bytes per sample: 2 (EDF) or 3 (BDF).</summary>
    public static int SampleBytes(this EdfVariant variant) => variant.IsBdf() ? 3 : 2;
}
