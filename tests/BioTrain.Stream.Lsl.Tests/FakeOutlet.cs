using System.Net;
using System.Net.Sockets;
using System.Text;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>
/// A hostile or broken outlet on 127.0.0.1: it reads the inlet's request up to the blank line and answers
/// with whatever bytes a test gives it, then keeps the connection open until the test ends.
/// </summary>
internal sealed class FakeOutlet : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serve;

    public FakeOutlet(Func<string, byte[]> reply)
    {
        _listener.Start();
        _serve = ServeAsync(reply);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string LastRequest { get; private set; } = string.Empty;

    public StreamInfo Info(ChannelFormat format = ChannelFormat.Float32, int channels = 3, string uid = "11111111-2222-3333-4444-555555555555")
    {
        var info = new StreamInfo("Fake", "EEG", channels, 100, format, "fake");
        info.Uid = uid;
        info.V4Address = "127.0.0.1";
        info.V4DataPort = Port;
        info.V4ServicePort = Port;
        return info;
    }

    private async Task ServeAsync(Func<string, byte[]> reply)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && !request.ToString().StartsWith("LSL:streamfeed\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                LastRequest = request.ToString();
                await stream.WriteAsync(reply(LastRequest), _stop.Token);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Dispose();
        await _serve;
        _stop.Dispose();
    }
}
