namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>The daemon's configuration file (JSON), bound from <c>biotrain run --config FILE</c>.</summary>
public sealed class DaemonOptions
{
    /// <summary>Where adapted weights are kept per subject (systemd: StateDirectory=biotrain).</summary>
    public string StateDirectory { get; set; } = "/var/lib/biotrain";

    /// <summary>Prometheus scrape endpoint: <c>HOST:PORT</c> on loopback, or <c>unix:PATH</c>.</summary>
    public string MetricsListen { get; set; } = "127.0.0.1:9464";

    /// <summary>Control API endpoint (status, calibration, reset): <c>unix:PATH</c> or loopback <c>HOST:PORT</c>.</summary>
    public string ControlListen { get; set; } = "unix:/run/biotrain/control.sock";

    /// <summary>
    /// The live status page and its event stream: loopback <c>HOST:PORT</c> or <c>unix:PATH</c> (a
    /// reverse proxy's upstream); null (the default) serves none.
    /// </summary>
    public string? StatusListen { get; set; }

    /// <summary>An <c>lsl_api.cfg</c> to use instead of liblsl's search order.</summary>
    public string? LslConfigFile { get; set; }

    /// <summary>Restrict LSL discovery to this machine (127.0.0.1, IPv6 off): tests, demos, single-box rigs.</summary>
    public bool LslMachineOnly { get; set; }

    public List<SessionOptions> Sessions { get; set; } = [];
}
