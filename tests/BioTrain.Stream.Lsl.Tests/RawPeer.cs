using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>A hand-driven TCP client for talking to an outlet byte by byte.</summary>
internal static class RawPeer
{
    /// <summary>Sends <paramref name="request"/> and reads until the outlet closes (or a hang guard fires).</summary>
    public static async Task<byte[]> ExchangeAsync(int port, byte[] request, int maxBytes = 1 << 20, bool closeWrite = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(request);
        if (closeWrite)
        {
            client.Client.Shutdown(SocketShutdown.Send);
        }

        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(TestLsl.Patience));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (received.Length < maxBytes)
            {
                var n = await stream.ReadAsync(buffer, guard.Token);
                if (n == 0)
                {
                    break;
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (IOException)
        {
            // Reset by the outlet: also a close.
        }

        return received.ToArray();
    }

    public static Task<byte[]> ExchangeAsync(int port, string request, int maxBytes = 1 << 20) =>
        ExchangeAsync(port, Encoding.UTF8.GetBytes(request), maxBytes);
}
