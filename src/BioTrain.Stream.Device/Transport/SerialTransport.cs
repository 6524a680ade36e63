using System.IO.Pipelines;
using System.IO.Ports;
using System.Runtime.InteropServices;
using BioTrain.Stream.Device.Addressing;

namespace BioTrain.Stream.Device.Transport;

/// <summary>
/// A serial tty (a USB-UART bridge such as the GAP9 EVK's FTDI, a CDC-ACM port, or a pty) in raw
/// 8N1 with a configurable rate and no flow control unless asked. A dedicated thread runs the
/// blocking reads into <see cref="Input"/>; a port that vanishes (unplugged, or the pty's other
/// side closed) completes <see cref="Input"/> with an <see cref="IOException"/>, which the client
/// turns into <see cref="DeviceDisconnectedException"/>.
/// </summary>
public sealed class SerialTransport : IDeviceTransport
{
    private const int ReadChunk = 4096;

    private readonly SerialPort _port;
    private readonly Pipe _inbound = new(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly TaskCompletionSource _readerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _linkGone = new();
    private volatile bool _closing;
    private int _disposed;

    private SerialTransport(SerialPort port, string path, SerialLinkOptions options, TimeSpan writeTimeout)
    {
        _port = port;
        Path = path;
        Description = DeviceAddress.ForSerial(path, options).ToString();
        Output = PipeWriter.Create(new SerialWriteStream(port.BaseStream, Description, writeTimeout, _linkGone.Token), new StreamPipeWriterOptions(leaveOpen: true));
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = $"serial read {path}" };
        thread.Start();
    }

    public PipeReader Input => _inbound.Reader;

    public PipeWriter Output { get; }

    public string Description { get; }

    /// <summary>The tty's path, e.g. <c>/dev/ttyUSB1</c>.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens the tty. Errors are <see cref="DeviceStartException"/>s that say why: no such node,
    /// permission denied (and which group to join), busy, not a tty.
    /// </summary>
    /// <param name="writeTimeout">How long a write may stall (flow control holding it) before the link counts as lost; default 5 s.</param>
    public static SerialTransport Open(string path, SerialLinkOptions? options, TimeSpan? writeTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new SerialLinkOptions();
        var port = new SerialPort(path, options.EffectiveBaudRate, Parity.None, 8, StopBits.One)
        {
            Handshake = options.EffectiveRtsCts ? Handshake.RequestToSend : Handshake.None,
            ReadTimeout = SerialPort.InfiniteTimeout,
            WriteTimeout = SerialPort.InfiniteTimeout,
            ReadBufferSize = 1 << 16,
            WriteBufferSize = 1 << 16,
        };
        try
        {
            port.Open();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException or ArgumentException or InvalidOperationException)
        {
            port.Dispose();
            throw TtyNode.Explain(path, e);
        }

        try
        {
            // Assert DTR (and RTS without flow control) as terminal programs do: CDC-ACM firmware
            // such as Zephyr's often sends nothing until the host raises DTR.
            SetModemLine(() => port.DtrEnable = true);
            if (!options.EffectiveRtsCts)
            {
                SetModemLine(() => port.RtsEnable = true);
            }

            port.DiscardInBuffer();
            return new SerialTransport(port, path, options, writeTimeout ?? TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            port.Dispose();
            throw new DeviceStartException($"cannot set up serial:{path}: {e.Message}", e);
        }
    }

    /// <summary>A pty has no modem lines (ENOTTY): nothing to set there.</summary>
    private static void SetModemLine(Action set)
    {
        try
        {
            set();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Blocking reads on their own thread (serial reads block, so they stay off the thread pool),
    /// then a flush that waits when the client is behind (back-pressure, no unbounded buffer).
    /// </summary>
    private void ReadLoop()
    {
        var writer = _inbound.Writer;
        var stream = _port.BaseStream;
        Exception? failure = null;
        try
        {
            while (!_closing)
            {
                var memory = writer.GetMemory(ReadChunk);
                if (!MemoryMarshal.TryGetArray<byte>(memory, out var segment))
                {
                    throw new InvalidOperationException("pipe memory is not array-backed");
                }

                var n = stream.Read(segment.Array!, segment.Offset, Math.Min(segment.Count, ReadChunk));
                if (n <= 0)
                {
                    continue;
                }

                writer.Advance(n);
                var flush = writer.FlushAsync();
                var result = flush.IsCompletedSuccessfully ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException or TimeoutException)
        {
            if (!_closing)
            {
                failure = new IOException(VanishedMessage(e), e);
            }
        }
        finally
        {
            _linkGone.Cancel();
            writer.Complete(failure);
            _readerDone.TrySetResult();
        }
    }

    private string VanishedMessage(Exception e) =>
        File.Exists(Path)
            ? $"{Path} hung up (the device went away or the other side closed it): {e.Message}"
            : $"{Path} vanished (USB bridge unplugged?): {e.Message}";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _closing = true;
        await _linkGone.CancelAsync().ConfigureAwait(false);
        try
        {
            // Bytes still buffered are dropped: the link is being closed.
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }

        try
        {
            // Fails the pending read, which ends the read thread.
            _port.Dispose();
        }
        catch (IOException)
        {
            // the port vanished already
        }

        await _readerDone.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
        _linkGone.Dispose();
    }
}
