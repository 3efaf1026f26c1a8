using PRoLoRA.Bench;

return BenchCommand.Run(args, Console.Out, Console.Error);
