using System.Text.Json;

namespace BioTrain.Stream.Device.Tests;

public class CliDeviceCommandTests
{
    [Fact]
    public async Task Help_lists_the_subcommands_and_version_prints()
    {
        var help = await CliProcess.RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("device", help.Stdout, StringComparison.Ordinal);
        var version = await CliProcess.RunAsync("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout);
    }

    [Fact]
    public async Task Device_info_json_reports_capabilities()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("device", "info", "--device", "emu:native", "--json");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var caps = json.RootElement.GetProperty("capabilities");
        Assert.Equal("host", caps.GetProperty("port").GetString());
        Assert.Equal(2, caps.GetProperty("regions").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("connect_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task Device_selftest_json_reports_round_trips()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("device", "selftest", "--device", "emu:native", "--count", "100", "--json");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var result = json.RootElement.GetProperty("result");
        Assert.Equal(100, result.GetProperty("pings").GetInt32());
        Assert.True(result.GetProperty("p99_ms").GetDouble() >= result.GetProperty("median_ms").GetDouble());
    }

    [Fact]
    public async Task Bad_device_address_is_one_clear_line_and_exit_code_1()
    {
        var (exit, _, stderr) = await CliProcess.RunAsync("device", "info", "--device", "emu:gap42");
        Assert.Equal(1, exit);
        Assert.StartsWith("error: unknown emulator 'gap42'", stderr, StringComparison.Ordinal);
    }
}
