using BioTrain.Stream.Daemon.Configuration;

namespace BioTrain.Stream.Daemon.Tests;

public class ConfigTests
{
    private const string Valid = """
        {
          // comments are allowed
          "stateDirectory": "/var/lib/biotrain",
          "metricsListen": "127.0.0.1:9464",
          "controlListen": "unix:/run/biotrain/control.sock",
          "sessions": [
            {
              "name": "s03",
              "subject": "S03",
              "input": { "query": "type='EEG'", "channels": ["C3", "Cz", "C4"] },
              "markers": { "query": "type='Markers'", "classes": ["left_hand", "right_hand"] },
              "pipeline": { "bandPassHz": [8, 30], "notchHz": 50, "resampleHz": 250, "windowSeconds": 2, "strideSeconds": 0.25 },
              "device": "emu:native",
              "model": { "name": "mi-bminet" },
              "calibration": { "trialsPerClass": 5, "scope": "full" },
              "output": { "name": "BioTrain-S03" },
            },
          ],
        }
        """;

    [Fact]
    public void A_valid_file_loads_with_defaults_filled_in()
    {
        var options = DaemonConfigLoader.Parse(Valid);
        var s = Assert.Single(options.Sessions);
        Assert.Equal(["C3", "Cz", "C4"], s.Input.Channels);
        Assert.Equal(8, s.Calibration.BatchSize);
        Assert.Equal(TrainingOptimizer.Adam, s.Calibration.Optimizer);
        Assert.True(s.Adaptation.Enabled);
    }

    [Theory]
    [InlineData("\"windowSecs\": 2", "$.sessions[0].pipeline.windowSecs", "unknown key")]
    [InlineData("\"windowSeconds\": \"two\"", "$.sessions[0].pipeline.windowSeconds", "could not be converted")]
    [InlineData("\"bandPassHz\": [30, 8]", "$.sessions[0].pipeline.bandPassHz", "low < high")]
    [InlineData("\"bandPassHz\": [8, 130]", "$.sessions[0].pipeline.bandPassHz", "Nyquist")]
    [InlineData("\"normalize\": \"minmax\"", "$.sessions[0].pipeline.normalize", "must be one of running, zscore, none")]
    [InlineData("\"normalize\": 1", "$.sessions[0].pipeline.normalize", "must be one of running, zscore, none")]
    [InlineData("\"normalize\": \"ZScore\"", "$.sessions[0].pipeline.normalize", "must be one of running, zscore, none")]
    [InlineData("\"windowSeconds\": 2, \"normalize\": \"scale\"", "$.sessions[0].pipeline.channelLevels", "needs one positive level per channel")]
    [InlineData("\"windowSeconds\": 2, \"normalize\": \"scale\", \"channelLevels\": [1, 0, 2]", "$.sessions[0].pipeline.channelLevels", "needs one positive level per channel")]
    [InlineData("\"windowSeconds\": 2, \"normalize\": \"scale\", \"channelLevels\": [1, 2]", "$.sessions[0].pipeline.channelLevels", "2 levels for 3 input channels")]
    [InlineData("\"windowSeconds\": 2, \"normalize\": \"scale\", \"channelLevels\": [1, 2, 3], \"scaleClip\": 0", "$.sessions[0].pipeline.scaleClip", "must be in (0, 1e6]")]
    [InlineData("\"windowSeconds\": 2, \"channelLevels\": [1, 2, 3]", "$.sessions[0].pipeline.channelLevels", "only with normalize 'scale'")]
    public void Pipeline_errors_name_their_key(string replacement, string path, string message)
    {
        var json = Valid.Replace("\"windowSeconds\": 2", replacement, StringComparison.Ordinal);
        var e = Assert.Throws<DaemonConfigException>(() => DaemonConfigLoader.Parse(json));
        var error = Assert.Single(e.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"device\": \"emu:native\"", "\"device\": \"emu:gap42\"", "$.sessions[0].device")]
    [InlineData("\"name\": \"mi-bminet\"", "\"name\": \"resnet\"", "$.sessions[0].model.name")]
    [InlineData("\"scope\": \"full\"", "\"scope\": \"everything\"", "$.sessions[0].calibration.scope")]
    [InlineData("\"trialsPerClass\": 5", "\"trialsPerClass\": 0", "$.sessions[0].calibration.trialsPerClass")]
    [InlineData("\"name\": \"s03\"", "\"name\": \"S 03\"", "$.sessions[0].name")]
    [InlineData("\"classes\": [\"left_hand\", \"right_hand\"]", "\"classes\": [\"left_hand\"]", "$.sessions[0].markers.classes")]
    [InlineData("\"metricsListen\": \"127.0.0.1:9464\"", "\"metricsListen\": \"0.0.0.0:9464\"", "$.metricsListen")]
    [InlineData("\"controlListen\": \"unix:/run/biotrain/control.sock\"", "\"controlListen\": \"unix:relative.sock\"", "$.controlListen")]
    [InlineData("\"stateDirectory\": \"/var/lib/biotrain\"", "\"stateDirectory\": \"state\"", "$.stateDirectory")]
    public void Value_errors_name_their_key(string from, string to, string path)
    {
        var json = Valid.Replace(from, to, StringComparison.Ordinal);
        var e = Assert.Throws<DaemonConfigException>(() => DaemonConfigLoader.Parse(json));
        Assert.Contains(e.Errors, error => error.Path == path);
    }

    [Fact]
    public void Fixed_channel_scaling_loads_with_its_levels()
    {
        var json = Valid.Replace("\"windowSeconds\": 2", "\"windowSeconds\": 2, \"normalize\": \"scale\", \"channelLevels\": [1.5, 2, 250], \"scaleClip\": 10", StringComparison.Ordinal);
        var p = Assert.Single(DaemonConfigLoader.Parse(json).Sessions).Pipeline;
        Assert.Equal(NormalizeMode.Scale, p.Normalize);
        Assert.Equal([1.5, 2, 250], p.ChannelLevels);
        Assert.Equal(10, p.ScaleClip);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var json = Valid.Replace("\"scope\": \"full\"", "\"scope\": \"x\", \"batchSize\": 99", StringComparison.Ordinal);
        var e = Assert.Throws<DaemonConfigException>(() => DaemonConfigLoader.Parse(json));
        Assert.Equal(2, e.Errors.Count);
    }

    [Fact]
    public void Two_sessions_cannot_train_one_subject()
    {
        var options = DaemonConfigLoader.Parse(Valid);
        var twin = DaemonConfigLoader.Parse(Valid).Sessions[0];
        twin.Name = "s03-bis";
        options.Sessions.Add(twin);
        Assert.Contains(DaemonConfigValidator.Validate(options), e => e.Path == "$.sessions[1].subject");
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<DaemonConfigException>(() => DaemonConfigLoader.Load("/nonexistent/biotrain.json"));
        Assert.Contains("/nonexistent/biotrain.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_example_configuration_is_valid_once_its_pretrained_weights_exist_beside_it()
    {
        // The example names its weights relative to itself (../build/pretrained/): copy it where that resolves to a file here.
        var root = Directory.CreateTempSubdirectory("bt-example-");
        try
        {
            var path = Path.Combine(root.FullName, "systemd", "biotrain.example.json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(Path.Combine(RepoPaths.Root, "systemd", "biotrain.example.json"), path);
            var error = Assert.Throws<DaemonConfigException>(() => DaemonConfigLoader.Load(path));
            Assert.Contains("$.sessions[0].model.initialWeights", error.Message, StringComparison.Ordinal);
            Assert.Contains("biotrain model pretrain --config FILE --session mi-s01", error.Message, StringComparison.Ordinal);
            Assert.NotEmpty(DaemonConfigLoader.Load(path, forPretraining: true).Sessions); // pretraining makes the file

            var weights = Path.Combine(root.FullName, "build", "pretrained", "mi-s01.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
            File.WriteAllBytes(weights, [0]);
            var options = DaemonConfigLoader.Load(path);
            Assert.Equal(weights, Assert.Single(options.Sessions).Model.InitialWeights);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
