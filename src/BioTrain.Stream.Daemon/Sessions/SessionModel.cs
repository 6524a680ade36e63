using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>The model a session trains: its configured network sized to the plan's channels, window and classes.</summary>
public static class SessionModel
{
    public static byte[] Blob(SessionOptions options, SessionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plan);
        return ModelFormat.Write(ModelZoo.Build(options.Model.Name, new ZooOptions
        {
            Channels = plan.Channels.Length,
            Samples = plan.WindowSamples,
            Classes = options.Markers.Classes.Count,
            F1 = options.Model.F1,
            D = options.Model.D,
            F2 = options.Model.F2,
            Seed = options.Model.Seed,
        }));
    }
}
