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
}
