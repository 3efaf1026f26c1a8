using System.CommandLine;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// The options the LLaMA verbs (eval, generate) share: <c>--model DIR</c> (a Hugging Face LLaMA
/// checkpoint folder), <c>--adapter DIR</c> (compact PRoLoRA or PEFT LoRA), <c>--device</c> and
/// <c>--base-dtype</c> (with <c>--double-quant</c>), and
/// the checks on the folders they name, each an error naming the option and the folder.
/// </summary>
internal sealed class ModelArguments
{
    /// <summary>--model DIR.</summary>
    public Option<string> Model { get; } = PathArguments.Option("--model", "Hugging Face LLaMA checkpoint folder (config.json, model.safetensors or a sharded index; tokenizer.json or tokenizer.model where text is read)", required: true);

    /// <summary>--adapter DIR.</summary>
    public Option<string> Adapter { get; } = PathArguments.Option("--adapter", "adapter folder put on the model: compact PRoLoRA (peft_type PROLORA) or PEFT LoRA (peft_type LORA)", required: false);

    /// <summary>--base-dtype and --double-quant.</summary>
    public BaseDTypeArguments BaseDType { get; } = new();

    /// <summary>--device.</summary>
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Adapter);
        command.Options.Add(Device);
        BaseDType.AddTo(command);
    }

    /// <summary>The --model folder, checked to be a folder.</summary>
    public string ModelFolder(ParseResult p)
    {
        var folder = p.GetValue(Model)!;
        var status = FileStatus.Of(folder);
        return status.Kind switch
        {
            FileKind.Directory => folder,
            FileKind.Missing => throw new DirectoryNotFoundException($"--model {folder}: no such checkpoint folder"),
            _ => throw new IOException($"--model {folder}: is {status.Description}, not a checkpoint folder"),
        };
    }

    /// <summary>The --model folder's config.json.</summary>
    public LlamaConfig Config(ParseResult p) => LlamaConfig.Load(ModelFolder(p));

    /// <summary>The --model folder's tokenizer; <paramref name="purpose"/> says what needs it when the folder has none.</summary>
    public ITokenizer Tokenizer(ParseResult p, string purpose)
    {
        var folder = ModelFolder(p);
        if (FileStatus.Of(Path.Combine(folder, "tokenizer.json")).Kind == FileKind.Missing && FileStatus.Of(Path.Combine(folder, "tokenizer.model")).Kind == FileKind.Missing)
        {
            throw new FileNotFoundException($"--model {folder}: holds neither tokenizer.json nor tokenizer.model; {purpose} needs the model's tokenizer");
        }
        return Tokenizers.Load(folder);
    }

    /// <summary>Opens the device and loads the model, and the adapter when one is given, onto it.</summary>
    public LoadedModel Load(ParseResult p) => LoadedModel.Load(ModelFolder(p), p.GetValue(Adapter), p.GetValue(Device)!, BaseDType.Of(p));

    /// <summary>Every regular file of the model folder and of the adapter folder (when given): what an output must not replace.</summary>
    public IEnumerable<string> InputFiles(ParseResult p)
    {
        var folders = new[] { p.GetValue(Model), p.GetValue(Adapter) }.OfType<string>().Where(f => FileStatus.Of(f).Kind == FileKind.Directory);
        return folders.SelectMany(Directory.EnumerateFiles);
    }
}
