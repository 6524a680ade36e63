using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// Debian's chromium, headless, driven over its DevTools protocol on loopback: load a page, wait for
/// a condition in the page, read the DOM, take screenshots. (<c>--dump-dom</c> alone cannot wait for
/// a page whose event stream never ends.)
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, DirectoryInfo profile)
    {
        _process = process;
        _profile = profile;
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex Listening();

    public static async Task<HeadlessChromium> OpenAsync(Uri page, int width, int height)
    {
        var profile = Directory.CreateTempSubdirectory("bt-chromium-");
        var start = new ProcessStartInfo("chromium") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", $"--user-data-dir={profile.FullName}",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--window-size={width},{height}", page.ToString() })
        {
            start.ArgumentList.Add(a);
        }

        var process = ExternalTool.Start(start, "chromium");
        _ = process.StandardOutput.ReadToEndAsync();
        var browser = new HeadlessChromium(process, profile);
        try
        {
            Uri? devtools = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (devtools is null && await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                if (Listening().Match(line) is { Success: true } m)
                {
                    devtools = new Uri(m.Groups[1].Value);
                }
            }

            _ = process.StandardError.ReadToEndAsync();
            Assert.True(devtools is not null, "chromium did not open its DevTools endpoint");
            // The page target opened with the command line: its own socket.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var targets = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://{devtools!.Authority}/json/list")))!.AsArray();
            var target = targets.First(t => (string?)t!["type"] == "page")!;
            await browser._socket.ConnectAsync(new Uri((string)target["webSocketDebuggerUrl"]!), timeout.Token);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>A JavaScript expression's value in the page.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression) =>
        (await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }))["result"]?["value"];

    /// <summary>Waits until a JavaScript expression is true in the page.</summary>
    public async Task WaitForAsync(string expression, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await EvaluateAsync(expression))?.GetValue<bool>() != true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the page did not reach `{expression}` within {timeout.TotalSeconds} s");
            await Task.Delay(100);
        }
    }

    public async Task<string> DomAsync() => (string)(await EvaluateAsync("document.documentElement.outerHTML"))!;

    /// <summary>Emulates a screen (a phone: mobile, with its pixel ratio).</summary>
    public Task ResizeAsync(int width, int height, double scale, bool mobile) => SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
    {
        ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = scale, ["mobile"] = mobile,
    });

    /// <summary>A PNG of the viewport, written to <paramref name="path"/>.</summary>
    public async Task<byte[]> ScreenshotAsync(string path)
    {
        var png = Convert.FromBase64String((string)(await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }))["data"]!);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, png);
        return png;
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject parameters)
    {
        var id = ++_nextId;
        var request = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            var reply = JsonNode.Parse(message.ToArray())!;
            if ((int?)reply["id"] == id)
            {
                Assert.True(reply["error"] is null, $"{method}: {reply["error"]?.ToJsonString()}");
                return reply["result"]!;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // chromium's helpers may still be letting go of the profile
        }
    }
}
