using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Hosting;
using BioTrain.Stream.Daemon.Live;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Recording;
using BioTrain.Stream.Scenarios;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// A daemon on loopback with its status page on, the native virtual device and the third shipped
/// subject replayed live: shared by the tests below (a few seconds of replay each).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "IAsyncLifetime.DisposeAsync disposes the replay")]
public sealed class LiveDaemonFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-status-page-");
    private WebApplication? _app;
    private Replayer? _replay;
    private Task? _replaying;

    /// <summary>Small limits, so that refusing and dropping show within seconds.</summary>
    public StatusLimits Limits { get; } = new() { MaxStreams = 3, WriteTimeout = TimeSpan.FromSeconds(1) };

    public Uri Page { get; private set; } = null!;

    public SubjectSession Session { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var session = ScenarioSupport.MotorImagerySession("paged", "emu:native");
        var (lsl, lslFile) = ScenarioSupport.PrivateLslConfig(_dir.FullName);
        var options = new DaemonOptions
        {
            StateDirectory = Path.Combine(_dir.FullName, "state"),
            MetricsListen = "127.0.0.1:0",
            ControlListen = $"unix:{Path.Combine(_dir.FullName, "control.sock")}",
            StatusListen = "127.0.0.1:0",
            LslConfigFile = lslFile,
            Sessions = [session],
        };
        _app = DaemonHost.Build(options, minimumLogLevel: LogLevel.Warning, statusLimits: Limits);
        await _app.StartAsync();
        Page = DaemonHost.StatusPageAddress(_app, options)!;
        Session = (SubjectSession)_app.Services.GetRequiredService<SessionManager>().Find("paged")!;
        var replay = new Replayer(await RecordingLoader.LoadAsync(PretrainTests.Recording(3)), new ReplayOptions { Restamp = true, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60) });
        _replay = replay;
        _replaying = replay.RunAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Session.Status.Predictions < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no predictions within 60 s: {Session.Status}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_replay is not null)
        {
            await _replay.DisposeAsync();
            await _replaying!.ContinueWith(_ => { });
        }

        _dir.Delete(recursive: true);
    }
}

/// <summary>The live status page (issue 16, item 3): in a real browser, and its event stream with a real HTTP client.</summary>
public sealed class StatusPageTests(LiveDaemonFixture daemon, ITestOutputHelper output) : IClassFixture<LiveDaemonFixture>
{
    private static readonly string[] ActiveStates = ["running", "calibrating", "training"];

    private static string Screenshots => Path.Combine(RepoPaths.Root, "build", "test-results");

    [Fact]
    public async Task Headless_chromium_draws_the_traces_and_sees_the_probabilities_update_on_a_laptop_and_a_phone()
    {
        await using var browser = await HeadlessChromium.OpenAsync(daemon.Page, 1280, 1000);
        await browser.WaitForAsync("Number(document.querySelector('[data-session=\"paged\"]')?.dataset.probabilityChanges ?? 0) >= 2", TimeSpan.FromSeconds(20));
        var laptop = await browser.ScreenshotAsync(Path.Combine(Screenshots, "status-page-laptop.png"));
        var dom = await browser.DomAsync();

        Assert.True(int.Parse(await Evaluate(browser, "document.getElementById('sessions').dataset.updates"), System.Globalization.CultureInfo.InvariantCulture) >= 3);
        Assert.Equal("live", await Evaluate(browser, "document.getElementById('link').dataset.link"));
        Assert.Contains(await Evaluate(browser, "document.querySelector('[data-field=\"state\"]').textContent"), ActiveStates);
        // One trace per input channel (8), each with points; the probabilities' history, one line per class.
        var traces = await browser.EvaluateAsync("[...document.querySelectorAll('svg.traces polyline')].map(p => p.getAttribute('points').split(' ').length)");
        Assert.Equal(8, traces!.AsArray().Count);
        Assert.All(traces.AsArray(), n => Assert.True((int)n! > 50, $"a trace of {n} points"));
        Assert.Equal(4, (await browser.EvaluateAsync("document.querySelectorAll('svg.history polyline').length"))!.GetValue<int>());
        foreach (var c in ScenarioSupport.MotorImageryClasses)
        {
            Assert.Contains(c, dom, StringComparison.Ordinal);
        }

        Assert.Matches(@"\d+\.\d %", await Evaluate(browser, "document.querySelector('[data-field=\"bars\"]').textContent"));
        Assert.Contains("peak memory", dom, StringComparison.Ordinal);

        // A phone: no sideways scrolling.
        await browser.ResizeAsync(390, 844, 3, mobile: true);
        await Task.Delay(500);
        var phone = await browser.ScreenshotAsync(Path.Combine(Screenshots, "status-page-phone.png"));
        Assert.True((await browser.EvaluateAsync("document.documentElement.scrollWidth <= window.innerWidth"))!.GetValue<bool>(), "the page scrolls sideways on a phone");
        Assert.True(laptop.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }) && laptop.Length > 20_000, "no laptop screenshot");
        Assert.True(phone.Length > 20_000, "no phone screenshot");
        output.WriteLine($"screenshots in {Screenshots}: laptop {laptop.Length:N0} B, phone {phone.Length:N0} B");
    }

    [Fact]
    public async Task The_page_is_served_by_the_daemon_alone_with_a_strict_policy()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var page = await http.GetAsync(daemon.Page);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var total = html.Length;
        foreach (var asset in new[] { "status.js", "status.css" })
        {
            var text = await http.GetStringAsync(new Uri(daemon.Page, asset));
            total += text.Length;
            Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        output.WriteLine($"page, script and style: {total:N0} characters");
        // Not on the metrics or control listener's routes of another endpoint: the page has its own tag.
        using var body = new StringContent("x");
        using var withBody = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(daemon.Page, "live")) { Content = body });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, withBody.StatusCode);
    }

    [Fact]
    public async Task Events_arrive_about_five_a_second_with_the_session_its_traces_and_probabilities()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri(daemon.Page, "events"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(2) && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line[6..]);
            }
        }

        output.WriteLine($"{events.Count} events in {watch.Elapsed.TotalSeconds:0.0} s, {events.Average(e => e.Length):N0} characters each");
        Assert.InRange(events.Count, 5, 14); // 5 a second, bounded
        var last = JsonNode.Parse(events[^1])!["sessions"]![0]!;
        Assert.Equal("paged", (string?)last["status"]!["name"]);
        var live = last["live"]!;
        Assert.Equal(8, live["signal"]!["traces"]!.AsArray().Count);
        Assert.Equal(4, live["predictions"]!.AsArray()[^1]!["probabilities"]!.AsArray().Count);
        Assert.True((double)live["predictionsPerSecond"]! > 1);
        Assert.True((double?)live["latency"]!["medianMs"] > 0);
        Assert.True((long?)live["device"]!["peakBytes"] > 0);
        Assert.All(events, e => Assert.True(e.Length < 64 * 1024, $"an event of {e.Length} characters"));
    }

    [Fact]
    public async Task Too_many_streams_are_refused_and_a_stalled_reader_is_dropped()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < daemon.Limits.MaxStreams; i++)
            {
                open.Add(await http.GetAsync(new Uri(daemon.Page, "events"), HttpCompletionOption.ResponseHeadersRead));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }

            using var refused = await http.GetAsync(new Uri(daemon.Page, "events"), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("too many status event streams", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            open.ForEach(r => r.Dispose());
        }

        // A reader that never reads, with a tiny receive window: once the socket buffers and
        // Kestrel's response buffer are full, the next event times out and the stream is dropped.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (daemon.Limits.Streams > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the closed streams were not let go");
            await Task.Delay(50);
        }

        var stalledBefore = daemon.Limits.Stalled;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await socket.ConnectAsync(IPAddress.Loopback, daemon.Page.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /events HTTP/1.1\r\nHost: {daemon.Page.Authority}\r\n\r\n"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (daemon.Limits.Stalled == stalledBefore)
        {
            Assert.True(DateTime.UtcNow < deadline, "a reader that never reads was not dropped within 30 s");
            await Task.Delay(100);
        }

        output.WriteLine($"the stalled reader was dropped after {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, daemon.Limits.Streams);
    }

    [Fact]
    public void StatusListen_is_checked_like_the_other_endpoints()
    {
        var options = new DaemonOptions { StatusListen = "0.0.0.0:8080", Sessions = [ScenarioSupport.MotorImagerySession("x", "emu:native")] };
        Assert.Contains(DaemonConfigValidator.Validate(options), e => e.Path == "$.statusListen" && e.Message.Contains("loopback", StringComparison.Ordinal));
        options.StatusListen = options.ControlListen;
        Assert.Contains(DaemonConfigValidator.Validate(options), e => e.Path == "$.statusListen" && e.Message.Contains("controlListen", StringComparison.Ordinal));
    }

    private static async Task<string> Evaluate(HeadlessChromium browser, string expression) => (string?)await browser.EvaluateAsync(expression) ?? string.Empty;
}
