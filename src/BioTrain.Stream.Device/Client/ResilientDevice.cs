using System.Diagnostics;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Device.Client;

/// <summary>
/// A device session that survives the device going away. An operation that loses the device
/// throws <see cref="DeviceLostException"/>; the next operation reconnects (through the factory,
/// which may start a new virtual device), uploads the model again with its configuration,
/// writes back the weights of the last checkpoint, and goes on. Checkpoints are read after each
/// training batch (<see cref="CheckpointEveryBatch"/>), so nothing trained before the loss is lost.
/// Optimiser state (momentum, Adam moments) starts afresh after a restore.
/// </summary>
public sealed class ResilientDevice : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<DeviceConnection>> _connect;
    private readonly TimeSpan _reconnectTimeout;
    private DeviceConnection? _connection;
    private DeviceSession? _session;
    private ReadOnlyMemory<byte> _model;
    private TrainingConfig? _config;
    private WeightsSnapshot? _checkpoint;

    /// <param name="connect">Opens a connection (and starts a virtual device where the address names one).</param>
    /// <param name="reconnectTimeout">How long to keep trying before <see cref="DeviceLostException"/>; <see cref="Timeout.InfiniteTimeSpan"/>: for ever.</param>
    public ResilientDevice(Func<CancellationToken, Task<DeviceConnection>> connect, TimeSpan reconnectTimeout)
    {
        _connect = connect;
        _reconnectTimeout = reconnectTimeout;
    }

    /// <summary>Longest wait between two connection attempts (the wait doubles from 50 ms up to this).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Raised when the device is lost or an attempt to reach it fails (with why), on the caller's thread.</summary>
    public event Action<DeviceException>? Unreachable;

    /// <summary>Raised when a connection is made and the model (if any) restored.</summary>
    public event Action? Reached;

    /// <summary>Read the weights back after every training batch (on by default).</summary>
    public bool CheckpointEveryBatch { get; init; } = true;

    /// <summary>How often the device was lost and restored.</summary>
    public int Restores { get; private set; }

    /// <summary>Connections made so far: when it changes, state the device keeps only in RAM (the input ring) is gone.</summary>
    public int Generation { get; private set; }

    /// <summary>Time from the reconnect attempt to a restored model, of the last restore.</summary>
    public TimeSpan LastRecoveryTime { get; private set; }

    public WeightsSnapshot? Checkpoint => _checkpoint;

    public DeviceConnection? Connection => _connection;

    public Task<ModelPlan> LoadModelAsync(ReadOnlyMemory<byte> blob, TrainingConfig config, CancellationToken cancellationToken) =>
        RunAsync(
            async s =>
            {
                var plan = await s.LoadModelAsync(blob, config, cancellationToken).ConfigureAwait(false);
                _model = blob.ToArray();
                _config = config;
                _checkpoint = null;
                return plan;
            },
            cancellationToken);

    public Task<BatchResult> TrainBatchAsync(IReadOnlyList<LabelledSample> samples, CancellationToken cancellationToken) =>
        RunAsync(
            async s =>
            {
                var result = await s.TrainBatchAsync(samples, cancellationToken).ConfigureAwait(false);
                if (CheckpointEveryBatch)
                {
                    _checkpoint = await s.ReadWeightsAsync(cancellationToken).ConfigureAwait(false);
                }

                return result;
            },
            cancellationToken);

    public Task<BatchResult> EvaluateAsync(IReadOnlyList<LabelledSample> samples, CancellationToken cancellationToken) =>
        RunAsync(s => s.EvaluateAsync(samples, cancellationToken), cancellationToken);

    public Task<Prediction> PredictAsync(ReadOnlyMemory<float> window, CancellationToken cancellationToken) =>
        RunAsync(s => s.PredictAsync(window, cancellationToken), cancellationToken);

    /// <summary>BATCH_BEGIN of a batch run step by step. A batch open when the device is lost is gone: start it again.</summary>
    public Task<OpenBatch> BeginBatchAsync(BatchMode mode, int count, CancellationToken cancellationToken) =>
        RunAsync(s => s.BeginBatchAsync(mode, count, cancellationToken), cancellationToken);

    public Task<SampleAck> SendSampleAsync(OpenBatch batch, int index, LabelledSample sample, CancellationToken cancellationToken) =>
        RunAsync(s => s.SendSampleAsync(batch, index, sample, cancellationToken), cancellationToken);

    /// <summary>BATCH_END. A step-by-step trainer reads the checkpoint itself afterwards (<see cref="CheckpointAsync"/>), as a step of its own.</summary>
    public Task<BatchResult> EndBatchAsync(OpenBatch batch, CancellationToken cancellationToken) =>
        RunAsync(s => s.EndBatchAsync(batch, cancellationToken), cancellationToken);

    /// <summary>Reads the weights back as the checkpoint a restore writes (when <see cref="CheckpointEveryBatch"/>).</summary>
    public Task CheckpointAsync(CancellationToken cancellationToken) => CheckpointEveryBatch
        ? RunAsync(async s => _checkpoint = await s.ReadWeightsAsync(cancellationToken).ConfigureAwait(false), cancellationToken)
        : Task.CompletedTask;

    /// <summary>Appends to the input ring (SPEC.md 3.14). A restored device starts with an empty ring: see <see cref="Generation"/>.</summary>
    public Task<RingState> AppendSamplesAsync(ReadOnlyMemory<float> samples, int rows, SampleFormat format, CancellationToken cancellationToken) =>
        RunAsync(s => s.AppendSamplesAsync(samples, rows, format, cancellationToken), cancellationToken);

    /// <summary>Appends and predicts on the ring's window (SPEC.md 3.15).</summary>
    public Task<PredictionReply> PredictAsync(ReadOnlyMemory<float> samples, int rows, SampleFormat format, bool standardise, CancellationToken cancellationToken) =>
        RunAsync(s => s.PredictAsync(samples, rows, format, standardise, cancellationToken), cancellationToken);

    /// <summary>The session of the current connection, connecting (and restoring) first when there is none.</summary>
    public Task<DeviceSession> SessionAsync(CancellationToken cancellationToken) => EnsureConnectedAsync(cancellationToken);

    public Task<WeightsSnapshot> ReadWeightsAsync(CancellationToken cancellationToken) =>
        RunAsync(
            async s => _checkpoint = await s.ReadWeightsAsync(cancellationToken).ConfigureAwait(false),
            cancellationToken);

    /// <summary>Restores weights (e.g. persisted ones after a daemon restart) and makes them the checkpoint.</summary>
    public Task<uint> WriteWeightsAsync(ReadOnlyMemory<byte> weights, CancellationToken cancellationToken) =>
        RunAsync(
            async s =>
            {
                var crc = await s.WriteWeightsAsync(weights, cancellationToken).ConfigureAwait(false);
                _checkpoint = new WeightsSnapshot(weights.ToArray(), crc);
                return crc;
            },
            cancellationToken);

    public Task<DeviceStats> GetStatsAsync(CancellationToken cancellationToken) =>
        RunAsync(s => s.GetStatsAsync(cancellationToken), cancellationToken);

    private async Task<T> RunAsync<T>(Func<DeviceSession, Task<T>> operation, CancellationToken cancellationToken)
    {
        var session = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation(session).ConfigureAwait(false);
        }
        catch (DeviceDisconnectedException e)
        {
            await DropConnectionAsync().ConfigureAwait(false);
            var lost = e as DeviceLostException ?? new DeviceLostException($"device lost: {e.Message}", e);
            Unreachable?.Invoke(lost);
            throw lost;
        }
    }

    private async Task<DeviceSession> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_session is not null)
        {
            return _session;
        }

        var start = Stopwatch.GetTimestamp();
        var restoring = _config is not null;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                _connection = await _connect(cancellationToken).ConfigureAwait(false);
                var session = new DeviceSession(_connection.Client);
                if (_config is not null)
                {
                    await session.LoadModelAsync(_model, _config, cancellationToken).ConfigureAwait(false);
                    if (_checkpoint is not null)
                    {
                        await session.WriteWeightsAsync(_checkpoint.Bytes, cancellationToken).ConfigureAwait(false);
                    }
                }

                _session = session;
                Generation++;
                Reached?.Invoke();
                if (restoring)
                {
                    Restores++;
                    LastRecoveryTime = Stopwatch.GetElapsedTime(start);
                }

                return session;
            }
            catch (DeviceException e) when (e is DeviceStartException or DeviceDisconnectedException or DeviceTimeoutException)
            {
                await DropConnectionAsync().ConfigureAwait(false);
                Unreachable?.Invoke(e);
                if (_reconnectTimeout != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(start) + delay > _reconnectTimeout)
                {
                    throw new DeviceLostException($"device did not come back within {_reconnectTimeout.TotalSeconds:0.#} s: {e.Message}", e);
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task DropConnectionAsync()
    {
        _session = null;
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => new(DropConnectionAsync());
}
