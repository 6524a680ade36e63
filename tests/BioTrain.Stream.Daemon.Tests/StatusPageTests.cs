using System.Globalization;
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
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// A daemon on loopback with its status page on, the native virtual device and the third shipped
/// subject replayed live into one session.
/// </summary>
internal sealed class LiveDaemon : IAsyncDisposable
{
    private readonly DirectoryInfo _dir;
    private readonly WebApplication _app;
    private readonly Replayer _replay;
    private readonly Task _replaying;

    private LiveDaemon(DirectoryInfo dir, WebApplication app, DaemonOptions options, Replayer replay, Task replaying)
    {
        _dir = dir;
        _app = app;
        _replay = replay;
        _replaying = replaying;
        ControlListen = options.ControlListen;
        Page = DaemonHost.StatusPageAddress(app)!;
        Metrics = new Uri(app.Urls.Single(u => u.StartsWith("http://127.0.0.1", StringComparison.Ordinal) && new Uri(u).Port != Page.Port));
        Session = (SubjectSession)app.Services.GetRequiredService<SessionManager>().Find(options.Sessions[0].Name)!;
    }

    public Uri Page { get; }

    /// <summary>The metrics listener, on which the page's routes must not answer.</summary>
    public Uri Metrics { get; }

    public string ControlListen { get; }

    public SubjectSession Session { get; }

    /// <summary>Starts the daemon and the replay, and waits for the session's first predictions.</summary>
    public static async Task<LiveDaemon> StartAsync(Configuration.SessionOptions session, StatusLimits? limits = null, bool loop = false)
    {
        var dir = Directory.CreateTempSubdirectory("bt-status-page-");
        var (lsl, lslFile) = ScenarioSupport.PrivateLslConfig(dir.FullName);
        var options = new DaemonOptions
        {
            StateDirectory = Path.Combine(dir.FullName, "state"),
            MetricsListen = "127.0.0.1:0",
            ControlListen = $"unix:{Path.Combine(dir.FullName, "control.sock")}",
            StatusListen = "127.0.0.1:0",
            LslConfigFile = lslFile,
            Sessions = [session],
        };
        var app = DaemonHost.Build(options, minimumLogLevel: LogLevel.Warning, statusLimits: limits);
        await app.StartAsync();
        var replay = new Replayer(await RecordingLoader.LoadAsync(PretrainTests.Recording(3)), new ReplayOptions { Restamp = true, Loop = loop, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60) });
        var daemon = new LiveDaemon(dir, app, options, replay, replay.RunAsync());
        await DaemonTestKit.Until(() => daemon.Session.Status.Predictions >= 4, TimeSpan.FromSeconds(60), "the first predictions", () => daemon.Session.Status);
        return daemon;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _replay.DisposeAsync();
        await _replaying.ContinueWith(_ => { });
        _dir.Delete(recursive: true);
    }
}

/// <summary>One <see cref="LiveDaemon"/> for the tests of <see cref="StatusPageTests"/> (a few seconds of replay each).</summary>
public sealed class LiveDaemonFixture : IAsyncLifetime
{
    private LiveDaemon? _daemon;

    /// <summary>Small limits, so that refusing and dropping show within seconds.</summary>
    public StatusLimits Limits { get; } = new() { MaxStreams = 3, WriteTimeout = TimeSpan.FromSeconds(1) };

    internal LiveDaemon Daemon => _daemon ?? throw new InvalidOperationException("the fixture has not started");

    /// <summary>Looped: the tests together outlast the recording's 60 s.</summary>
    public async Task InitializeAsync() => _daemon = await LiveDaemon.StartAsync(ScenarioSupport.MotorImagerySession("paged", "emu:native"), Limits, loop: true);

    public async Task DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }
    }
}

/// <summary>The live status page (issue 16, item 3): in a real browser, and its event stream with a real HTTP client.</summary>
public sealed class StatusPageTests(LiveDaemonFixture fixture, ITestOutputHelper output) : IClassFixture<LiveDaemonFixture>
{
    private const string Bars = "(document.querySelector('[data-field=\"bars\"]')?.textContent ?? '')";
    private const string RoundRows = "document.querySelectorAll('[data-field=\"rounds\"] tbody tr').length";
    /// <summary>The titles of the page's boxes whose content is wider than the box.</summary>
    private const string Overflowing = "[...document.querySelectorAll('article')].filter(a => a.scrollWidth > a.clientWidth + 1).map(a => a.querySelector('h3').textContent)";
    private static readonly string[] ActiveStates = ["running", "calibrating", "training"];

    private static string Screenshots => Path.Combine(RepoPaths.Root, "build", "test-results");

    private LiveDaemon Daemon => fixture.Daemon;

    [Fact]
    public async Task Headless_chromium_draws_the_traces_and_sees_the_probabilities_update_on_a_laptop_and_a_phone()
    {
        await using var browser = await HeadlessChromium.OpenAsync(Daemon.Page, 1280, 1000);
        await browser.WaitForAsync($"/\\d+\\.\\d %/.test({Bars})", TimeSpan.FromSeconds(20));

        // The probabilities shown change as predictions come: read off the bars, twice.
        var shown = await Evaluate(browser, Bars);
        for (var change = 0; change < 2; change++)
        {
            await browser.WaitForAsync($"{Bars} !== {JsonValue.Create(shown).ToJsonString()}", TimeSpan.FromSeconds(20));
            shown = await Evaluate(browser, Bars);
        }

        var laptop = await browser.ScreenshotAsync(Path.Combine(Screenshots, "status-page-laptop.png"));
        var dom = await browser.DomAsync();

        Assert.True(int.Parse(await Evaluate(browser, "document.getElementById('sessions').dataset.updates"), CultureInfo.InvariantCulture) >= 3);
        Assert.Equal("live", await Evaluate(browser, "document.getElementById('link').dataset.link"));
        Assert.Contains(await Evaluate(browser, "document.querySelector('[data-field=\"state\"]').textContent"), ActiveStates);

        // One trace per input channel (8), each with points that go up and down (a signal, not a flat line).
        var traces = (await browser.EvaluateAsync("[...document.querySelectorAll('svg.traces polyline')].map(p => p.getAttribute('points').split(' ').map(xy => Number(xy.split(',')[1])))"))!.AsArray();
        Assert.Equal(8, traces.Count);
        Assert.All(traces, t =>
        {
            var ys = t!.AsArray().Select(y => (double)y!).ToArray();
            Assert.True(ys.Length > 50, $"a trace of {ys.Length} points");
            Assert.True(ys.Max() - ys.Min() > 5, $"a flat trace: {ys.Min()} to {ys.Max()}");
        });

        // The probabilities' history, one line per class; every class named; the device's plan shown.
        Assert.Equal(4, (await browser.EvaluateAsync("document.querySelectorAll('svg.history polyline').length"))!.GetValue<int>());
        foreach (var c in ScenarioSupport.MotorImageryClasses)
        {
            Assert.Contains(c, dom, StringComparison.Ordinal);
        }

        Assert.Contains("peak memory", dom, StringComparison.Ordinal);
        Assert.Equal("[]", (await browser.EvaluateAsync(Overflowing))!.ToJsonString());

        // A phone: no sideways scrolling, nothing spilling out of its box.
        await browser.ResizeAsync(390, 844, 3, mobile: true);
        await Task.Delay(500);
        var phone = await browser.ScreenshotAsync(Path.Combine(Screenshots, "status-page-phone.png"));
        Assert.True((await browser.EvaluateAsync("document.documentElement.scrollWidth <= window.innerWidth"))!.GetValue<bool>(), "the page scrolls sideways on a phone");
        Assert.Equal("[]", (await browser.EvaluateAsync(Overflowing))!.ToJsonString());
        Assert.True(laptop.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }) && laptop.Length > 20_000, "no laptop screenshot");
        Assert.True(phone.Length > 20_000, "no phone screenshot");
        output.WriteLine($"screenshots in {Screenshots}: laptop {laptop.Length:N0} B, phone {phone.Length:N0} B");
    }

    [Fact]
    public async Task The_page_is_served_by_the_daemon_alone_with_a_strict_policy()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var page = await http.GetAsync(Daemon.Page);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var total = html.Length;
        foreach (var asset in new[] { "status.js", "status.css" })
        {
            var text = await http.GetStringAsync(new Uri(Daemon.Page, asset));
            total += text.Length;
            Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        output.WriteLine($"page, script and style: {total:N0} characters");

        // The page's routes answer on the status listener only, and take no body.
        foreach (var path in new[] { string.Empty, "live", "events" })
        {
            using var elsewhere = await http.GetAsync(new Uri(Daemon.Metrics, path), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        }

        using var body = new StringContent("x");
        using var withBody = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(Daemon.Page, "live")) { Content = body });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, withBody.StatusCode);
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST:9465", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.1:9465", true)]
    [InlineData("127.3.2.1:80", true)]
    [InlineData("[::1]", true)]
    [InlineData("[::1]:9465", true)]
    [InlineData("", false)]
    [InlineData("attacker.example", false)]
    [InlineData("attacker.example:9465", false)]
    [InlineData("localhost.attacker.example", false)]
    [InlineData("127.0.0.1.attacker.example:9465", false)]
    [InlineData("10.0.0.1:9465", false)]
    [InlineData("0.0.0.0:9465", false)]
    [InlineData("[::ffff:10.0.0.1]:9465", false)]
    [InlineData("[::]:9465", false)]
    public void Only_localhost_and_loopback_literals_are_names_of_the_status_page(string host, bool allowed) =>
        Assert.Equal(allowed, LoopbackHost.IsAllowed(new HostString(host)));

    [Fact]
    public async Task A_request_for_another_host_name_is_refused_with_421_against_DNS_rebinding()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var port = Daemon.Page.Port.ToString(CultureInfo.InvariantCulture);

        // What a page on attacker.example sends once its name resolves to 127.0.0.1: refused on every route of the listener.
        foreach (var path in new[] { string.Empty, "status.js", "live", "events", "metrics", "no-such-page" })
        {
            using var rebound = new HttpRequestMessage(HttpMethod.Get, new Uri(Daemon.Page, path));
            rebound.Headers.Host = $"attacker.example:{port}";
            using var refused = await http.SendAsync(rebound, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.MisdirectedRequest, refused.StatusCode);
            var error = (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"];
            Assert.Contains("answers to localhost or a loopback address only, not to 'attacker.example:" + port + "'", error, StringComparison.Ordinal);
        }

        // The names a browser on this machine uses are served.
        foreach (var host in new[] { "localhost", $"localhost:{port}", $"127.0.0.1:{port}", $"[::1]:{port}" })
        {
            using var local = new HttpRequestMessage(HttpMethod.Get, new Uri(Daemon.Page, "live"));
            local.Headers.Host = host;
            using var served = await http.SendAsync(local);
            Assert.True(served.StatusCode == HttpStatusCode.OK, $"Host {host}: {served.StatusCode}");
        }

        // The metrics listener is not the page's: a foreign Host there is none of this guard's business.
        using var scrape = new HttpRequestMessage(HttpMethod.Get, new Uri(Daemon.Metrics, "metrics"));
        scrape.Headers.Host = "prometheus.example";
        using var scraped = await http.SendAsync(scrape);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
    }

    [Fact]
    public async Task Events_arrive_about_five_a_second_with_the_session_its_traces_and_probabilities()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri(Daemon.Page, "events"), HttpCompletionOption.ResponseHeadersRead);
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
        // Streams of the tests before this one end when the daemon next writes to them.
        await DaemonTestKit.Until(() => fixture.Limits.Streams == 0, TimeSpan.FromSeconds(10), "earlier event streams to close", () => fixture.Limits.Streams);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < fixture.Limits.MaxStreams; i++)
            {
                open.Add(await http.GetAsync(new Uri(Daemon.Page, "events"), HttpCompletionOption.ResponseHeadersRead));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }

            using var refused = await http.GetAsync(new Uri(Daemon.Page, "events"), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("too many status event streams", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            open.ForEach(r => r.Dispose());
        }

        await DaemonTestKit.Until(() => fixture.Limits.Streams == 0, TimeSpan.FromSeconds(30), "the closed streams to be let go", () => fixture.Limits.Streams);

        // A reader that never reads, with a tiny receive window: once the socket buffers and
        // Kestrel's response buffer are full, the next event times out and the stream is dropped.
        var stalledBefore = fixture.Limits.Stalled;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await socket.ConnectAsync(IPAddress.Loopback, Daemon.Page.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /events HTTP/1.1\r\nHost: {Daemon.Page.Authority}\r\n\r\n"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await DaemonTestKit.Until(() => fixture.Limits.Stalled > stalledBefore, TimeSpan.FromSeconds(30), "a reader that never reads to be dropped", () => new { fixture.Limits.Connections, fixture.Limits.Streams, fixture.Limits.Refused, fixture.Limits.Stalled, Answer = Head(socket) });
        output.WriteLine($"the stalled reader was dropped after {watch.Elapsed.TotalSeconds:0.0} s");
        await DaemonTestKit.Until(() => fixture.Limits.Streams == 0, TimeSpan.FromSeconds(5), "the dropped stream to be let go", () => fixture.Limits.Streams);
    }

    [Fact]
    public async Task Resetting_the_subject_clears_its_round_history_on_the_page()
    {
        // A daemon of its own: this session calibrates on one trial per class and does not adapt,
        // so it sits in Running with exactly its calibration round when it is reset.
        var session = ScenarioSupport.MotorImagerySession("reset-me", "emu:native");
        session.Calibration.TrialsPerClass = 1;
        session.Calibration.Epochs = 2;
        session.Adaptation.Enabled = false;
        await using var daemon = await LiveDaemon.StartAsync(session, loop: true);
        await using var browser = await HeadlessChromium.OpenAsync(daemon.Page, 1280, 1000);
        await browser.WaitForAsync($"{RoundRows} > 0", TimeSpan.FromMinutes(2));
        await DaemonTestKit.Until(() => daemon.Session.Status.State == SessionState.Running, TimeSpan.FromSeconds(30), "running after calibration", () => daemon.Session.Status);
        Assert.Equal("calibration", await Evaluate(browser, "document.querySelector('[data-field=\"rounds\"] tbody tr td').textContent"));

        // As a user resets it: the CLI over the control socket.
        var (exit, _, error) = await CliProcess.RunAsync("calibrate", "reset-me", "reset", "--control", daemon.ControlListen);
        Assert.True(exit == 0, error);
        await browser.WaitForAsync($"{RoundRows} === 0", TimeSpan.FromSeconds(10));
        Assert.Equal("no round yet", await Evaluate(browser, "document.querySelector('[data-field=\"rounds-caption\"]').textContent"));
        Assert.Empty(daemon.Session.Live.Rounds);
        Assert.False(daemon.Session.Status.Calibrated);
    }

    [Fact]
    public void StatusListen_is_checked_like_the_other_endpoints()
    {
        var options = new DaemonOptions { StatusListen = "0.0.0.0:8080", Sessions = [ScenarioSupport.MotorImagerySession("x", "emu:native")] };
        Assert.Contains(DaemonConfigValidator.Validate(options), e => e.Path == "$.statusListen" && e.Message.Contains("loopback", StringComparison.Ordinal));
        options.StatusListen = options.ControlListen;
        Assert.Contains(DaemonConfigValidator.Validate(options), e => e.Path == "$.statusListen" && e.Message.Contains("controlListen", StringComparison.Ordinal));
    }

    /// <summary>The start of what the daemon sent on a socket (for a failure message).</summary>
    private static string Head(Socket socket)
    {
        if (!socket.Poll(0, SelectMode.SelectRead))
        {
            return "no answer yet";
        }

        try
        {
            var buffer = new byte[200];
            var n = socket.Receive(buffer);
            return n == 0 ? "closed by the daemon without an answer" : Encoding.ASCII.GetString(buffer, 0, n);
        }
        catch (SocketException e)
        {
            return $"connection {e.SocketErrorCode}";
        }
    }

    private static async Task<string> Evaluate(HeadlessChromium browser, string expression) => (string?)await browser.EvaluateAsync(expression) ?? string.Empty;
}
