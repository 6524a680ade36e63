namespace BioTrain.Stream.Experiments.Datasets.Mat;

/// <summary>A numeric MATLAB array: its name, dimensions, and real values as double in column-major order.</summary>
public sealed record MatArray(string Name, IReadOnlyList<int> Dimensions, double[] Values)
{
    public int Rows => Dimensions[0];

    public int Columns => Dimensions.Count > 1 ? Dimensions[1] : 1;

    /// <summary>One column of a 2-D array (a view of the column-major values).</summary>
    public ReadOnlySpan<double> Column(int column) => Values.AsSpan(column * Rows, Rows);
}
