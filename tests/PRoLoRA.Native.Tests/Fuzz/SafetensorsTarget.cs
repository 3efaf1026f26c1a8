using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>Any safetensors file: <see cref="SafetensorsFile.Open"/>, then every tensor read as bytes, as float32 and as a tensor; CLI: inspect.</summary>
internal sealed class SafetensorsTarget : FuzzTarget
{
    public const string File = "input.safetensors";

    public override string Name => "safetensors";

    public override IReadOnlyList<string> FileNames => [File];

    public override FuzzInput Mutate(Mutator m)
    {
        var seeds = FuzzSeeds.SafetensorsFiles;
        return new FuzzInput(File, LayoutMutator(m).Mutate(m.Pick(seeds), seeds));
    }

    public override void Run(FuzzInput input, string dir, CaseResult result, bool cli)
    {
        input.WriteTo(dir);
        var path = Path.Combine(dir, File);
        bool opened = FuzzContract.Attempt(result, "SafetensorsFile.Open + reads", () =>
        {
            using var file = SafetensorsFile.Open(path);
            FuzzContract.ReadEverything(file);
            foreach (var t in file.Tensors.Where(t => t.DType.IsReadableAsFloat32()))
            {
                file.ReadTensor(t.Name, CpuBackend.Instance).Dispose();
            }
            _ = file.Contains("no such tensor");
        }, [path]);
        if (opened)
        {
            result.Reach("opened");
        }
        if (cli)
        {
            FuzzContract.Agrees(result, FuzzContract.Cli(result, FuzzContract.CliCodes, "inspect", path), opened);
            FuzzContract.Agrees(result, FuzzContract.Cli(result, FuzzContract.CliCodes, "inspect", "--all", path), opened);
        }
    }
}
