namespace BioTrain.Stream.Lsl.Config;

/// <summary><c>[multicast] ResolveScope</c>: how far discovery queries travel. Each scope includes the smaller ones.</summary>
public enum ResolveScope
{
    Machine = 0,
    Link = 1,
    Site = 2,
    Organization = 3,
    Global = 4,
}
