using System.Text.Json;
using PRoLoRA.Cli.Demo;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Tests.Models;
using PRoLoRA.Native.Tests.Text;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>
/// Inputs for `prolora train --model`: the tiny reference LLaMA (golden "mha") with a character
/// tokenizer beside it, and lookup-task records as JSON Lines.
/// </summary>
internal static class FineTuneRun
{
    private const string Characters = "abcdefghijklmnopqrstuvwxyz0123456789=;?";

    /// <summary>Copies the model into <paramref name="folder"/>/model and adds a tokenizer.json; returns the model folder.</summary>
    public static string Model(TempFolder folder)
    {
        var dir = Directory.CreateDirectory(folder.File("model")).FullName;
        foreach (var file in Directory.GetFiles(LlamaGolden.Model("mha")))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }
        var tokenizer = TokenizerFiles.SentencePieceStyle([.. Characters.Select(c => c.ToString()), "▁"], [], byteTokens: false);
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), tokenizer.ToJsonString());
        return dir;
    }

    /// <summary>Writes <paramref name="count"/> lookup records to <paramref name="folder"/>/<paramref name="name"/>; returns the path.</summary>
    public static string Data(TempFolder folder, string name, int count, int seed)
    {
        var lines = DemoTasks.Generate("lookup", seed, count).Select(e => JsonSerializer.Serialize(new { prompt = e.Prompt, completion = e.Completion }));
        var path = folder.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }
}
