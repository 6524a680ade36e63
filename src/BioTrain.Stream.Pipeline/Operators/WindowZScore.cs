namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>Z-score per channel within each window (mean 0, standard deviation 1; a flat channel becomes 0).</summary>
internal sealed class WindowZScore(IObserver<SignalWindow> downstream, double epsilon) : Stage<SignalWindow, SignalWindow>(downstream)
{
    private SignalWindow? _output;

    protected override void Process(SignalWindow input)
    {
        _output = WindowNormalisation.EnsureLike(_output, input);
        WindowNormalisation.ZScore(input, _output, epsilon);
        Downstream.OnNext(_output);
    }

    protected override void Release()
    {
        _output?.Dispose();
        _output = null;
    }
}

/// <summary>The same for labelled windows (epochs), keeping label and marker.</summary>
internal sealed class LabelledWindowZScore(IObserver<LabelledWindow> downstream, double epsilon) : Stage<LabelledWindow, LabelledWindow>(downstream)
{
    private SignalWindow? _output;

    protected override void Process(LabelledWindow input)
    {
        _output = WindowNormalisation.EnsureLike(_output, input.Window);
        WindowNormalisation.ZScore(input.Window, _output, epsilon);
        Downstream.OnNext(input with { Window = _output });
    }

    protected override void Release()
    {
        _output?.Dispose();
        _output = null;
    }
}

internal static class WindowNormalisation
{
    public static SignalWindow EnsureLike(SignalWindow? output, SignalWindow input)
    {
        if (output is null || output.ChannelCount != input.ChannelCount || output.Length != input.Length)
        {
            output?.Dispose();
            output = new SignalWindow(input.ChannelCount, input.Length, input.NominalRate, input.SourceId);
        }
        input.CopyMetadataTo(output);
        return output;
    }

    public static void ZScore(SignalWindow input, SignalWindow output, double epsilon)
    {
        for (var c = 0; c < input.ChannelCount; c++)
        {
            var from = input.Channel(c);
            var to = output.Channel(c);
            var sum = 0.0;
            foreach (var v in from)
            {
                sum += v;
            }
            var mean = sum / from.Length;
            var squares = 0.0;
            foreach (var v in from)
            {
                squares += (v - mean) * (v - mean);
            }
            var scale = 1 / Math.Sqrt((squares / from.Length) + epsilon);
            for (var i = 0; i < from.Length; i++)
            {
                to[i] = (float)((from[i] - mean) * scale);
            }
        }
    }
}
