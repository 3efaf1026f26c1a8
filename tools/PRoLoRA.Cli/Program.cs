using System.CommandLine;
using PRoLoRA.Cli;

return Cli.Run(args, Console.Out, Console.Error);
