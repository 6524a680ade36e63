using System.Text;
using Xunit.Abstractions;

namespace BioTrain.Stream.Experiments.Tests;

/// <summary>The experiment's progress log into the test's output.</summary>
internal sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value) => output.WriteLine(value ?? string.Empty);
}
