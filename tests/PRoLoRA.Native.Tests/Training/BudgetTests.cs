using PRoLoRA.Native.Adapters;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Native.Tests.Training;

public class BudgetTests
{
    [Test]
    public void DemoModel_ProLoraR8AndLoraR2_TrainExactlyTheSameNumberOfParameters()
    {
        var linears = CharLmConfig.Demo(CharVocabulary.Default).Linears;
        var counts = AdapterMethod.EqualBudgetPair.Select(m => m.TrainableParameters(linears)).ToArray();

        // LoRA r=2: 2·(in + out) per linear: 2·(168+224) + 2·(224+224) + 2·(224+49).
        Assert.That(counts, Is.EqualTo(new long[] { 2226, 2226 }));
    }

    [Test]
    public void ProLoraR8_PerLinear_IsUnsharedPlusChunks()
    {
        var c = AdapterMethod.ProLora(8, 1, 7).Configure(new ModuleShape("fc1", 168, 224));
        // u·(in + out) + (r − u)·(in/7 + out/7) = 392 + 7·56.
        Assert.That(c.TrainableParameters, Is.EqualTo(784));
        Assert.That(c.Rank, Is.EqualTo(8));
    }

    [Test]
    public void ModelCount_MatchesTheMethodCount()
    {
        using var weights = TinyLm.Base();
        foreach (var method in AdapterMethod.EqualBudgetPair)
        {
            using var model = CharLm.WithAdapters(weights, method.Configure, seed: 0);
            Assert.That(model.TrainableParameterCount, Is.EqualTo(method.TrainableParameters(TinyLm.Config.Linears)), method.Name);
        }
    }

    [Test]
    public void TinyModel_PairAlsoMatches()
        => Assert.That(AdapterMethod.EqualBudgetPair.Select(m => m.TrainableParameters(TinyLm.Config.Linears)), Is.EqualTo(new long[] { 126, 126 }));
}
