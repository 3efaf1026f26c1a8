using PRoLoRA.Cli.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>
/// The demo's shipped files (Data/ beside the executable; see Data/README.md): the two texts and
/// the pretrained base. Each text is split 90/10 into training and validation windows.
/// </summary>
public static class DemoData
{
    /// <summary>The pretraining text's file name.</summary>
    public const string PretrainText = "fables.txt";

    /// <summary>The fine-tuning text's file name.</summary>
    public const string FinetuneText = "ships-log.txt";

    /// <summary>The shipped base's file name.</summary>
    public const string BaseFile = "char-lm-base.safetensors";

    /// <summary>Fraction of each text held out for validation.</summary>
    public const double ValidationFraction = 0.1;

    /// <summary>The folder that holds the shipped files.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Data");

    /// <summary>Path of a shipped file.</summary>
    public static string PathOf(string file) => Path.Combine(Folder, file);

    /// <summary>Training and validation windows of the shipped text <paramref name="file"/>.</summary>
    public static (CharDataset Train, CharDataset Validation) Load(string file, CharVocabulary vocabulary, int contextLength)
    {
        var path = PathOf(file);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"demo text {path} is missing: the build copies tools/PRoLoRA.Cli/Data/ beside the executable", path);
        }
        return CharDataset.Split(vocabulary.Encode(File.ReadAllText(path)), contextLength, ValidationFraction);
    }
}
