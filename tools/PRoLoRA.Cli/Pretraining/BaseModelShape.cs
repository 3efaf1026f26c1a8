using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Cli.Pretraining;

/// <summary>
/// The shape of the shipped base model (Data/llama-base): a LLaMA with hidden width 112, 4 layers,
/// 4 query heads of 28 sharing 2 key/value heads, an MLP of 308, tied embeddings, over
/// <see cref="CharTokenizer"/>'s vocabulary. Narrower or shallower versions (the same proportions)
/// let tests pretrain in seconds.
/// </summary>
public static class BaseModelShape
{
    /// <summary>The shipped model's hidden width.</summary>
    public const int Width = 112;

    /// <summary>The shipped model's decoder layers.</summary>
    public const int Layers = 4;

    /// <summary>The shipped base's folder name under the CLI's Data folder.</summary>
    public const string FolderName = "llama-base";

    /// <summary>Where the shipped base is beside the built CLI (the project copies Data/ to its output).</summary>
    public static string ShippedFolder => Path.Combine(AppContext.BaseDirectory, "Data", FolderName);

    /// <summary>The longest sequence the model is made for.</summary>
    public const int MaxPositions = 256;

    /// <summary>
    /// The config for hidden width <paramref name="width"/> (a multiple of 8: 4 heads of an even
    /// width) and <paramref name="layers"/> layers; the MLP is 11/4 of the width (308 for 112).
    /// </summary>
    public static LlamaConfig Config(int width = Width, int layers = Layers)
    {
        if (width < 8 || width % 8 != 0)
        {
            throw new ArgumentException($"--width must be a positive multiple of 8, got {width}", nameof(width));
        }
        if (layers < 1)
        {
            throw new ArgumentException($"--layers must be > 0, got {layers}", nameof(layers));
        }
        return new LlamaConfig
        {
            HiddenSize = width,
            IntermediateSize = width * 11 / 4,
            Layers = layers,
            Heads = 4,
            KvHeads = 2,
            HeadDim = width / 4,
            VocabularySize = CharTokenizer.VocabularySize,
            RmsNormEps = 1e-5f,
            RopeTheta = 10000f,
            TieWordEmbeddings = true,
            MaxPositions = MaxPositions,
            BosTokenId = CharTokenizer.BosId,
            EosTokenId = CharTokenizer.EosId,
            PadTokenId = CharTokenizer.PadId,
        };
    }
}
