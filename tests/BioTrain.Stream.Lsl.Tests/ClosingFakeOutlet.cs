using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>An outlet that answers any request with fixed bytes and closes at once.</summary>
internal sealed class ClosingFakeOutlet : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _serve;

    public ClosingFakeOutlet(byte[] reply)
    {
        _listener.Start();
        _serve = ServeAsync(reply);
    }

    public StreamInfo Info()
    {
        var info = new StreamInfo("Fake", "EEG", 3, 100, ChannelFormat.Float32, "fake");
        info.Uid = "11111111-2222-3333-4444-555555555555";
        info.V4Address = "127.0.0.1";
        info.V4DataPort = ((IPEndPoint)_listener.LocalEndpoint).Port;
        return info;
    }

    private async Task ServeAsync(byte[] reply)
    {
        try
        {
            using var client = await _listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync(reply);
        }
        catch (SocketException)
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
        _listener.Stop();
        _listener.Dispose();
        await _serve;
    }
}
