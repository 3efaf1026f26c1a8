using System.CommandLine;
using PRoLoRA.Cli.Commands;

namespace PRoLoRA.Cli;

/// <summary>The `prolora` command line: every verb, one file each under Commands/.</summary>
public static class Cli
{
    /// <summary>Exit code for bad input (arguments, files) and unusable devices.</summary>
    public const int BadInput = 2;

    /// <summary>Builds the root command with every verb.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("PRoLoRA.Native: partially-rotation-enhanced low-rank adapters on CPU and CUDA");
        root.Subcommands.Add(ParamsCommand.Create());
        root.Subcommands.Add(VerifyGoldenCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(PretrainBaseCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(MergeCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; parse errors and bad input exit with <see cref="BadInput"/>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"error: {error.Message}");
            }
            return BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or FormatException or NotSupportedException or PRoLoRA.Native.ProLoraException)
        {
            stderr.WriteLine($"error: {Message(e)}");
            return BadInput;
        }
    }

    /// <summary>The exception's message, without the " (Parameter 'x')" .NET appends to argument errors.</summary>
    internal static string Message(Exception e)
    {
        var suffix = e is ArgumentException { ParamName: { } name } ? $" (Parameter '{name}')" : null;
        return suffix is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }
}
