using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Transport;
using BioTrain.Stream.Device.Usb;

namespace BioTrain.Stream.Device.Tests;

/// <summary>The libusb binding and the USB transport on this machine, without hardware.</summary>
public class UsbTests
{
    [Fact]
    public void Libusb_initialises_and_enumerates_this_machine()
    {
        Assert.True(UsbContext.LibraryVersion >= new Version(1, 0, 20));
        using var context = UsbContext.Create();
        var devices = context.Enumerate();
        Assert.All(devices, d => Assert.StartsWith($"/dev/bus/usb/{d.Bus:000}/", d.Node, StringComparison.Ordinal));
    }

    [Fact]
    public void An_absent_device_is_a_clear_start_error()
    {
        var e = Assert.Throws<DeviceStartException>(() => UsbBulkTransport.Open(DeviceAddress.Parse("usb:cafe:f00d?iface=1").Usb!));
        Assert.Contains("no USB device usb:cafe:f00d is attached", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_an_absent_device_through_the_connection_is_a_start_error()
    {
        var e = await Assert.ThrowsAsync<DeviceStartException>(() => DeviceConnection.OpenAsync(DeviceAddress.Parse("usb:cafe:f00d?serial=X1&detach=true"), null, null, CancellationToken.None));
        Assert.Contains("serial=X1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3_000_000, true, 2, 0x0004, 0x0202, 3_000_000)]
    [InlineData(12_000_000, true, 2, 0x0000, 0x0202, 12_000_000)]
    [InlineData(8_000_000, true, 1, 0x0001, 0x0201, 8_000_000)]
    [InlineData(115_200, true, 2, 0xC068, 0x0202, 115_246)]
    [InlineData(115_200, false, 0, 0x001A, 0x0000, 115_385)]
    [InlineData(3_000_000, false, 0, 0x0000, 0x0000, 3_000_000)]
    [InlineData(2_000_000, false, 0, 0x0001, 0x0000, 2_000_000)]
    [InlineData(921_600, true, 2, 0x000D, 0x0202, 923_077)]
    public void Ftdi_baud_divisors_follow_the_application_note(int baud, bool highSpeed, int port, int value, int index, int actual)
    {
        var d = FtdiBaudDivisor.For(baud, highSpeed, port);
        Assert.Equal(value, d.Value);
        Assert.Equal(index, d.Index);
        Assert.Equal(actual, d.ActualBaudRate);
    }

    [Theory]
    [InlineData(10_000_000, true, "nearest rate is 8000000")]
    [InlineData(4_000_000, false, "out of this FTDI chip's range")]
    public void Ftdi_rates_the_chip_cannot_make_are_refused(int baud, bool highSpeed, string message)
    {
        var e = Assert.Throws<DeviceStartException>(() => FtdiBaudDivisor.For(baud, highSpeed, 2));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
