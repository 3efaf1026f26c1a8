using PRoLoRA.Bench;

// Before anything loads OpenBLAS: re-run with OPENBLAS_CORETYPE set if its own detection falls short.
if (OpenBlasCoreType.RerunIfMisdetected(args) is int rerun)
{
    return rerun;
}
return BenchCommand.Run(args, Console.Out, Console.Error);
