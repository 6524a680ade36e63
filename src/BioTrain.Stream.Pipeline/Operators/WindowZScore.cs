using System.Numerics;

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
            var (sum, squares) = SumAndSquares(from);
            var mean = sum / from.Length;
            // One pass in double: E[x^2] - mean^2 loses a few of double's 16 digits when the offset dwarfs the spread, not float's 7.
            var variance = Math.Max(0, (squares / from.Length) - (mean * mean));
            var scale = (float)(1 / Math.Sqrt(variance + epsilon));
            var shift = (float)mean;
            var to = output.Channel(c);
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var width = Vector<float>.Count;
                var (m, k) = (new Vector<float>(shift), new Vector<float>(scale));
                for (; i <= from.Length - width; i += width)
                {
                    ((new Vector<float>(from[i..]) - m) * k).CopyTo(to[i..]);
                }
            }
            for (; i < from.Length; i++)
            {
                to[i] = (from[i] - shift) * scale;
            }
        }
    }

    /// <summary>Sum and sum of squares in double, several lanes at a time.</summary>
    private static (double Sum, double Squares) SumAndSquares(ReadOnlySpan<float> values)
    {
        var i = 0;
        var sum = 0.0;
        var squares = 0.0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<float>.Count;
            var (s, q) = (Vector<double>.Zero, Vector<double>.Zero);
            for (; i <= values.Length - width; i += width)
            {
                Vector.Widen(new Vector<float>(values[i..]), out var low, out var high);
                s += low + high;
                q += (low * low) + (high * high);
            }
            sum = Vector.Sum(s);
            squares = Vector.Sum(q);
        }
        for (; i < values.Length; i++)
        {
            sum += values[i];
            squares += (double)values[i] * values[i];
        }
        return (sum, squares);
    }
}
