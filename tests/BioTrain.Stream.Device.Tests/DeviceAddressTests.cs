using BioTrain.Stream.Device.Addressing;

namespace BioTrain.Stream.Device.Tests;

public class DeviceAddressTests
{
    [Theory]
    [InlineData("emu:native", DeviceAddressKind.EmulatorNative)]
    [InlineData("emu:qemu", DeviceAddressKind.EmulatorQemu)]
    [InlineData("emu:qemu?harts=4", DeviceAddressKind.EmulatorQemu)]
    [InlineData("unix:/run/biotrain/dev.sock", DeviceAddressKind.Unix)]
    [InlineData("tcp:127.0.0.1:7000", DeviceAddressKind.Tcp)]
    [InlineData("tcp:[::1]:7000", DeviceAddressKind.Tcp)]
    public void Parses_and_prints_back(string text, DeviceAddressKind kind)
    {
        var address = DeviceAddress.Parse(text);
        Assert.Equal(kind, address.Kind);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("native")]
    [InlineData("emu:gap9")]
    [InlineData("emu:qemu?harts=9")]
    [InlineData("emu:qemu?harts=0")]
    [InlineData("emu:qemu?cores=2")]
    [InlineData("unix:")]
    [InlineData("tcp:localhost")]
    [InlineData("tcp:localhost:0")]
    [InlineData("tcp:localhost:99999")]
    [InlineData("carrier-pigeon:1")]
    public void Rejects_bad_addresses_with_a_typed_error(string text)
    {
        var e = Assert.Throws<DeviceAddressException>(() => DeviceAddress.Parse(text));
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Qemu_harts_default_to_the_cluster()
    {
        Assert.Null(DeviceAddress.Parse("emu:qemu").QemuHarts);
        Assert.Equal(2, DeviceAddress.Parse("emu:qemu?harts=2").QemuHarts);
        Assert.Equal(8, new Emulation.VirtualDeviceOptions().Harts);
    }
}
