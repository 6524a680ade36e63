using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// <c>biotrain streams</c> lists visible LSL streams; <c>biotrain lsl send|receive</c> publish a test signal
/// and print what arrives. All use lsl_api.cfg (or $LSLAPICFG) like liblsl.
/// </summary>
internal static class LslCommands
{
    // One compact JSON object per line, so `lsl receive --json` can be piped sample by sample.
    private static readonly System.Text.Json.JsonSerializerOptions JsonLines = new(CliOutput.Json) { WriteIndented = false };

    public static Command CreateStreams()
    {
        var wait = new Option<double>("--wait") { Description = "Seconds to listen for replies", DefaultValueFactory = _ => 1.0 };
        var query = new Option<string>("--query") { Description = "XPath predicate, e.g. \"type='EEG' and starts-with(name,'Bio')\"", DefaultValueFactory = _ => string.Empty };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("streams", "List the LSL streams visible from here.") { wait, query, json };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var config = LslConfig.Load();
            var found = await StreamResolver.ResolveAllAsync(parse.GetValue(query) ?? string.Empty, parse.GetValue(wait), config, ct).ConfigureAwait(false);
            var rows = found.OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.CreatedAt).ToList();
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(Console.Out, rows.Select(Describe).ToList());
                return 0;
            }

            Console.WriteLine($"{"name",-24} {"type",-10} {"ch",4} {"format",-8} {"srate",9} {"source_id",-20} {"host",-16} endpoint");
            foreach (var i in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{i.Name,-24} {i.Type,-10} {i.ChannelCount,4} {i.ChannelFormat.ToLslName(),-8} {i.NominalSrate,9:0.###} {i.SourceId,-20} {i.Hostname,-16} {i.V4Address}:{i.V4DataPort}"));
            }

            Console.WriteLine($"{rows.Count} stream(s), session '{config.SessionId}', scope {config.ResolveScope.ToString().ToLowerInvariant()}");
            return 0;
        }));
        return command;
    }

    public static Command CreateLsl()
    {
        var lsl = new Command("lsl", "Lab Streaming Layer tools: publish a test signal, receive a stream.");
        lsl.Subcommands.Add(CreateSend());
        lsl.Subcommands.Add(CreateReceive());
        return lsl;
    }

    private static Command CreateSend()
    {
        var name = new Option<string>("--name") { Description = "Stream name", DefaultValueFactory = _ => "BioTrainTest" };
        var type = new Option<string>("--type") { Description = "Content type", DefaultValueFactory = _ => "EEG" };
        var channels = new Option<int>("--channels") { Description = "Channel count", DefaultValueFactory = _ => 8 };
        var rate = new Option<double>("--rate") { Description = "Nominal rate in Hz (0 = irregular, one sample every 100 ms)", DefaultValueFactory = _ => 250 };
        var format = new Option<string>("--format") { Description = "float32, double64, string, int32, int16, int8 or int64", DefaultValueFactory = _ => "float32" };
        var duration = new Option<double?>("--duration") { Description = "Seconds to send (default: until Ctrl+C)" };
        var sourceId = new Option<string?>("--source-id") { Description = "source_id (default: name@host)" };
        var command = new Command("send", "Publish a test signal: channel k carries the ramp (n + 10k) mod 100 for sample n.")
        {
            name, type, channels, rate, format, duration, sourceId,
        };
        command.SetAction((parse, ct) => Run(async () =>
        {
            if (!ChannelFormatExtensions.TryParseLslName(parse.GetValue(format), out var channelFormat))
            {
                throw new ArgumentException($"unknown format '{parse.GetValue(format)}'");
            }

            var count = parse.GetValue(channels);
            var srate = parse.GetValue(rate);
            var streamName = parse.GetValue(name)!;
            var info = new StreamInfo(streamName, parse.GetValue(type)!, count, srate, channelFormat, parse.GetValue(sourceId) ?? $"{streamName}@{Environment.MachineName}")
                .AddChannels(Enumerable.Range(1, count).Select(k => new ChannelDescription($"ch{k}", "au", parse.GetValue(type)!)));
            info.Desc.Add(new System.Xml.Linq.XElement("manufacturer", "BioTrain.Stream test signal"));
            await using var outlet = new StreamOutlet(info, config: LslConfig.Load());
            var published = outlet.Info;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sending '{published.Name}' ({published.Type}, {count} ch {channelFormat.ToLslName()} @ {srate} Hz) uid {published.Uid} on tcp {published.V4DataPort} / udp {published.V4ServicePort}"));
            var sent = await SendRampAsync(outlet, srate, parse.GetValue(duration), ct).ConfigureAwait(false);
            Console.WriteLine($"sent {sent} samples; {outlet.DroppedSamples} dropped by slow inlets");
            return 0;
        }));
        return command;
    }

    /// <summary>Pushes the ramp at the nominal rate in 10 ms chunks (irregular: one sample per 100 ms).</summary>
    private static async Task<long> SendRampAsync(StreamOutlet outlet, double srate, double? duration, CancellationToken ct)
    {
        var info = outlet.Info;
        var start = LslClock.LocalClock();
        var end = duration is { } d ? start + d : double.MaxValue;
        long sent = 0;
        var numbers = new double[info.ChannelCount];
        var strings = new string[info.ChannelCount];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var now = LslClock.LocalClock();
                if (now >= end)
                {
                    break;
                }

                var due = srate > 0 ? (long)((now - start) * srate) + 1 : sent + 1;
                for (; sent < due; sent++)
                {
                    for (var k = 0; k < info.ChannelCount; k++)
                    {
                        numbers[k] = RampValue(sent, k);
                        strings[k] = numbers[k].ToString(CultureInfo.InvariantCulture);
                    }

                    var stamp = srate > 0 ? start + (sent / srate) : now;
                    if (info.ChannelFormat == ChannelFormat.String)
                    {
                        outlet.PushSample(strings, stamp, pushthrough: sent == due - 1);
                    }
                    else
                    {
                        outlet.PushSample<double>(numbers, stamp, pushthrough: sent == due - 1);
                    }
                }

                await Task.Delay(srate > 0 ? 10 : 100, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return sent;
    }

    /// <summary>The test signal: sample n, channel k.</summary>
    public static double RampValue(long n, int k) => (n + (10L * k)) % 100;

    private static Command CreateReceive()
    {
        var query = new Option<string>("--query") { Description = "XPath predicate selecting the stream, e.g. \"name='BioTrainTest'\"", Required = true };
        var count = new Option<int>("--count") { Description = "Samples to print", DefaultValueFactory = _ => 10 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the stream and for each sample", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line and sample" };
        var command = new Command("receive", "Print samples of a stream with their timestamps and the time correction.") { query, count, timeout, json };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var config = LslConfig.Load();
            var wait = parse.GetValue(timeout);
            var found = await StreamResolver.ResolveByPredicateAsync(parse.GetValue(query)!, 1, wait, config, ct).ConfigureAwait(false);
            if (found.Count == 0)
            {
                throw new LslTimeoutException($"no stream matching {parse.GetValue(query)} within {wait} s");
            }

            // Several matches: take the newest, as users of LSL expect.
            var info = found.OrderByDescending(i => i.CreatedAt).First();
            await using var inlet = new StreamInlet(info, config: config);
            await inlet.OpenStreamAsync(wait, ct).ConfigureAwait(false);
            var correction = await inlet.TimeCorrectionAsync(wait, ct).ConfigureAwait(false);
            var asJson = parse.GetValue(json);
            if (!asJson)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"receiving '{info.Name}' from {info.Hostname} ({info.V4Address}:{info.V4DataPort}), time correction {correction * 1000:0.###} ms (rtt {inlet.TimeCorrectionUncertainty * 1000:0.###} ms)"));
            }

            var numbers = new double[info.ChannelCount];
            var strings = new string[info.ChannelCount];
            for (var i = 0; i < parse.GetValue(count); i++)
            {
                var ts = await Task.Run(() => info.ChannelFormat == ChannelFormat.String ? inlet.PullSample(strings, wait) : inlet.PullSample<double>(numbers, wait), ct).ConfigureAwait(false);
                if (ts == 0.0)
                {
                    throw new LslTimeoutException($"no sample within {wait} s");
                }

                var values = info.ChannelFormat == ChannelFormat.String ? strings.ToArray() : numbers.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
                correction = await inlet.TimeCorrectionAsync(wait, ct).ConfigureAwait(false);
                if (asJson)
                {
                    object jsonValues = info.ChannelFormat == ChannelFormat.String ? values : numbers.ToArray();
                    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { Timestamp = ts, TimeCorrection = correction, Values = jsonValues }, JsonLines));
                }
                else
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ts,18:0.000000} {correction * 1000,9:0.###} ms  {string.Join(' ', values)}"));
                }
            }

            return 0;
        }));
        return command;
    }

    private static object Describe(StreamInfo i) => new
    {
        i.Name,
        i.Type,
        i.ChannelCount,
        ChannelFormat = i.ChannelFormat.ToLslName(),
        i.NominalSrate,
        i.SourceId,
        i.Hostname,
        i.SessionId,
        i.Uid,
        i.CreatedAt,
        i.V4Address,
        i.V4DataPort,
        i.V4ServicePort,
    };

    /// <summary>LSL and argument errors become one line on stderr and exit code 1.</summary>
    internal static async Task<int> Run(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (LslException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}
