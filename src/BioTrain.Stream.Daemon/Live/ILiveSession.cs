namespace BioTrain.Stream.Daemon.Live;

/// <summary>A session the status page can show live (sessions without it are shown by their status alone).</summary>
public interface ILiveSession
{
    LiveSnapshot Live { get; }
}
