using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Verification;

namespace PRoLoRA.Native.Tests.IO;

public class GoldenExportTests
{
    [Test]
    public void SavingLoadingAndExportingEveryGoldenCase_ReproducesTheOfficialLoraAAndB()
    {
        var cases = GoldenFile.Load(GoldenPath.Official);
        Assert.That(cases, Has.Count.GreaterThanOrEqualTo(12));
        using var compact = new TempFolder();
        using var peft = new TempFolder();
        var adapters = cases.Select((c, i) => (Module: $"model.layers.{i}.mlp.proj", Adapter: c.CreateAdapter(CpuBackend.Instance))).ToDictionary(x => x.Module, x => x.Adapter);
        ProLoraAdapterFolder.Save(compact.Path, adapters);
        TestAdapters.DisposeAll(adapters);

        var loaded = ProLoraAdapterFolder.Load(compact.Path, CpuBackend.Instance);
        PeftLoraExport.Save(peft.Path, loaded);
        TestAdapters.DisposeAll(loaded);

        using var file = SafetensorsFile.Open(peft.File(AdapterKeys.WeightsFile));
        for (int i = 0; i < cases.Count; i++)
        {
            var module = $"model.layers.{i}.mlp.proj";
            Assert.That(file.ReadFloat32(AdapterKeys.LoraA(module)), Is.EqualTo(GoldenArrays.Floats(cases[i].Expected["lora_a"])).Within(1e-6f), $"{cases[i].Name}: lora_a");
            Assert.That(file.ReadFloat32(AdapterKeys.LoraB(module)), Is.EqualTo(GoldenArrays.Floats(cases[i].Expected["lora_b"])).Within(1e-6f), $"{cases[i].Name}: lora_b");
        }
    }

    [Test]
    public void TheGoldenCases_ExerciseTheConfigsThatMatter()
    {
        var configs = GoldenFile.Load(GoldenPath.Official).Select(c => c.Config).ToList();
        Assert.That(configs.Any(c => !c.Rotation), Is.True, "a case without rotation");
        Assert.That(configs.Any(c => c.UnsharedRank == 0), Is.True, "a fully shared case");
        Assert.That(configs.Any(c => c.InFeatures % c.ReduceA != 0 || c.OutFeatures % c.ReduceB != 0), Is.True, "a ragged last copy");
        Assert.That(configs.Any(c => c.UnsharedRank == c.Rank), Is.True, "plain LoRA");
        Assert.That(configs.Select(c => c.InFeatures).Distinct().Count(), Is.GreaterThan(1));
    }
}
