using System.Text.Json;

namespace PRoLoRA.Native.Tests.Models;

/// <summary>The tiny LLaMA reference cases (Golden/llama/, copied from the project's reference data; README.md there).</summary>
internal static class LlamaGolden
{
    /// <summary>The two cases: "mha" (4/4 heads, own lm_head) and "gqa8x2" (8/2 heads, tied head).</summary>
    public static readonly string[] Cases = ["mha", "gqa8x2"];

    /// <summary>The folder of <paramref name="name"/>.</summary>
    public static string Case(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "llama", name);

    /// <summary>The model folder of <paramref name="name"/>.</summary>
    public static string Model(string name) => Path.Combine(Case(name), "model");

    /// <summary>The token ids of <paramref name="name"/> (tokens.json), row-major, with their batch and length.</summary>
    public static (int[] Ids, int Batch, int Length) Tokens(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Case(name), "tokens.json")));
        var rows = doc.RootElement.GetProperty("input_ids").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        return ([.. rows.SelectMany(r => r)], rows.Length, rows[0].Length);
    }
}
