using System.Buffers;
using System.IO.Pipelines;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Usb;

namespace BioTrain.Stream.Device.Transport;

/// <summary>
/// Bulk IN/OUT endpoints of one USB interface through libusb: an FTDI UART channel (GAP9 EVK),
/// a CDC-ACM data interface (nRF5340 of BioGAP), or plain bulk endpoints. Two dedicated threads
/// run synchronous libusb_bulk_transfer calls with timeouts; an unplugged device completes
/// <see cref="Input"/> with an <see cref="IOException"/>, which the client turns into
/// <see cref="DeviceDisconnectedException"/>. Disposing releases the interfaces (libusb then
/// re-attaches a kernel driver it detached) and closes the device.
/// </summary>
public sealed class UsbBulkTransport : IDeviceTransport
{
    private const int TransferSize = 16384;
    private const uint ReadTimeoutMs = 200;
    private const int FtdiStatusBytes = 2;

    private readonly UsbContext _context;
    private readonly LibUsbDeviceHandle _handle;
    private readonly int[] _claimed;
    private readonly byte _in;
    private readonly byte _out;
    private readonly int _inPacket;
    private readonly bool _ftdi;
    private readonly uint _writeTimeoutMs;
    private readonly Pipe _inbound = new(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly Pipe _outbound = new(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly TaskCompletionSource _readerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _closing;
    private int _disposed;

    private UsbBulkTransport(UsbContext context, LibUsbDeviceHandle handle, UsbDeviceInfo device, int[] claimed, UsbEndpointInfo inEndpoint, UsbEndpointInfo outEndpoint, UsbBridgeKind bridge, string description, TimeSpan writeTimeout)
    {
        _context = context;
        _handle = handle;
        _claimed = claimed;
        _in = inEndpoint.Address;
        _out = outEndpoint.Address;
        _inPacket = Math.Max(inEndpoint.MaxPacketSize, FtdiStatusBytes + 1);
        _ftdi = bridge == UsbBridgeKind.Ftdi;
        _writeTimeoutMs = (uint)writeTimeout.TotalMilliseconds;
        Device = device;
        Bridge = bridge;
        Description = description;
        new Thread(ReadLoop) { IsBackground = true, Name = $"usb in {device.Ids}" }.Start();
        new Thread(WriteLoop) { IsBackground = true, Name = $"usb out {device.Ids}" }.Start();
    }

    public PipeReader Input => _inbound.Reader;

    public PipeWriter Output => _outbound.Writer;

    public string Description { get; }

    /// <summary>The device opened.</summary>
    public UsbDeviceInfo Device { get; }

    /// <summary>How the interface was set up.</summary>
    public UsbBridgeKind Bridge { get; }

    /// <summary>
    /// Finds the device, claims the interface (detaching a kernel driver only with detach=true),
    /// sets the bridge up and starts the transfer threads. Every failure is a
    /// <see cref="DeviceStartException"/> with libusb's error name and a hint.
    /// </summary>
    /// <param name="writeTimeout">How long one bulk OUT transfer may take before the link counts as lost; default 5 s.</param>
    public static UsbBulkTransport Open(UsbLinkOptions options, TimeSpan? writeTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var context = UsbContext.Create();
        LibUsbDeviceHandle? handle = null;
        var claimed = new List<int>();
        try
        {
            (handle, var device) = context.Open(options);
            var number = options.EffectiveInterface;
            var iface = device.Interfaces.FirstOrDefault(i => i.Number == number)
                ?? throw new DeviceStartException($"{device.Ids} has no interface {number} (it has {string.Join(", ", device.Interfaces.Select(i => i.Number))})");
            var inEndpoint = PickEndpoint(device, iface, options.InEndpoint, wantIn: true);
            var outEndpoint = PickEndpoint(device, iface, options.OutEndpoint, wantIn: false);
            var bridge = options.Bridge
                ?? (device.VendorId == 0x0403 ? UsbBridgeKind.Ftdi : iface.Class == UsbInterfaceInfo.ClassCdcData ? UsbBridgeKind.CdcAcm : UsbBridgeKind.Raw);
            var control = bridge == UsbBridgeKind.CdcAcm ? CdcControlInterface(device, number) : null;

            if (options.EffectiveDetach)
            {
                // libusb detaches on claim and re-attaches on release, so the tty comes back after us.
                _ = LibUsb.SetAutoDetachKernelDriver(handle, 1);
            }

            foreach (var n in control is null ? [number] : new[] { control.Number, number })
            {
                Claim(handle, device, n, options.EffectiveDetach);
                claimed.Add(n);
            }

            switch (bridge)
            {
                case UsbBridgeKind.Ftdi:
                    UsbBridgeSetup.ConfigureFtdi(handle, device, number, options, rtsCts: false);
                    break;
                case UsbBridgeKind.CdcAcm when control is not null:
                    UsbBridgeSetup.ConfigureCdcAcm(handle, device, control.Number, options.EffectiveBaudRate);
                    break;
            }

            var description = DeviceAddress.ForUsb(options).ToString();
            return new UsbBulkTransport(context, handle, device, [.. claimed], inEndpoint, outEndpoint, bridge, description, writeTimeout ?? TimeSpan.FromSeconds(5));
        }
        catch
        {
            if (handle is not null)
            {
                foreach (var n in claimed)
                {
                    _ = LibUsb.ReleaseInterface(handle, n);
                }

                handle.Dispose();
            }

            context.Dispose();
            throw;
        }
    }

    private static UsbEndpointInfo PickEndpoint(UsbDeviceInfo device, UsbInterfaceInfo iface, byte? asked, bool wantIn)
    {
        var direction = wantIn ? "IN" : "OUT";
        if (asked is { } address)
        {
            return iface.Endpoints.FirstOrDefault(e => e.Address == address && e.IsBulk)
                ?? throw new DeviceStartException($"{device.Ids} interface {iface.Number} has no bulk endpoint 0x{address:x2} (it has {Endpoints(iface)})");
        }

        return (wantIn ? iface.FirstBulkIn : iface.FirstBulkOut)
            ?? throw new DeviceStartException($"{device.Ids} interface {iface.Number} has no bulk {direction} endpoint (it has {Endpoints(iface)}); pick another iface=");
    }

    private static string Endpoints(UsbInterfaceInfo iface) =>
        iface.Endpoints.Count == 0 ? "none" : string.Join(", ", iface.Endpoints.Select(e => $"0x{e.Address:x2}{(e.IsBulk ? " bulk" : string.Empty)}"));

    /// <summary>The CDC control interface that goes with a data interface: by convention the one just before it.</summary>
    private static UsbInterfaceInfo? CdcControlInterface(UsbDeviceInfo device, int dataInterface) =>
        device.Interfaces.FirstOrDefault(i => i.Class == UsbInterfaceInfo.ClassCdcControl && i.Number == dataInterface - 1)
        ?? device.Interfaces.FirstOrDefault(i => i.Class == UsbInterfaceInfo.ClassCdcControl);

    private static void Claim(LibUsbDeviceHandle handle, UsbDeviceInfo device, int number, bool detach)
    {
        if (!detach && LibUsb.KernelDriverActive(handle, number) == 1)
        {
            var configuration = 1;
            var driver = UsbSysfs.InterfaceDriver(device.PortPath, configuration, number) ?? "a kernel driver";
            var tty = UsbSysfs.InterfaceTty(device.PortPath, configuration, number);
            throw new DeviceStartException(
                $"interface {number} of {device.Ids} is bound to {driver}{(tty is null ? string.Empty : $", which made {tty}")}: " +
                $"{(tty is null ? string.Empty : $"use serial:{tty}, or ")}add detach=true to the address to take it over (libusb gives it back on close)");
        }

        var code = LibUsb.ClaimInterface(handle, number);
        if (code != LibUsb.Success)
        {
            throw UsbError.Start(code, $"{device.Ids} at {device.Node}", $"claiming interface {number} of");
        }
    }

    private unsafe void ReadLoop()
    {
        var writer = _inbound.Writer;
        var buffer = GC.AllocateArray<byte>(TransferSize - (TransferSize % _inPacket), pinned: true);
        Exception? failure = null;
        try
        {
            while (!_closing)
            {
                int code, transferred;
                fixed (byte* p = buffer)
                {
                    code = LibUsb.BulkTransfer(_handle, _in, p, buffer.Length, out transferred, ReadTimeoutMs);
                }

                if (code is not (LibUsb.Success or LibUsb.ErrorTimeout or LibUsb.ErrorInterrupted))
                {
                    if (!_closing)
                    {
                        failure = UsbError.Lost(code, Description, "bulk IN");
                    }

                    break;
                }

                if (transferred > 0 && Deliver(writer, buffer.AsSpan(0, transferred)))
                {
                    break;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // the handle was closed under us while disposing
        }
        finally
        {
            writer.Complete(failure);
            _readerDone.TrySetResult();
        }
    }

    /// <summary>Hands received bytes to the client; FTDI packets lose their 2 modem-status bytes. True when the client is gone.</summary>
    private bool Deliver(PipeWriter writer, ReadOnlySpan<byte> received)
    {
        if (_ftdi)
        {
            // Every max-packet-sized packet (and the short last one) starts with the status bytes.
            for (var offset = 0; offset < received.Length; offset += _inPacket)
            {
                var packet = received.Slice(offset, Math.Min(_inPacket, received.Length - offset));
                if (packet.Length > FtdiStatusBytes)
                {
                    writer.Write(packet[FtdiStatusBytes..]);
                }
            }
        }
        else
        {
            writer.Write(received);
        }

        var flush = writer.FlushAsync();
        var result = flush.IsCompletedSuccessfully ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
        return result.IsCompleted;
    }

    private unsafe void WriteLoop()
    {
        var reader = _outbound.Reader;
        Exception? failure = null;
        try
        {
            while (true)
            {
                var read = reader.ReadAsync();
                var result = read.IsCompletedSuccessfully ? read.Result : read.AsTask().GetAwaiter().GetResult();
                foreach (var segment in result.Buffer)
                {
                    for (var offset = 0; offset < segment.Length; offset += TransferSize)
                    {
                        var chunk = segment.Span.Slice(offset, Math.Min(TransferSize, segment.Length - offset));
                        int code, transferred;
                        fixed (byte* p = chunk)
                        {
                            code = LibUsb.BulkTransfer(_handle, _out, p, chunk.Length, out transferred, _writeTimeoutMs);
                        }

                        if (code != LibUsb.Success)
                        {
                            throw code == LibUsb.ErrorTimeout
                                ? new IOException($"bulk OUT on {Description} stalled for {_writeTimeoutMs} ms after {transferred} of {chunk.Length} bytes")
                                : UsbError.Lost(code, Description, "bulk OUT");
                        }
                    }
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            failure = _closing ? null : e as IOException ?? new IOException($"{Description}: {e.Message}", e);
        }
        finally
        {
            reader.Complete(failure);
            _writerDone.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _closing = true;
        await Output.CompleteAsync().ConfigureAwait(false);
        var stopped = Task.WhenAll(_readerDone.Task, _writerDone.Task);
        await stopped.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
        foreach (var n in _claimed)
        {
            _ = LibUsb.ReleaseInterface(_handle, n);
        }

        _handle.Dispose();
        _context.Dispose();
    }
}
