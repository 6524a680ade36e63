using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>Every transition of the calibration policy, driven by events alone: no LSL, no device.</summary>
public class CalibrationControllerTests
{
    private static SessionOptions Options(CalibrationStart start = CalibrationStart.Auto, TrainingScope scope = TrainingScope.Full, bool adapt = true, int checkEvery = 0) => new()
    {
        Name = "t",
        Subject = "s",
        Markers = new MarkerOptions { Classes = ["a", "b"], CalibrationStart = "calib-start", CalibrationEnd = "calib-end" },
        Calibration = new CalibrationOptions { Start = start, TrialsPerClass = 2, HoldOutFraction = 0.5, Scope = scope },
        Adaptation = new AdaptationOptions { Enabled = adapt, Every = 3, Rehearsal = 2, Epochs = 1, CheckEvery = checkEvery, CheckTrials = 2 },
        Pipeline = new PipelineOptions { EpochOffsetsSeconds = [0.5, 1.0] }, // two crops per trial
    };

    private static LabelledSample Sample(int label, float value = 0) => new(new[] { value, value }, label);

    /// <summary>A controller whose state changes are recorded in order.</summary>
    private static (CalibrationController Controller, List<SessionState> States) Make(SessionOptions options)
    {
        var controller = new CalibrationController(options);
        var states = new List<SessionState>();
        controller.StateChanged += states.Add;
        return (controller, states);
    }

    /// <summary>Two epochs (crops) per trial, one trial per marker time.</summary>
    private static void Trial(CalibrationController c, int label, double markerTime)
    {
        c.OnEpoch(Sample(label, (float)markerTime), markerTime);
        c.OnEpoch(Sample(label, (float)markerTime + 0.5f), markerTime);
    }

    private static T Request<T>(CalibrationController c)
        where T : TrainingRequest
    {
        Assert.True(c.Requests.TryRead(out var request), "a round was asked for");
        return Assert.IsType<T>(request);
    }

    [Fact]
    public void Auto_start_collects_until_every_class_has_its_trials_then_asks_for_calibration()
    {
        var (c, states) = Make(Options());
        c.BeginUncalibrated();
        Assert.Equal(SessionState.Calibrating, c.State);
        Trial(c, 0, 1);
        Trial(c, 0, 2);
        Trial(c, 1, 3);
        Assert.False(c.Requests.TryRead(out _));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 }, c.Snapshot.TrialsPerClass);
        c.OnEpoch(Sample(1, 4), 4);
        Assert.Equal(SessionState.Calibrating, c.State); // the last trial's second crop is still to come
        c.OnEpoch(Sample(1, 4.5f), 4);
        Assert.Equal(SessionState.Training, c.State);
        var round = Request<CalibrationRequest>(c);
        // Half the trials of each class held out, whole trials only: 2 trials x 2 crops in each part.
        Assert.Equal(4, round.Train.Count);
        Assert.Equal(4, round.HeldOut.Count);
        Assert.Empty(round.Train.Select(s => s.Values.Span[0]).Intersect(round.HeldOut.Select(s => s.Values.Span[0])));

        c.CalibrationDone(new CalibrationOutcome(0.25, 0.75));
        var s = c.Snapshot;
        Assert.Equal((SessionState.Running, true, 0.25, 0.75), (s.State, s.Calibrated, s.AccuracyBefore, s.Accuracy));
        Assert.Equal([SessionState.Calibrating, SessionState.Training, SessionState.Running], states);

        // Adaptation rounds are scored on the same held-out trials, so their accuracy compares with calibration's.
        for (var i = 0; i < 3; i++)
        {
            c.OnEpoch(Sample(i % 2, 10 + i), 10 + i);
        }

        Assert.Equal(round.HeldOut.Select(h => h.Values.Span[0]).Order(), Request<AdaptationRequest>(c).Check.Select(h => h.Values.Span[0]).Order());
    }

    [Fact]
    public void A_crop_lost_to_a_gap_does_not_hold_calibration_once_the_next_trial_begins()
    {
        var (c, _) = Make(Options());
        c.BeginUncalibrated();
        Trial(c, 0, 1);
        Trial(c, 0, 2);
        Trial(c, 1, 3);
        c.OnEpoch(Sample(1, 4), 4); // its second crop never comes
        Assert.False(c.Requests.TryRead(out _));
        c.OnEpoch(Sample(0, 5), 5);
        Assert.Equal(SessionState.Training, c.State);
        Request<CalibrationRequest>(c);
    }

    [Fact]
    public void Epochs_during_calibration_training_are_not_collected()
    {
        var (c, _) = Make(Options());
        c.BeginUncalibrated();
        Trial(c, 0, 1);
        Trial(c, 0, 2);
        Trial(c, 1, 3);
        Trial(c, 1, 4);
        Request<CalibrationRequest>(c);
        Trial(c, 0, 5); // while training: neither calibration nor adaptation (not calibrated yet)
        c.CalibrationDone(new CalibrationOutcome(null, null));
        Assert.Equal(0, c.Snapshot.TrialsPerClass.Values.Sum());
        Assert.False(c.Requests.TryRead(out _));
    }

    [Fact]
    public void Marker_start_waits_for_its_marker_and_the_end_marker_trains_on_what_came()
    {
        var (c, states) = Make(Options(CalibrationStart.Markers));
        c.BeginUncalibrated();
        Assert.Equal(SessionState.Running, c.State); // unadapted predictions until the start marker
        Trial(c, 0, 1);
        Assert.Equal(0, c.Snapshot.TrialsPerClass.Values.Sum());
        c.OnMarker("calib-start");
        Assert.Equal(SessionState.Calibrating, c.State);
        Trial(c, 0, 2);
        Trial(c, 1, 3);
        c.OnMarker("calib-end");
        var round = Request<CalibrationRequest>(c);
        Assert.Equal(4, round.Train.Count + round.HeldOut.Count);
        Assert.Equal([SessionState.Running, SessionState.Calibrating, SessionState.Training], states);
    }

    [Fact]
    public void Api_start_and_stop_with_nothing_collected_go_back_to_running_without_a_round()
    {
        var (c, states) = Make(Options(CalibrationStart.Api));
        c.BeginUncalibrated();
        c.Stop();
        Assert.Equal(SessionState.Running, c.State);
        c.Start();
        c.Stop();
        Assert.False(c.Requests.TryRead(out _));
        Assert.Equal([SessionState.Running, SessionState.Calibrating, SessionState.Running], states);
    }

    [Fact]
    public void A_start_while_collecting_or_a_second_stop_raises_no_second_state_change()
    {
        var (c, states) = Make(Options(CalibrationStart.Api));
        c.BeginUncalibrated();
        c.Start();
        c.Start(); // a start marker and an API call for the same calibration
        c.OnMarker("calib-start");
        Trial(c, 0, 1);
        c.Stop();
        c.Stop();
        Assert.Equal([SessionState.Running, SessionState.Calibrating, SessionState.Training], states);
    }

    [Fact]
    public void A_failed_calibration_round_leaves_the_session_uncalibrated_and_running()
    {
        var (c, _) = Make(Options());
        c.BeginUncalibrated();
        Trial(c, 0, 1);
        Trial(c, 0, 2);
        Trial(c, 1, 3);
        Trial(c, 1, 4);
        Request<CalibrationRequest>(c);
        c.CalibrationDone(null);
        Assert.Equal((SessionState.Running, false), (c.State, c.Snapshot.Calibrated));
        Trial(c, 0, 5); // not calibrated: no adaptation
        Assert.False(c.Requests.TryRead(out _));
        c.Start(); // a new calibration can start
        Assert.Equal(SessionState.Calibrating, c.State);
    }

    [Fact]
    public void Once_calibrated_every_few_epochs_ask_for_adaptation_with_rehearsal_and_rounds_count()
    {
        var (c, states) = Make(Options());
        c.BeginRestored(accuracy: 0.6, adaptationRounds: 4);
        Assert.Equal((SessionState.Running, true, true, 4), (c.State, c.Snapshot.Calibrated, c.Snapshot.Restored, c.Snapshot.AdaptationRounds));
        c.OnEpoch(Sample(0), 10);
        c.OnEpoch(Sample(1), 11);
        Assert.False(c.Requests.TryRead(out _));
        c.OnEpoch(Sample(0), 12);
        var first = Request<AdaptationRequest>(c);
        Assert.Equal((3, 0, 4), (first.Fresh.Count, first.Rehearsal.Count, first.Round)); // nothing to rehearse yet
        Assert.Equal(SessionState.Adapting, c.State);

        // Epochs that come during the round wait for the next one.
        c.OnEpoch(Sample(1), 13);
        c.OnEpoch(Sample(0), 14);
        c.OnEpoch(Sample(1), 15);
        Assert.False(c.Requests.TryRead(out _));
        c.AdaptationDone(first, AdaptationResult.Trained, 0.45);
        Assert.Equal(0.45, c.Snapshot.Accuracy); // scored on the check set after the round
        var second = Request<AdaptationRequest>(c); // at once: three were waiting
        Assert.Equal((3, 2, 5), (second.Fresh.Count, second.Rehearsal.Count, second.Round));
        c.AdaptationDone(second, AdaptationResult.Failed); // failed: rounds stay
        Assert.Equal((SessionState.Running, 5, 0.45), (c.State, c.Snapshot.AdaptationRounds, c.Snapshot.Accuracy));
        Assert.Equal([SessionState.Running, SessionState.Adapting, SessionState.Running], states);
    }

    [Fact]
    public void Frozen_scope_or_adaptation_off_never_adapts()
    {
        foreach (var options in new[] { Options(scope: TrainingScope.Frozen), Options(adapt: false) })
        {
            var (c, _) = Make(options);
            c.BeginRestored(null, 0);
            for (var i = 0; i < 10; i++)
            {
                c.OnEpoch(Sample(i % 2), i);
            }

            Assert.False(c.Requests.TryRead(out _));
        }
    }

    [Fact]
    public void Start_while_a_round_runs_is_ignored()
    {
        var (c, _) = Make(Options());
        c.BeginRestored(null, 0);
        for (var i = 0; i < 3; i++)
        {
            c.OnEpoch(Sample(i % 2), i);
        }

        Request<AdaptationRequest>(c);
        c.Start();
        Assert.Equal(SessionState.Adapting, c.State);
    }

    [Fact]
    public void Reset_forgets_the_subject_and_calibrates_again()
    {
        var (c, states) = Make(Options());
        c.BeginRestored(0.9, 7);
        c.Reset();
        var s = c.Snapshot;
        Assert.Equal((SessionState.Calibrating, false, false, 0, (double?)null), (s.State, s.Calibrated, s.Restored, s.AdaptationRounds, s.Accuracy));
        Assert.Equal([SessionState.Running, SessionState.Calibrating], states);
    }

    [Fact]
    public void After_calibration_the_held_out_epochs_are_the_check_set_of_every_adaptation_round()
    {
        var (c, _) = Make(Options(checkEvery: 2));
        c.BeginUncalibrated();
        for (var t = 0; t < 4; t++)
        {
            Trial(c, t % 2, t + 1);
        }

        var calibration = Request<CalibrationRequest>(c);
        c.CalibrationDone(new CalibrationOutcome(0.5, 0.75));
        c.OnEpoch(Sample(0), 10);
        c.OnEpoch(Sample(1), 11);
        c.OnEpoch(Sample(0), 12);
        var round = Request<AdaptationRequest>(c);
        Assert.Equal(calibration.HeldOut.Count, round.Check.Count); // calibration left a held-out set: no new trial is diverted
        Assert.Equal(3, round.Fresh.Count);
    }

    [Fact]
    public void Restored_weights_gather_a_check_set_from_every_nth_new_trial_whole_and_never_train_on_it()
    {
        var (c, _) = Make(Options(checkEvery: 2));
        c.BeginRestored(accuracy: 0.6, adaptationRounds: 0);
        Trial(c, 1, 1);
        Trial(c, 0, 2); // the second new trial: both crops to the check set
        c.OnEpoch(Sample(1, 3), 3); // a third fresh epoch: a round
        var round = Request<AdaptationRequest>(c);
        Assert.Equal([2f, 2.5f], round.Check.Select(s => s.Values.Span[0]).Order().ToArray());
        Assert.Equal([1f, 1.5f, 3f], round.Fresh.Select(s => s.Values.Span[0]).Order().ToArray());
        c.OnEpoch(Sample(1, 3.5f), 3);
        Trial(c, 0, 4); // the fourth: the check set's second trial
        Trial(c, 1, 5);
        Trial(c, 0, 6); // the sixth would be diverted, but the check set is full (CheckTrials = 2)
        c.AdaptationDone(round, AdaptationResult.Trained, 0.8);
        var next = Request<AdaptationRequest>(c);
        Assert.Equal([2f, 2.5f, 4f, 4.5f], next.Check.Select(s => s.Values.Span[0]).Order().ToArray());
        Assert.Equal([3.5f, 5f, 5.5f, 6f, 6.5f], next.Fresh.Select(s => s.Values.Span[0]).Order().ToArray());
        Assert.Equal(0.8, c.Snapshot.Accuracy);
    }

    [Fact]
    public void A_rolled_back_round_counts_drops_its_fresh_epochs_and_keeps_the_accuracy()
    {
        var (c, _) = Make(Options());
        c.BeginRestored(accuracy: 0.6, adaptationRounds: 1);
        Trial(c, 0, 1);
        Trial(c, 1, 2);
        var round = Request<AdaptationRequest>(c);
        c.AdaptationDone(round, AdaptationResult.RolledBack, 0.6);
        var snapshot = c.Snapshot;
        Assert.Equal((1, 1, 0.6), (snapshot.Rollbacks, snapshot.AdaptationRounds, snapshot.Accuracy!.Value));
        Trial(c, 0, 3);
        Trial(c, 1, 4);
        var next = Request<AdaptationRequest>(c);
        Assert.Empty(next.Rehearsal); // the rolled-back round's epochs did not join the rehearsal pool
    }
}
