using System.CommandLine;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// <c>--base-dtype f32|bf16|nf4</c> and <c>--double-quant</c>, shared by the verbs that load a model
/// (train, eval, generate, serve): how the frozen linears are kept (<see cref="BaseDType"/>).
/// </summary>
internal sealed class BaseDTypeArguments
{
    /// <summary>--base-dtype.</summary>
    public Option<string?> DType { get; } = new("--base-dtype")
    {
        Description = "how the frozen linears of every layer are kept: f32, bf16 or nf4 (QLoRA's 4-bit base), quantised while loading (default: as stored, NF4 checkpoints stay NF4)",
    };

    /// <summary>--double-quant.</summary>
    public Option<bool> DoubleQuantize { get; } = new("--double-quant") { Description = "with --base-dtype nf4: also quantise the absmax values (bitsandbytes' double quantisation)" };

    /// <summary>Both options.</summary>
    public IReadOnlyList<Option> All => [DType, DoubleQuantize];

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The storage asked for, each mistake an error naming the option.</summary>
    public BaseDType Of(ParseResult p)
    {
        var name = p.GetValue(DType);
        bool doubleQuantize = p.GetValue(DoubleQuantize);
        if (name is not null && !BaseDType.Names.Contains(name))
        {
            throw new ArgumentException($"--base-dtype must be one of {string.Join(", ", BaseDType.Names)}, got '{name}'");
        }
        if (doubleQuantize && name != "nf4")
        {
            throw new ArgumentException($"--double-quant needs --base-dtype nf4{(name is null ? "" : $", got '{name}'")}");
        }
        return BaseDType.Parse(name, doubleQuantize);
    }
}
