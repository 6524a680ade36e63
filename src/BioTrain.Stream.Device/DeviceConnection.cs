using System.Diagnostics;
using System.Net.Sockets;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Transport;

namespace BioTrain.Stream.Device;

/// <summary>
/// A connected device: the client, and the virtual device process behind it when the address
/// was <c>emu:*</c>. Disposing closes the link and stops the process.
/// </summary>
public sealed class DeviceConnection : IAsyncDisposable
{
    private DeviceConnection(DeviceAddress address, DeviceClient client, VirtualDevice? virtualDevice, TimeSpan connectTime)
    {
        Address = address;
        Client = client;
        VirtualDevice = virtualDevice;
        ConnectTime = connectTime;
    }

    public DeviceAddress Address { get; }

    public DeviceClient Client { get; }

    public VirtualDevice? VirtualDevice { get; }

    /// <summary>From starting (or dialling) the device to CAPABILITIES: for QEMU, the boot time.</summary>
    public TimeSpan ConnectTime { get; }

    public static async Task<DeviceConnection> OpenAsync(
        DeviceAddress address,
        DeviceClientOptions? clientOptions,
        VirtualDeviceOptions? virtualOptions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        var start = Stopwatch.GetTimestamp();
        VirtualDevice? device = null;
        IDeviceTransport? transport = null;
        try
        {
            switch (address.Kind)
            {
                case DeviceAddressKind.EmulatorNative:
                case DeviceAddressKind.EmulatorQemu:
                    var kind = address.Kind == DeviceAddressKind.EmulatorNative ? VirtualDeviceKind.Native : VirtualDeviceKind.Qemu;
                    if (address.QemuHarts is { } harts)
                    {
                        virtualOptions = (virtualOptions ?? new VirtualDeviceOptions()) with { Harts = harts };
                    }

                    device = await VirtualDevice.StartAsync(kind, virtualOptions, cancellationToken).ConfigureAwait(false);
                    start = device.StartedTimestamp;
                    transport = await ConnectUnixWithRetryAsync(device.SocketPath, device, cancellationToken).ConfigureAwait(false);
                    break;
                case DeviceAddressKind.Unix:
                    transport = await ConnectAsync(() => SocketTransport.ConnectUnixAsync(address.Target, cancellationToken), address).ConfigureAwait(false);
                    break;
                case DeviceAddressKind.Tcp:
                    transport = await ConnectAsync(() => SocketTransport.ConnectTcpAsync(address.Target, address.Port, cancellationToken), address).ConfigureAwait(false);
                    break;
                case DeviceAddressKind.Serial:
                    transport = SerialTransport.Open(address.Target, address.Serial);
                    break;
                case DeviceAddressKind.Usb when address.Usb is not null:
                    transport = UsbBulkTransport.Open(address.Usb);
                    break;
                default:
                    throw new DeviceAddressException($"no transport for {address}");
            }

            var client = await DeviceClient.ConnectAsync(transport, clientOptions, cancellationToken).ConfigureAwait(false);
            transport = null; // owned by the client now
            return new DeviceConnection(address, client, device, Stopwatch.GetElapsedTime(start));
        }
        catch
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            if (device is not null)
            {
                await device.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static async Task<IDeviceTransport> ConnectAsync(Func<Task<SocketTransport>> connect, DeviceAddress address)
    {
        try
        {
            return await connect().ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new DeviceStartException($"cannot connect to {address}: {e.Message}", e);
        }
    }

    private static async Task<IDeviceTransport> ConnectUnixWithRetryAsync(string path, VirtualDevice device, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await SocketTransport.ConnectUnixAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException) when (attempt < 50 && !device.HasExited)
            {
                // bound but not yet listening: try again shortly
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new DeviceStartException($"cannot connect to the {device.Kind} virtual device at {path}: {e.Message}. {device.StandardError.Trim()}", e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync().ConfigureAwait(false);
        if (VirtualDevice is not null)
        {
            await VirtualDevice.DisposeAsync().ConfigureAwait(false);
        }
    }
}
