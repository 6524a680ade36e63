namespace BioTrain.Stream.Lsl.Config;

/// <summary>Reads lsl_api.cfg with liblsl's keys, defaults and file search order.</summary>
internal static class LslConfigLoader
{
    public static IReadOnlyList<string> SearchPath(string? environmentFile)
    {
        var paths = new List<string>();
        if (!string.IsNullOrEmpty(environmentFile))
        {
            paths.Add(environmentFile);
        }

        paths.Add("lsl_api.cfg");
        var home = Environment.GetEnvironmentVariable("HOME");
        if (!string.IsNullOrEmpty(home))
        {
            paths.Add(Path.Combine(home, "lsl_api", "lsl_api.cfg"));
        }

        paths.Add("/etc/lsl_api/lsl_api.cfg");
        return paths;
    }

    public static LslConfig Load(string? environmentFile)
    {
        if (!string.IsNullOrEmpty(environmentFile) && !File.Exists(environmentFile))
        {
            throw new LslConfigException($"LSLAPICFG names {environmentFile}, which does not exist");
        }

        foreach (var path in SearchPath(environmentFile))
        {
            if (File.Exists(path))
            {
                return LoadFile(path);
            }
        }

        return LslConfig.Default;
    }

    public static LslConfig LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new LslConfigException($"cannot read {path}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LslConfigException($"cannot read {path}: {e.Message}", e);
        }

        return Parse(text, path);
    }

    public static LslConfig Parse(string text, string origin)
    {
        var ini = IniDocument.Parse(text, origin);
        var d = LslConfig.Default;
        var config = new LslConfig
        {
            Origin = origin,
            MulticastPort = Port(ini, "ports.MulticastPort", d.MulticastPort),
            BasePort = Port(ini, "ports.BasePort", d.BasePort),
            PortRange = Range(ini, "ports.PortRange", d.PortRange, 1, 65535),
            AllowRandomPorts = ini.GetBool("ports.AllowRandomPorts", d.AllowRandomPorts),
            IPv6 = ini.GetString("ports.IPv6", "allow") switch
            {
                "disable" or "disabled" => IPv6Mode.Disable,
                "allow" or "allowed" => IPv6Mode.Allow,
                "force" or "forced" => IPv6Mode.Force,
                var other => throw new LslConfigException($"{origin}: unsupported setting IPv6 = {other}"),
            },
            ResolveScope = ini.GetString("multicast.ResolveScope", "site") switch
            {
                "machine" => ResolveScope.Machine,
                "link" => ResolveScope.Link,
                "site" => ResolveScope.Site,
                "organization" => ResolveScope.Organization,
                "global" => ResolveScope.Global,
                var other => throw new LslConfigException($"{origin}: unsupported ResolveScope = {other}"),
            },
            ListenAddress = ini.GetString("multicast.ListenAddress", d.ListenAddress),
            IPv6MulticastGroup = ini.GetString("multicast.IPv6MulticastGroup", d.IPv6MulticastGroup),
            MachineAddresses = ini.GetSet("multicast.MachineAddresses", d.MachineAddresses),
            LinkAddresses = ini.GetSet("multicast.LinkAddresses", d.LinkAddresses),
            SiteAddresses = ini.GetSet("multicast.SiteAddresses", d.SiteAddresses),
            OrganizationAddresses = ini.GetSet("multicast.OrganizationAddresses", d.OrganizationAddresses),
            GlobalAddresses = ini.GetSet("multicast.GlobalAddresses", d.GlobalAddresses),
            AddressesOverride = ini.GetSet("multicast.AddressesOverride", d.AddressesOverride),
            TtlOverride = ini.GetInt("multicast.TTLOverride", d.TtlOverride),
            KnownPeers = ini.GetSet("lab.KnownPeers", d.KnownPeers),
            SessionId = ini.GetString("lab.SessionID", d.SessionId),
            UseProtocolVersion = Math.Min(LslConstants.ProtocolVersion, Range(ini, "tuning.UseProtocolVersion", d.UseProtocolVersion, 100, int.MaxValue)),
            WatchdogCheckInterval = Positive(ini, "tuning.WatchdogCheckInterval", d.WatchdogCheckInterval),
            WatchdogTimeThreshold = Positive(ini, "tuning.WatchdogTimeThreshold", d.WatchdogTimeThreshold),
            MulticastMinRtt = Positive(ini, "tuning.MulticastMinRTT", d.MulticastMinRtt),
            MulticastMaxRtt = Positive(ini, "tuning.MulticastMaxRTT", d.MulticastMaxRtt),
            UnicastMinRtt = Positive(ini, "tuning.UnicastMinRTT", d.UnicastMinRtt),
            UnicastMaxRtt = Positive(ini, "tuning.UnicastMaxRTT", d.UnicastMaxRtt),
            ContinuousResolveInterval = Positive(ini, "tuning.ContinuousResolveInterval", d.ContinuousResolveInterval),
            MaxCachedQueries = Range(ini, "tuning.MaxCachedQueries", d.MaxCachedQueries, 0, 1_000_000),
            TimeUpdateInterval = Positive(ini, "tuning.TimeUpdateInterval", d.TimeUpdateInterval),
            TimeUpdateMinProbes = Range(ini, "tuning.TimeUpdateMinProbes", d.TimeUpdateMinProbes, 1, 1000),
            TimeProbeCount = Range(ini, "tuning.TimeProbeCount", d.TimeProbeCount, 1, 1000),
            TimeProbeInterval = Positive(ini, "tuning.TimeProbeInterval", d.TimeProbeInterval),
            TimeProbeMaxRtt = Positive(ini, "tuning.TimeProbeMaxRTT", d.TimeProbeMaxRtt),
            SmoothingHalftime = Positive(ini, "tuning.SmoothingHalftime", d.SmoothingHalftime),
            ForceDefaultTimestamps = ini.GetBool("tuning.ForceDefaultTimestamps", d.ForceDefaultTimestamps),
            MaxConnections = Range(ini, "limits.MaxConnections", d.MaxConnections, 1, 1_000_000),
            MaxXmlBytes = Range(ini, "limits.MaxXmlBytes", d.MaxXmlBytes, 1024, int.MaxValue),
            MaxHeaderLineBytes = Range(ini, "limits.MaxHeaderLineBytes", d.MaxHeaderLineBytes, 256, 1 << 20),
            MaxHeaderLines = Range(ini, "limits.MaxHeaderLines", d.MaxHeaderLines, 4, 10_000),
            MaxChannelCount = Range(ini, "limits.MaxChannelCount", d.MaxChannelCount, 1, int.MaxValue),
            MaxStringBytes = Range(ini, "limits.MaxStringBytes", d.MaxStringBytes, 16, int.MaxValue),
            HandshakeTimeout = Positive(ini, "limits.HandshakeTimeout", d.HandshakeTimeout),
        };
        var level = ini.GetInt("log.level", 0);
        if (level is < -3 or > 9)
        {
            throw new LslConfigException($"{origin}: invalid log.level {level} (valid range: -3 to 9)");
        }

        return config;
    }

    private static int Port(IniDocument ini, string key, int fallback) => Range(ini, key, fallback, 0, 65535);

    private static int Range(IniDocument ini, string key, int fallback, int min, int max)
    {
        var value = ini.GetInt(key, fallback);
        return value >= min && value <= max
            ? value
            : throw new LslConfigException($"{key} = {value}: out of range {min}..{max}");
    }

    private static double Positive(IniDocument ini, string key, double fallback)
    {
        var value = ini.GetDouble(key, fallback);
        return value > 0 ? value : throw new LslConfigException($"{key} = {value}: must be positive");
    }
}
