using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// Labelled epochs collected for calibration or adaptation, counted by trial (marker) per class,
/// since one trial may give several epochs. Thread-safe: the pipeline adds, the session reads.
/// </summary>
internal sealed class CalibrationSet
{
    private readonly Lock _gate = new();
    private readonly List<(LabelledSample Sample, double MarkerTime)> _items = [];
    private readonly Dictionary<int, HashSet<double>> _trials = [];
    private long _offered;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    public void Add(LabelledSample sample, double markerTime)
    {
        lock (_gate)
        {
            _items.Add((sample, markerTime));
            if (!_trials.TryGetValue(sample.Label, out var set))
            {
                _trials[sample.Label] = set = [];
            }

            set.Add(markerTime);
        }
    }

    /// <summary>
    /// Adds <paramref name="sample"/> to a pool of at most <paramref name="capacity"/> epochs that stays a
    /// uniform sample of every epoch offered so far (reservoir sampling): memory is bounded however long
    /// the session adapts, and old and new epochs stay equally likely to be rehearsed.
    /// </summary>
    public void Offer(LabelledSample sample, int capacity, Random random)
    {
        lock (_gate)
        {
            _offered = Math.Max(_offered, _items.Count) + 1;
            if (_items.Count < capacity)
            {
                _items.Add((sample, double.NaN));
                return;
            }

            var slot = random.NextInt64(_offered);
            if (slot < capacity)
            {
                _items[(int)slot] = (sample, double.NaN);
            }
        }
    }

    /// <summary>Trials (distinct markers) of all classes.</summary>
    public int Trials
    {
        get
        {
            lock (_gate)
            {
                return _trials.Values.Sum(t => t.Count);
            }
        }
    }

    /// <summary>Marker time of the last epoch added (NaN when empty).</summary>
    public double LastTrial
    {
        get
        {
            lock (_gate)
            {
                return _items.Count == 0 ? double.NaN : _items[^1].MarkerTime;
            }
        }
    }

    /// <summary>Trials (distinct markers) per class.</summary>
    public int TrialsOf(int label)
    {
        lock (_gate)
        {
            return _trials.TryGetValue(label, out var set) ? set.Count : 0;
        }
    }

    /// <summary>
    /// Whether every class has <paramref name="perClass"/> whole trials: a trial is whole once it has
    /// its <paramref name="crops"/> epochs, or once a later trial has begun (a crop lost to a gap
    /// never comes). So the last trial is not cut short of the crops still on their way.
    /// </summary>
    public bool HasTrials(int classes, int perClass, int crops)
    {
        lock (_gate)
        {
            var latest = _items.Count == 0 ? double.NegativeInfinity : _items.Max(i => i.MarkerTime);
            for (var c = 0; c < classes; c++)
            {
                var whole = _items.Where(i => i.Sample.Label == c).GroupBy(i => i.MarkerTime)
                    .Count(trial => trial.Count() >= crops || trial.Key < latest);
                if (whole < perClass)
                {
                    return false;
                }
            }

            return true;
        }
    }

    public IReadOnlyList<LabelledSample> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items.Select(i => i.Sample)];
        }
    }

    /// <summary>Takes everything out (adaptation rounds consume what arrived).</summary>
    public IReadOnlyList<LabelledSample> Drain()
    {
        lock (_gate)
        {
            var all = _items.Select(i => i.Sample).ToArray();
            _items.Clear();
            _trials.Clear();
            return all;
        }
    }

    /// <summary>
    /// Splits whole trials (all epochs of one marker stay together, so no trial is in both parts)
    /// into training and held-out sets, per class, seeded.
    /// </summary>
    public (IReadOnlyList<LabelledSample> Train, IReadOnlyList<LabelledSample> HeldOut) Split(double holdOutFraction, int seed)
    {
        List<(LabelledSample Sample, double MarkerTime)> items;
        lock (_gate)
        {
            items = [.. _items];
        }

        var random = new Random(seed);
        var train = new List<LabelledSample>();
        var held = new List<LabelledSample>();
        foreach (var byClass in items.GroupBy(i => i.Sample.Label))
        {
            var trials = byClass.Select(i => i.MarkerTime).Distinct().ToArray();
            random.Shuffle(trials);
            var holdCount = trials.Length < 2 ? 0 : Math.Max(holdOutFraction > 0 ? 1 : 0, (int)Math.Round(trials.Length * holdOutFraction));
            var heldTrials = trials.Take(holdCount).ToHashSet();
            foreach (var (sample, time) in byClass)
            {
                (heldTrials.Contains(time) ? held : train).Add(sample);
            }
        }

        return (train, held);
    }
}
