using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Pipeline.Dsp;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// What a session's options mean for the stream it found: channel indices, the filter bank, the
/// resampling ratio, window and stride in samples at the model's rate.
/// </summary>
public sealed record SessionPlan(int[] Channels, IReadOnlyList<SecondOrderSections> Filters, int Up, int Down, double Rate, int WindowSamples, int StrideSamples)
{
    public static SessionPlan From(SessionOptions options, StreamInfo stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return From(options, stream.Name, stream.NominalSrate, stream.ChannelCount, [.. stream.GetChannels().Select(c => c.Label)]);
    }

    /// <summary>The plan for a stream described by name, rate and channel labels (a live stream or a recording).</summary>
    public static SessionPlan From(SessionOptions options, string name, double input, int channelCount, List<string> labels)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(labels);
        var p = options.Pipeline;
        if (!(input > 0))
        {
            throw new InvalidOperationException($"input stream {name} has an irregular rate; a regular signal stream is needed");
        }

        int[] channels;
        if (options.Input.Channels.Count == 0)
        {
            channels = [.. Enumerable.Range(0, channelCount)];
        }
        else
        {
            channels = [.. options.Input.Channels.Select(label =>
            {
                var index = labels.IndexOf(label);
                return index >= 0 ? index : throw new InvalidOperationException(
                    $"input stream {name} has no channel '{label}' (it has {string.Join(", ", labels)})");
            })];
        }

        if (p.Normalize == NormalizeMode.Scale && p.ChannelLevels.Count != channels.Length)
        {
            throw new InvalidOperationException($"pipeline.channelLevels gives {p.ChannelLevels.Count} levels, but the session uses {channels.Length} channels of input stream {name}");
        }

        var rate = p.ResampleHz ?? input;
        var (up, down) = Ratio(rate, input);
        var filters = new List<SecondOrderSections>();
        if (p.BandPassHz.Count == 2)
        {
            if (p.BandPassHz[1] >= input / 2)
            {
                throw new InvalidOperationException($"band-pass edge {p.BandPassHz[1]} Hz is above the Nyquist frequency of the {input} Hz input");
            }

            filters.Add(p.BandPassHz[0] > 0
                ? Butterworth.BandPass(4, p.BandPassHz[0], p.BandPassHz[1], input)
                : Butterworth.LowPass(4, p.BandPassHz[1], input));
        }

        if (p.NotchHz is { } notch && notch < input / 2)
        {
            filters.Add(Notch.Design(notch, 30, input));
        }

        var window = (int)Math.Round(p.WindowSeconds * rate);
        var stride = Math.Max(1, (int)Math.Round(p.StrideSeconds * rate));
        return new SessionPlan(channels, filters, up, down, rate, window, stride);
    }

    /// <summary>output/input as a reduced integer ratio; rates must be whole numbers of Hz (or halves of them).</summary>
    private static (int Up, int Down) Ratio(double output, double input)
    {
        var o = (long)Math.Round(output * 2);
        var i = (long)Math.Round(input * 2);
        if (Math.Abs(o - (output * 2)) > 1e-6 || Math.Abs(i - (input * 2)) > 1e-6)
        {
            throw new InvalidOperationException($"resampling {input} Hz to {output} Hz needs rates in whole or half hertz");
        }

        var g = Gcd(o, i);
        var (up, down) = (o / g, i / g);
        if (up > 1000 || down > 1000)
        {
            throw new InvalidOperationException($"resampling {input} Hz to {output} Hz needs a ratio {up}/{down} that is too fine");
        }

        return ((int)up, (int)down);
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}
