using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>Optimisers the engine has (SPEC.md 3.5).</summary>
public enum Optimizer : byte
{
    Sgd = 0,
    Adam = 1,
}

/// <summary>How normalisation layers train (SPEC.md 3.5).</summary>
public enum NormMode : byte
{
    /// <summary>Group norm: batch-independent, so a batch of B is B passes of one sample.</summary>
    Group = 0,

    /// <summary>Batch norm on batch statistics: all B activations resident at once.</summary>
    Batch = 1,

    /// <summary>Batch norm with frozen (folded) statistics.</summary>
    Frozen = 2,
}

/// <summary>Which parameters train (SPEC.md 3.5). <see cref="Inherit"/> only in per-layer overrides.</summary>
public enum TrainScope : byte
{
    Inherit = 0,
    Full = 1,
    Last = 2,
    Bias = 3,
    Frozen = 4,
}

/// <summary>The training configuration of MODEL_COMMIT and CONFIGURE (SPEC.md 3.5).</summary>
public sealed record TrainingConfig
{
    public Optimizer Optimizer { get; init; } = Optimizer.Sgd;

    public NormMode NormMode { get; init; } = NormMode.Group;

    public TrainScope Scope { get; init; } = TrainScope.Full;

    public float LearningRate { get; init; } = 0.01f;

    public float Momentum { get; init; } = 0.9f;

    public float WeightDecay { get; init; }

    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.999f;

    public float Eps { get; init; } = 1e-8f;

    public ushort BatchSize { get; init; } = 8;

    /// <summary>Group norm: groups per norm layer; 0 takes the model's.</summary>
    public ushort NormGroups { get; init; }

    public float BnMomentum { get; init; } = 0.1f;

    /// <summary>Per-layer scopes (index = layer); empty: every layer takes <see cref="Scope"/>.</summary>
    public IReadOnlyList<TrainScope> LayerScopes { get; init; } = [];

    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U8((byte)Optimizer);
        w.U8((byte)NormMode);
        w.U8((byte)Scope);
        w.U8(0);
        w.F32(LearningRate);
        w.F32(Momentum);
        w.F32(WeightDecay);
        w.F32(Beta1);
        w.F32(Beta2);
        w.F32(Eps);
        w.U16(BatchSize);
        w.U16(NormGroups);
        w.F32(BnMomentum);
        w.U8(checked((byte)LayerScopes.Count));
        foreach (var scope in LayerScopes)
        {
            w.U8((byte)scope);
        }
    }

    public static TrainingConfig Decode(ReadOnlySpan<byte> payload, MessageType type)
    {
        var r = new PayloadReader(payload, type);
        var optimizer = (Optimizer)r.U8("optimizer");
        var norm = (NormMode)r.U8("norm_mode");
        var scope = (TrainScope)r.U8("scope");
        r.U8("reserved");
        var config = new TrainingConfig
        {
            Optimizer = optimizer,
            NormMode = norm,
            Scope = scope,
            LearningRate = r.F32("learning_rate"),
            Momentum = r.F32("momentum"),
            WeightDecay = r.F32("weight_decay"),
            Beta1 = r.F32("beta1"),
            Beta2 = r.F32("beta2"),
            Eps = r.F32("eps"),
            BatchSize = r.U16("batch_size"),
            NormGroups = r.U16("norm_groups"),
            BnMomentum = r.F32("bn_momentum"),
        };
        var count = r.U8("layer_count");
        var scopes = r.Take(count, "layer_scope").ToArray().Select(b => (TrainScope)b).ToArray();
        r.End();
        return config with { LayerScopes = scopes };
    }
}
