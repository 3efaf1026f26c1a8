using System.CommandLine;
using PRoLoRA.Native.Adapters;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora params`: trainable-parameter counts per module kind and in total.</summary>
public static class ParamsCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "preset: llama2-7b or llama2-13b" };
        var inF = new Option<int?>("--in") { Description = "input features of a single linear (instead of --model)" };
        var outF = new Option<int?>("--out") { Description = "output features of a single linear (instead of --model)" };
        var method = new Option<string>("--method") { Description = "prolora or lora", DefaultValueFactory = _ => "prolora" };
        method.AcceptOnlyFromAmong("prolora", "lora");
        var r = new Option<int>("--r") { Description = "rank r", Required = true };
        var unshared = new Option<int?>("--unshared") { Description = "unshared rank u (prolora; default 0)" };
        var reduceA = new Option<int>("--reduce-a") { Description = "sharing rate m of A", DefaultValueFactory = _ => 1 };
        var reduceB = new Option<int>("--reduce-b") { Description = "sharing rate n of B", DefaultValueFactory = _ => 1 };
        var cmd = new Command("params", "count trainable parameters of LoRA or PRoLoRA for a model preset or one linear")
        {
            model, inF, outF, method, r, unshared, reduceA, reduceB,
        };
        cmd.SetAction(p =>
        {
            bool lora = p.GetValue(method) == "lora";
            int rank = p.GetValue(r);
            int u = lora ? rank : p.GetValue(unshared) ?? 0;
            int m = lora ? 1 : p.GetValue(reduceA);
            int n = lora ? 1 : p.GetValue(reduceB);
            ProLoraConfig Configure(ModuleShape s) => new ProLoraConfig
            {
                InFeatures = s.InFeatures,
                OutFeatures = s.OutFeatures,
                Rank = rank,
                UnsharedRank = u,
                ReduceA = m,
                ReduceB = n,
            }.Validate();

            var (modules, layers) = Target(p.GetValue(model), p.GetValue(inF), p.GetValue(outF));
            Print(p.InvocationConfiguration.Output, modules, layers, Configure);
            return 0;
        });
        return cmd;
    }

    private static (IReadOnlyList<ModuleShape> Modules, int Layers) Target(string? model, int? inF, int? outF)
    {
        if (model is not null)
        {
            if (inF is not null || outF is not null)
            {
                throw new ArgumentException("give either --model or --in/--out, not both");
            }
            var preset = ModelPreset.Get(model);
            return (preset.Modules, preset.Layers);
        }
        if (inF is null || outF is null)
        {
            throw new ArgumentException("give --model NAME, or both --in and --out for one linear");
        }
        return ([new ModuleShape("linear", inF.Value, outF.Value)], 1);
    }

    private static void Print(TextWriter o, IReadOnlyList<ModuleShape> modules, int layers, Func<ModuleShape, ProLoraConfig> configure)
    {
        var perLayer = modules.Select(m => configure(m).TrainableParameters).ToArray();
        o.WriteLine($"{"module",-10} {"in",6} {"out",6} {"per layer",12} {"layers",6} {"params",14} {"fp32 bytes",14} {"bf16 bytes",14}");
        Int128 total = 0;
        for (int i = 0; i < modules.Count; i++)
        {
            var mod = modules[i];
            Int128 all = (Int128)perLayer[i] * layers;
            total += all;
            o.WriteLine($"{mod.Name,-10} {mod.InFeatures,6} {mod.OutFeatures,6} {perLayer[i],12:N0} {layers,6} {all,14:N0} {all * 4,14:N0} {all * 2,14:N0}");
        }
        o.WriteLine($"{"total",-10} {"",6} {"",6} {"",12} {"",6} {total,14:N0} {total * 4,14:N0} {total * 2,14:N0}");
        o.WriteLine($"trainable parameters: {total}");
    }
}
