using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// The session's two output streams: class probabilities (float32, one channel per class, labels =
/// class names) and the predicted class as a string marker. Both are stamped with the timestamp of
/// the window's last input sample, so a consumer computes end-to-end latency against its own clock.
/// Stable source_ids let consumers recover across daemon restarts.
/// </summary>
internal sealed class PredictionOutlet : IDisposable
{
    private readonly StreamOutlet _probabilities;
    private readonly StreamOutlet _markers;
    private readonly IReadOnlyList<string> _classes;
    private readonly string[] _marker = new string[1];

    public PredictionOutlet(string name, string sourceId, IReadOnlyList<string> classes, string subject, LslConfig config)
    {
        _classes = classes;
        var probabilities = new StreamInfo(name, "Probabilities", classes.Count, 0, ChannelFormat.Float32, sourceId)
            .AddChannels(classes.Select(c => new ChannelDescription(c, "probability", "Probability")));
        probabilities.Desc.Add(new System.Xml.Linq.XElement("subject", subject), new System.Xml.Linq.XElement("producer", "BioTrain.Stream"));
        var markers = new StreamInfo($"{name}-Markers", "Markers", 1, 0, ChannelFormat.String, $"{sourceId}-markers")
            .AddChannels([new ChannelDescription("prediction", "class", "Marker")]);
        markers.Desc.Add(new System.Xml.Linq.XElement("classes", string.Join(',', classes)));
        _probabilities = new StreamOutlet(probabilities, config: config);
        _markers = new StreamOutlet(markers, config: config);
    }

    public int Consumers => _probabilities.ConsumerCount + _markers.ConsumerCount;

    public void Push(ReadOnlySpan<float> probabilities, int predicted, double timestamp)
    {
        _probabilities.PushSample(probabilities, timestamp);
        _marker[0] = _classes[predicted];
        _markers.PushSample(_marker, timestamp);
    }

    public void Dispose()
    {
        _probabilities.Dispose();
        _markers.Dispose();
    }
}
