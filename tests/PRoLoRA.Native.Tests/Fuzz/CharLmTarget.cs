using System.Text.Json.Nodes;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>A prolora-charlm/1 base (a tiny valid one mutated, its metadata often): CharLmFile.Load; CLI: inspect.</summary>
internal sealed class CharLmTarget : FuzzTarget
{
    public const string File = "base.safetensors";

    private static readonly string[] MetadataKeys = ["context_length", "embedding_size", "hidden", "hidden_layers", "format", "alphabet", "extra"];

    private static readonly string[] MetadataValues =
    [
        "0", "1", "2", "3", "-1", "2147483647", "2147483648", "65536", "46341", "100000", "1e3", " 2", "2 ", "+2", "\u0662", "0002", "", "x",
        "prolora-charlm/1", "prolora-charlm/2", "abc", "\n !\"'(),-.:;?0123456789abcdefghijklmnopqrstuvwxyz",
    ];

    public override string Name => "charlm";

    public override IReadOnlyList<string> FileNames => [File];

    public override FuzzInput Mutate(Mutator m)
    {
        var bytes = FuzzSeeds.CharLm;
        if (m.Chance(0.4))
        {
            int edits = 1 + m.Rng.Next(3);
            for (int i = 0; i < edits; i++)
            {
                var key = m.Pick(MetadataKeys);
                var value = m.Pick(MetadataValues);
                bool remove = m.Chance(0.15);
                bytes = SafetensorsMutator.EditHeader(bytes, root =>
                {
                    if (root["__metadata__"] is JsonObject meta)
                    {
                        if (remove)
                        {
                            meta.Remove(key);
                        }
                        else
                        {
                            meta[key] = value;
                        }
                    }
                }) ?? bytes;
            }
            return new FuzzInput(File, m.Chance(0.3) ? LayoutMutator(m).Mutate(bytes, FuzzSeeds.SafetensorsFiles) : bytes);
        }
        return new FuzzInput(File, LayoutMutator(m).Mutate(bytes, FuzzSeeds.SafetensorsFiles));
    }

    public override void Run(FuzzInput input, string dir, CaseResult result, bool cli)
    {
        input.WriteTo(dir);
        var path = Path.Combine(dir, File);
        if (FuzzContract.Attempt(result, "CharLmFile.Load", () => CharLmFile.Load(path, CharVocabulary.Default, CpuBackend.Instance).Dispose(), [path]))
        {
            result.Reach("loaded");
        }
        if (cli)
        {
            bool opens = FuzzContract.Attempt(result, "SafetensorsFile.Open", () => SafetensorsFile.Open(path).Dispose(), [path]);
            FuzzContract.Agrees(result, FuzzContract.Cli(result, FuzzContract.CliCodes, "inspect", path), opens);
        }
    }
}
