namespace PRoLoRA.Bench;

/// <summary>One adapted linear's sizes: <paramref name="Tokens"/> rows of <paramref name="In"/> features to <paramref name="Out"/>.</summary>
/// <param name="In">Input features.</param>
/// <param name="Out">Output features.</param>
/// <param name="Tokens">Rows of x (N).</param>
internal sealed record LayerShape(int In, int Out, int Tokens)
{
    /// <summary>The shapes of each scale: LLaMA's 4096→4096 and 4096→11008 at N = 512, 2048, 4096 for the full run.</summary>
    public static IReadOnlyList<LayerShape> For(BenchScale scale) => scale switch
    {
        BenchScale.Full => [.. new[] { 512, 2048, 4096 }.SelectMany(n => new[] { new LayerShape(4096, 4096, n), new LayerShape(4096, 11008, n) })],
        BenchScale.Quick => [new(4096, 4096, 512)],
        _ => [new(256, 384, 64)],
    };

    /// <inheritdoc/>
    public override string ToString() => $"{In}->{Out} N={Tokens}";
}
