using System.Globalization;
using System.Text.Json;
using PRoLoRA.Native.Tests.Models;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>
/// A compact PRoLoRA adapter on all seven modules of every layer of a LLaMA, exported to PEFT's
/// LoRA layout and merged into the checkpoint's weights: `eval` gives the adapter's loss either way.
/// </summary>
public class WholeModelAdapterTests
{
    [TestCaseSource(typeof(LlamaGolden), nameof(LlamaGolden.Cases))]
    public void ExportedToPeft_TheModelEvaluatesAsWithTheCompactAdapter(string name)
    {
        using var folder = new TempFolder();
        var peft = folder.File("peft");
        Assert.That(LlamaCli.Run("export", Path.Combine(LlamaGolden.Case(name), "prolora"), "--peft", peft).Code, Is.Zero);

        double loss = Loss(LlamaGolden.Model(name), peft, name);

        Assert.That(loss, Is.EqualTo(Expected(name, "prolora")).Within(1e-3).Percent);
    }

    [TestCaseSource(typeof(LlamaGolden), nameof(LlamaGolden.Cases))]
    public void MergedIntoTheCheckpoint_TheModelEvaluatesAsWithTheAdapter(string name)
    {
        using var folder = new TempFolder();
        var merged = Directory.CreateDirectory(folder.File("merged")).FullName;
        File.Copy(Path.Combine(LlamaGolden.Model(name), "config.json"), Path.Combine(merged, "config.json"));
        var (code, _, e) = LlamaCli.Run("merge", Path.Combine(LlamaGolden.Case(name), "prolora"), "--base", Path.Combine(LlamaGolden.Model(name), "model.safetensors"), "--out", Path.Combine(merged, "model.safetensors"));
        Assert.That(code, Is.Zero, e);

        double loss = Loss(merged, adapter: null, name);

        // The merged weights are stored in the checkpoint's BF16, so the loss moves by BF16 rounding, far less than the adapter moves it.
        double withAdapter = Expected(name, "prolora"), bare = Expected(name, "base");
        Assert.That(Math.Abs(loss - withAdapter), Is.LessThan(0.05 * Math.Abs(bare - withAdapter)), $"merged {loss}, with the adapter {withAdapter}, bare {bare}");
    }

    private static double Loss(string model, string? adapter, string name)
    {
        string[] args = ["eval", "--model", model, "--tokens", Path.Combine(LlamaGolden.Case(name), "tokens.json"), .. adapter is null ? Array.Empty<string>() : ["--adapter", adapter]];
        var (code, o, e) = LlamaCli.Run(args);
        Assert.That(code, Is.Zero, e);
        return double.Parse(LlamaCli.LastLine(o)["loss ".Length..], CultureInfo.InvariantCulture);
    }

    private static double Expected(string name, string run)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", "llama", "expected_loss.json")));
        return json.RootElement.GetProperty($"{name}/{run}").GetDouble();
    }
}
