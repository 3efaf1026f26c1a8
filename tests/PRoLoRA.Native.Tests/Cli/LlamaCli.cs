using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Tests.Models;
using PRoLoRA.Native.Tests.Text;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>What the eval and generate tests share: running the CLI, tiny model folders with a tokenizer, reference logits.</summary>
internal static class LlamaCli
{
    /// <summary>Runs the CLI in-process.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args) => NoHang.Run(() =>
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PRoLoRA.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }, seconds: 300);

    /// <summary>The last line of <paramref name="text"/>, trimmed.</summary>
    public static string LastLine(string text) => text.TrimEnd().Split('\n')[^1].Trim();

    /// <summary>
    /// A copy of the golden model folder <paramref name="name"/> (in <paramref name="folder"/>/model)
    /// with a Llama 2-style tokenizer.json exactly as large as the model's vocabulary: &lt;unk&gt;,
    /// &lt;s&gt;, &lt;/s&gt;, then ▁ and single letters, digits and marks, then filler tokens.
    /// </summary>
    public static string ModelWithTokenizer(TempFolder folder, string name)
    {
        var model = Directory.CreateDirectory(folder.File("model")).FullName;
        foreach (var file in Directory.EnumerateFiles(LlamaGolden.Model(name)))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }
        int vocabulary = LlamaConfig.Load(model).VocabularySize;
        var chars = "▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?".Select(c => c.ToString());
        var tokens = chars.Concat(Enumerable.Range(0, vocabulary).Select(i => $"<x{i}>")).Take(vocabulary - 3).ToArray();
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), TokenizerFiles.SentencePieceStyle(tokens, [], byteTokens: false).ToJsonString());
        return model;
    }

    /// <summary>The model of <paramref name="modelFolder"/> on the CPU, with the adapter folder when given.</summary>
    public static LlamaModel Load(string modelFolder, string? adapter = null)
    {
        var model = LlamaModel.Load(modelFolder, CpuBackend.Instance);
        if (adapter is not null)
        {
            model.AddAdapters(AdapterFolder.Load(adapter, CpuBackend.Instance));
        }
        return model;
    }

    /// <summary>A full forward pass without cache: logits ((batch·length) × vocabulary).</summary>
    public static float[] Logits(LlamaModel model, int[] ids, int batch, int length)
    {
        using var tape = new Tape(model.Backend);
        using var _ = tape.NoGrad();
        return model.Forward(tape, ids, batch, length).Value.ToArray();
    }

    /// <summary>−log softmax(logits at <paramref name="position"/>)[target], in double.</summary>
    public static double NegativeLogLikelihood(float[] logits, int position, int vocabulary, int target)
    {
        var row = logits.AsSpan(position * vocabulary, vocabulary);
        double max = double.NegativeInfinity;
        foreach (var l in row)
        {
            max = Math.Max(max, l);
        }
        double sum = 0;
        foreach (var l in row)
        {
            sum += Math.Exp(l - max);
        }
        return -(row[target] - max - Math.Log(sum));
    }
}
