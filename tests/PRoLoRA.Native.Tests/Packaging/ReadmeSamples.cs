using System.Text;
using System.Text.RegularExpressions;

namespace PRoLoRA.Native.Tests.Packaging;

/// <summary>The C# samples of a README as methods of one class, so a project that compiles the file checks them.</summary>
internal static partial class ReadmeSamples
{
    private static readonly string[] Namespaces =
    [
        "PRoLoRA.Native.Adapters", "PRoLoRA.Native.Autograd", "PRoLoRA.Native.Backends", "PRoLoRA.Native.IO",
        "PRoLoRA.Native.Models.Llama", "PRoLoRA.Native.Optim", "PRoLoRA.Native.Serving", "PRoLoRA.Native.Tensors",
        "PRoLoRA.Native.Text", "PRoLoRA.Native.Training",
    ];

    /// <summary>Writes each ```csharp block of <paramref name="readme"/> as a method body into <paramref name="destination"/>; returns how many.</summary>
    public static int Write(string readme, string destination)
    {
        var blocks = CSharpBlock().Matches(File.ReadAllText(readme)).Select(m => m.Groups[1].Value).ToList();
        var code = new StringBuilder();
        foreach (var ns in Namespaces)
        {
            code.AppendLine($"using {ns};");
        }
        code.AppendLine().AppendLine("internal static class ReadmeSamples").AppendLine("{");
        for (int i = 0; i < blocks.Count; i++)
        {
            bool awaits = blocks[i].Contains("await ", StringComparison.Ordinal);
            code.AppendLine($"    public static {(awaits ? "async Task" : "void")} Sample{i + 1}()").AppendLine("    {");
            code.AppendLine(blocks[i]).AppendLine("    }");
        }
        code.AppendLine("}");
        File.WriteAllText(destination, code.ToString());
        return blocks.Count;
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
