namespace BioTrain.Stream.Recording;

/// <summary>Where a replay is: reported through <see cref="ReplayOptions.Progress"/>.</summary>
/// <param name="Position">Seconds into the recording (of the current pass).</param>
/// <param name="Duration">Length of the recording in seconds.</param>
/// <param name="Pass">0 for the first pass, 1 after the first loop, ...</param>
/// <param name="SamplesPushed">Samples pushed so far, all streams and passes.</param>
/// <param name="ElapsedSeconds">Local clock seconds since the replay started.</param>
public readonly record struct ReplayProgress(double Position, double Duration, int Pass, long SamplesPushed, double ElapsedSeconds);
