using BioTrain.Stream.Device.Addressing;

namespace BioTrain.Stream.Device.Tests;

/// <summary>serial: and usb: addresses and their options.</summary>
public class DeviceAddressOptionTests
{
    [Theory]
    [InlineData("serial:/dev/ttyUSB1")]
    [InlineData("serial:/dev/ttyUSB1?baud=3000000")]
    [InlineData("serial:/dev/ttyACM0?baud=115200&rtscts=true")]
    [InlineData("serial:/dev/pts/7?rtscts=false")]
    [InlineData("usb:0403:6010")]
    [InlineData("usb:0403:6010?iface=1")]
    [InlineData("usb:0403:6010?iface=1&serial=FT7A3B1C&detach=true")]
    [InlineData("usb:1915:520f?iface=1&detach=true&bridge=cdc-acm&baud=1000000")]
    [InlineData("usb:0403:6011?iface=2&bridge=ftdi&baud=3000000&latency=2&in=0x85&out=0x06")]
    [InlineData("usb:cafe:0001?bridge=raw&in=0x81&out=0x01")]
    [InlineData("usb:0403:6010?serial=with%20space%26amp")]
    public void Prints_back_as_written(string text)
    {
        var address = DeviceAddress.Parse(text);
        Assert.Equal(text, address.ToString());
        Assert.Equal(address, DeviceAddress.Parse(address.ToString()));
    }

    [Fact]
    public void Serial_options_have_their_documented_defaults()
    {
        var address = DeviceAddress.Parse("serial:/dev/ttyUSB1");
        Assert.Equal(DeviceAddressKind.Serial, address.Kind);
        Assert.Equal("/dev/ttyUSB1", address.Target);
        Assert.Equal(3_000_000, address.Serial!.EffectiveBaudRate);
        Assert.False(address.Serial.EffectiveRtsCts);
        Assert.True(DeviceAddress.Parse("serial:/dev/ttyUSB1?rtscts=true").Serial!.EffectiveRtsCts);
        Assert.Equal(921600, DeviceAddress.Parse("serial:/dev/ttyUSB1?baud=921600").Serial!.EffectiveBaudRate);
    }

    [Fact]
    public void Usb_options_are_decoded()
    {
        var usb = DeviceAddress.Parse("usb:0403:6010?iface=1&serial=FT%2F1&detach=true&bridge=ftdi&baud=2000000&latency=16&in=0x83&out=4").Usb!;
        Assert.Equal(0x0403, usb.VendorId);
        Assert.Equal(0x6010, usb.ProductId);
        Assert.Equal(1, usb.EffectiveInterface);
        Assert.Equal("FT/1", usb.SerialNumber);
        Assert.True(usb.EffectiveDetach);
        Assert.Equal(UsbBridgeKind.Ftdi, usb.Bridge);
        Assert.Equal(2_000_000, usb.EffectiveBaudRate);
        Assert.Equal(16, usb.EffectiveLatencyMs);
        Assert.Equal((byte)0x83, usb.InEndpoint);
        Assert.Equal((byte)0x04, usb.OutEndpoint);

        var defaults = DeviceAddress.Parse("usb:0403:6010").Usb!;
        Assert.Equal(0, defaults.EffectiveInterface);
        Assert.False(defaults.EffectiveDetach);
        Assert.Null(defaults.Bridge);
        Assert.Equal(1, defaults.EffectiveLatencyMs);
    }

    [Theory]
    [InlineData("serial:", "absolute path")]
    [InlineData("serial:ttyUSB0", "absolute path")]
    [InlineData("serial:/dev/ttyUSB0?speed=9600", "unknown option 'speed'")]
    [InlineData("serial:/dev/ttyUSB0?baud=fast", "baud=fast")]
    [InlineData("serial:/dev/ttyUSB0?baud=0", "baud=0")]
    [InlineData("serial:/dev/ttyUSB0?baud=20000000", "baud=20000000")]
    [InlineData("serial:/dev/ttyUSB0?rtscts=yes", "rtscts=yes")]
    [InlineData("serial:/dev/ttyUSB0?baud=9600&baud=9600", "given twice")]
    [InlineData("serial:/dev/ttyUSB0?baud", "not NAME=VALUE")]
    [InlineData("usb:0403", "usb:VID:PID")]
    [InlineData("usb:403:6010", "usb:VID:PID")]
    [InlineData("usb:0403:60100", "usb:VID:PID")]
    [InlineData("usb:zzzz:6010", "usb:VID:PID")]
    [InlineData("usb:0403:6010?interface=1", "unknown option 'interface'")]
    [InlineData("usb:0403:6010?iface=256", "iface=256")]
    [InlineData("usb:0403:6010?iface=-1", "iface=-1")]
    [InlineData("usb:0403:6010?detach=1", "detach=1")]
    [InlineData("usb:0403:6010?bridge=pl2303", "bridge=pl2303")]
    [InlineData("usb:0403:6010?latency=0", "latency=0")]
    [InlineData("usb:0403:6010?in=0x02", "in=0x02")]
    [InlineData("usb:0403:6010?out=0x81", "out=0x81")]
    [InlineData("usb:0403:6010?serial=", "serial=")]
    public void Bad_addresses_and_options_are_typed_errors_that_name_them(string text, string named)
    {
        var e = Assert.Throws<DeviceAddressException>(() => DeviceAddress.Parse(text));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
