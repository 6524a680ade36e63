using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>What the network servers of one outlet share: its info documents, its ring and its settings.</summary>
internal sealed record OutletContext(StreamInfo Info, string ShortInfo, string FullInfo, QueryMatcher Matcher, OutletRing Ring, LslConfig Config);
