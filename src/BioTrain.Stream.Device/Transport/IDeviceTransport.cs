using System.IO.Pipelines;

namespace BioTrain.Stream.Device.Transport;

/// <summary>A byte link to a device: socket, serial tty, or USB bulk endpoints.</summary>
public interface IDeviceTransport : IAsyncDisposable
{
    PipeReader Input { get; }

    PipeWriter Output { get; }

    /// <summary>Where it goes, for messages, e.g. <c>unix:/run/biotrain/dev.sock</c>.</summary>
    string Description { get; }
}
