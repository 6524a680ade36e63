namespace BioTrain.Stream.Formats.Tests.Support;

/// <summary>The simplest learnable-or-not check: standardised features, one mean per class, nearest mean wins.</summary>
internal sealed class NearestCentroid
{
    private readonly Dictionary<string, double[]> _centroids = [];
    private double[] _mean = [];
    private double[] _scale = [];

    public static NearestCentroid Fit(IReadOnlyList<(string Label, double[] Features)> examples)
    {
        var model = new NearestCentroid();
        var dimension = examples[0].Features.Length;
        model._mean = Enumerable.Range(0, dimension).Select(d => examples.Average(e => e.Features[d])).ToArray();
        model._scale = Enumerable.Range(0, dimension)
            .Select(d => Math.Sqrt(examples.Average(e => Math.Pow(e.Features[d] - model._mean[d], 2))) + 1e-9).ToArray();
        foreach (var group in examples.GroupBy(e => e.Label))
        {
            model._centroids[group.Key] = Enumerable.Range(0, dimension).Select(d => group.Average(e => model.Standard(e.Features, d))).ToArray();
        }
        return model;
    }

    public double Accuracy(IReadOnlyList<(string Label, double[] Features)> examples) =>
        examples.Count(e => Predict(e.Features) == e.Label) / (double)examples.Count;

    public string Predict(double[] features) => _centroids
        .MinBy(c => c.Value.Select((v, d) => Math.Pow(v - Standard(features, d), 2)).Sum()).Key;

    private double Standard(double[] features, int d) => (features[d] - _mean[d]) / _scale[d];
}
