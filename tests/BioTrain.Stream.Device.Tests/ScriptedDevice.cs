using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Device.Tests;

/// <summary>
/// A device written for tests, on a real Unix socket: it answers HELLO properly, then hands every
/// further request to a script that returns the raw bytes to send back (null: stay silent;
/// <see cref="Hangup"/>: close the link). Used to play a hostile or broken device.
/// </summary>
internal sealed class ScriptedDevice : IAsyncDisposable
{
    public static readonly byte[] Hangup = [];

    private readonly Socket _listener;
    private readonly Func<int, ReceivedFrame, byte[]?> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serve;

    public ScriptedDevice(Func<int, ReceivedFrame, byte[]?> script, Func<ReceivedFrame, byte[]>? hello = null)
    {
        _script = script;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bt-scripted-{Guid.NewGuid():N}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(1);
        _serve = Task.Run(() => ServeAsync(hello ?? Capabilities));
    }

    public string Path { get; }

    public static byte[] Frame(MessageType type, ushort seq, ReadOnlySpan<byte> payload, byte version = 1, FrameFlagBits flags = FrameFlagBits.None)
    {
        var w = new ArrayBufferWriter<byte>();
        FrameWriter.Write(w, new FrameHeader(version, type, flags, seq, 1, 0), payload);
        return w.WrittenSpan.ToArray();
    }

    public static byte[] Capabilities(ReceivedFrame hello)
    {
        var w = new ArrayBufferWriter<byte>();
        new Capabilities(1, 0, "scripted", "test", 4096, 1_000_000, 1, DeviceFeatures.None, 1, [new MemoryRegion("L2", 0, 1 << 20)], 0).Encode(w);
        return Frame(MessageType.Capabilities, hello.Header.Seq, w.WrittenSpan);
    }

    public static byte[] Error(ushort seq, DeviceErrorCode code, string text, FrameFlagBits flags = FrameFlagBits.None)
    {
        var w = new ArrayBufferWriter<byte>();
        new ErrorMessage(code, 0, text).Encode(w);
        return Frame(MessageType.Error, seq, w.WrittenSpan, flags: flags);
    }

    /// <summary>The PONG a correct device would send.</summary>
    public static byte[] Echo(ReceivedFrame request) => Frame(MessageType.Pong, request.Header.Seq, request.Payload);

    private async Task ServeAsync(Func<ReceivedFrame, byte[]> hello)
    {
        try
        {
            using var socket = await _listener.AcceptAsync(_stop.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var reader = new FrameReader(PipeReader.Create(stream), 1 << 20, null);
            var index = 0;
            while (true)
            {
                var read = await reader.ReadAsync(_stop.Token);
                if (read.EndOfStream)
                {
                    return;
                }

                using var frame = read.Frame;
                if (frame is null)
                {
                    continue;
                }

                var reply = frame.Header.Type == MessageType.Hello ? hello(frame) : _script(index++, frame);
                if (ReferenceEquals(reply, Hangup))
                {
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                }

                if (reply is not null)
                {
                    await stream.WriteAsync(reply, _stop.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _serve;
        }
        catch (SocketException)
        {
        }
        catch (IOException)
        {
        }

        File.Delete(Path);
        _stop.Dispose();
    }
}
