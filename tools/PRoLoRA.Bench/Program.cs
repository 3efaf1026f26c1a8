using PRoLoRA.Bench;

// Verbs: one benchmark group each (more groups and JSON output come later).
const string usage = "usage: PRoLoRA.Bench gemm [--quick]";
if (args.Length == 0)
{
    Console.Error.WriteLine(usage);
    return 2;
}
bool quick = args.Skip(1).Contains("--quick");
switch (args[0])
{
    case "gemm":
        return GemmBenchmark.Run(quick, Console.Out);
    default:
        Console.Error.WriteLine($"unknown verb '{args[0]}'\n{usage}");
        return 2;
}
