using System.CommandLine;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain device ...</c>: talk to a GAP9 device or a virtual one.</summary>
internal static class DeviceCommands
{
    public static Command Create()
    {
        var device = new Command("device", "Talk to a GAP9 device or a virtual GAP9 (info, selftest).");
        return device;
    }
}
