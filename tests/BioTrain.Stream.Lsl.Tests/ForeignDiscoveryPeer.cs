using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>
/// Another process's LSL outlet as seen from the discovery port, built the way liblsl 1.16 builds one
/// (lsl-protocol.md §1.2): a responder bound to (ListenAddress, MulticastPort) with SO_REUSEADDR and no
/// SO_REUSEPORT, plus a unicast service socket on a port of the range. Both answer shortinfo queries with a
/// fixed uid and count what they received. Raw sockets, no liblsl.
/// </summary>
internal sealed class ForeignDiscoveryPeer : IDisposable
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    private readonly Socket _shared;
    private readonly Socket _service;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private int _sharedQueries;
    private int _serviceQueries;

    public ForeignDiscoveryPeer(Config.LslConfig config)
    {
        Uid = Guid.NewGuid().ToString("D");
        _shared = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _shared.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        _shared.Bind(new IPEndPoint(IPAddress.Loopback, config.MulticastPort));

        // The last port of the range, so the outlet under test (which takes the first free one) never competes.
        ServicePort = config.BasePort + config.PortRange - 1;
        _service = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _service.Bind(new IPEndPoint(IPAddress.Loopback, ServicePort));
        _loops = [AnswerAsync(_shared, () => Interlocked.Increment(ref _sharedQueries)), AnswerAsync(_service, () => Interlocked.Increment(ref _serviceQueries))];
    }

    public string Uid { get; }

    public int ServicePort { get; }

    public int SharedPortQueries => Volatile.Read(ref _sharedQueries);

    public int ServicePortQueries => Volatile.Read(ref _serviceQueries);

    public int QueriesReceived => SharedPortQueries + ServicePortQueries;

    private string ShortInfo() =>
        "<?xml version=\"1.0\"?>\n<info>\n\t<name>Foreign</name>\n\t<type>EEG</type>\n\t<channel_count>1</channel_count>\n" +
        "\t<channel_format>float32</channel_format>\n\t<source_id>foreign</source_id>\n\t<nominal_srate>100.0000000000000</nominal_srate>\n" +
        "\t<version>1.100000000000000</version>\n\t<created_at>1.000000000000000</created_at>\n" +
        $"\t<uid>{Uid}</uid>\n\t<session_id>default</session_id>\n\t<hostname>foreign</hostname>\n\t<v4address></v4address>\n" +
        $"\t<v4data_port>{ServicePort}</v4data_port>\n\t<v4service_port>{ServicePort}</v4service_port>\n\t<v6address></v6address>\n" +
        "\t<v6data_port>0</v6data_port>\n\t<v6service_port>0</v6service_port>\n\t<desc />\n</info>\n";

    private async Task AnswerAsync(Socket socket, Action count)
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                var lines = Encoding.UTF8.GetString(buffer, 0, result.ReceivedBytes).Split("\r\n");
                if (lines.Length < 3 || lines[0] != "LSL:shortinfo")
                {
                    continue;
                }

                count();
                var parts = lines[2].Split(' ');
                var target = new IPEndPoint(((IPEndPoint)result.RemoteEndPoint).Address, int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
                await socket.SendToAsync(Encoding.UTF8.GetBytes(parts[1] + "\r\n" + ShortInfo()), SocketFlags.None, target, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _shared.Dispose();
        _service.Dispose();
        Task.WaitAll(_loops, TimeSpan.FromSeconds(TestLsl.Patience));
        _stop.Dispose();
    }
}
