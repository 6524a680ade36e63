using BioTrain.Stream.Cli;

return await CliApp.RunAsync(args).ConfigureAwait(false);
