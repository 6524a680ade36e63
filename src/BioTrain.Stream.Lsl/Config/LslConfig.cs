namespace BioTrain.Stream.Lsl.Config;

/// <summary>
/// Everything lsl_api.cfg can set, with liblsl's defaults, plus this library's limits on what a peer may
/// send. Immutable: make variants with <c>with { ... }</c>. <see cref="Load"/> follows liblsl's search order.
/// </summary>
public sealed record LslConfig
{
    public const string DefaultIPv6MulticastGroup = "113D:6FDD:2C17:A643:FFE2:1BD1:3CD2";

    /// <summary>liblsl's defaults, as if no config file existed.</summary>
    public static LslConfig Default { get; } = new();

    // [ports]
    public int MulticastPort { get; init; } = 16571;
    public int BasePort { get; init; } = 16572;
    public int PortRange { get; init; } = 32;
    public bool AllowRandomPorts { get; init; } = true;
    public IPv6Mode IPv6 { get; init; } = IPv6Mode.Allow;

    // [multicast]
    public ResolveScope ResolveScope { get; init; } = ResolveScope.Site;
    public string ListenAddress { get; init; } = string.Empty;
    public string IPv6MulticastGroup { get; init; } = DefaultIPv6MulticastGroup;
    public IReadOnlyList<string> MachineAddresses { get; init; } = ["127.0.0.1"];
    public IReadOnlyList<string> LinkAddresses { get; init; } = ["255.255.255.255", "224.0.0.1", "224.0.0.183"];
    public IReadOnlyList<string> SiteAddresses { get; init; } = ["239.255.172.215"];
    public IReadOnlyList<string> OrganizationAddresses { get; init; } = [];
    public IReadOnlyList<string> GlobalAddresses { get; init; } = [];
    public IReadOnlyList<string> AddressesOverride { get; init; } = [];
    public int TtlOverride { get; init; } = -1;

    // [lab]
    public IReadOnlyList<string> KnownPeers { get; init; } = [];
    public string SessionId { get; init; } = "default";

    // [tuning]
    public int UseProtocolVersion { get; init; } = LslConstants.ProtocolVersion;
    public double WatchdogCheckInterval { get; init; } = 15.0;
    public double WatchdogTimeThreshold { get; init; } = 15.0;
    public double MulticastMinRtt { get; init; } = 0.5;
    public double MulticastMaxRtt { get; init; } = 3.0;
    public double UnicastMinRtt { get; init; } = 0.75;
    public double UnicastMaxRtt { get; init; } = 5.0;
    public double ContinuousResolveInterval { get; init; } = 0.5;
    public int MaxCachedQueries { get; init; } = 100;
    public double TimeUpdateInterval { get; init; } = 2.0;
    public int TimeUpdateMinProbes { get; init; } = 6;
    public int TimeProbeCount { get; init; } = 8;
    public double TimeProbeInterval { get; init; } = 0.064;
    public double TimeProbeMaxRtt { get; init; } = 0.128;
    public double SmoothingHalftime { get; init; } = 90.0;
    public bool ForceDefaultTimestamps { get; init; }

    /// <summary>Least time between two connection attempts of an inlet (liblsl sleeps 0.5 s after every error).</summary>
    public double RecoveryDelay { get; init; } = 0.5;

    /// <summary>
    /// Seconds between discovery waves while an inlet looks for its lost stream, for the first ~10 s of an
    /// outage (later: MulticastMinRtt). Not in liblsl, which waits at least 1 s (then 5 s) per attempt.
    /// </summary>
    public double RecoveryWaveInterval { get; init; } = 0.1;

    // [limits]: not in liblsl; bounds on what an untrusted peer can make us hold.
    public int MaxConnections { get; init; } = 256;
    public int MaxXmlBytes { get; init; } = 4 * 1024 * 1024;
    public int MaxHeaderLineBytes { get; init; } = 4096;
    public int MaxHeaderLines { get; init; } = 64;
    public int MaxChannelCount { get; init; } = 65536;
    public int MaxStringBytes { get; init; } = 4 * 1024 * 1024;
    public long MaxBufferBytes { get; init; } = 1L << 30;
    public double HandshakeTimeout { get; init; } = 10.0;
    public int MaxQueryLength { get; init; } = 4096;
    public int MaxRepliesPerSecond { get; init; } = 2000;
    public int MaxResolveResults { get; init; } = 4096;

    /// <summary>Where the settings came from (a file path, or "defaults").</summary>
    public string Origin { get; init; } = "defaults";

    public bool UseIPv4 => IPv6 != IPv6Mode.Force;

    public bool UseIPv6 => IPv6 != IPv6Mode.Disable;

    /// <summary>Discovery targets on <see cref="MulticastPort"/>, built from the scope as liblsl does.</summary>
    public IReadOnlyList<string> ResolveAddresses
    {
        get
        {
            if (AddressesOverride.Count > 0)
            {
                return AddressesOverride;
            }

            var list = new List<string>(MachineAddresses);
            if (ResolveScope >= ResolveScope.Link)
            {
                list.AddRange(LinkAddresses);
                list.Add("FF02:" + IPv6MulticastGroup);
            }

            if (ResolveScope >= ResolveScope.Site)
            {
                list.AddRange(SiteAddresses);
                list.Add("FF05:" + IPv6MulticastGroup);
            }

            if (ResolveScope >= ResolveScope.Organization)
            {
                list.AddRange(OrganizationAddresses);
                list.Add("FF08:" + IPv6MulticastGroup);
            }

            if (ResolveScope >= ResolveScope.Global)
            {
                list.AddRange(GlobalAddresses);
                list.Add("FF0E:" + IPv6MulticastGroup);
            }

            return list;
        }
    }

    /// <summary>Multicast TTL / hop limit for the scope (0 machine, 1 link, 24 site, 32 organization, 255 global).</summary>
    public int MulticastTtl
    {
        get
        {
            if (TtlOverride >= 0)
            {
                return TtlOverride;
            }

            return ResolveScope switch
            {
                ResolveScope.Machine => 0,
                ResolveScope.Link => 1,
                ResolveScope.Site => 24,
                ResolveScope.Organization => 32,
                _ => 255,
            };
        }
    }

    /// <summary>A config for tests and single-host use: machine scope, IPv4 only, loopback sockets only.</summary>
    public static LslConfig MachineOnly(int multicastPort = 16571, int basePort = 16572, int portRange = 32) => new()
    {
        MulticastPort = multicastPort,
        BasePort = basePort,
        PortRange = portRange,
        IPv6 = IPv6Mode.Disable,
        ResolveScope = ResolveScope.Machine,
        ListenAddress = "127.0.0.1",
        Origin = "machine-only",
    };

    /// <summary>Loads the first readable file of: $LSLAPICFG, ./lsl_api.cfg, ~/lsl_api/lsl_api.cfg, /etc/lsl_api/lsl_api.cfg.</summary>
    public static LslConfig Load() => LslConfigLoader.Load(Environment.GetEnvironmentVariable("LSLAPICFG"));

    /// <summary>Loads one lsl_api.cfg file.</summary>
    public static LslConfig LoadFile(string path) => LslConfigLoader.LoadFile(path);

    /// <summary>Parses the text of an lsl_api.cfg file.</summary>
    public static LslConfig Parse(string text, string origin = "text") => LslConfigLoader.Parse(text, origin);
}
