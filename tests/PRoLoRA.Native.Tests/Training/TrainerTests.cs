using PRoLoRA.Cli.Training;

namespace PRoLoRA.Native.Tests.Training;

public class TrainerTests
{
    private static float[][] Snapshot(CharLmWeights weights) => [.. weights.Named().Select(n => n.Tensor.ToArray())];

    [TestCaseSource(typeof(AdapterMethod), nameof(AdapterMethod.EqualBudgetPair))]
    public void FineTuning_AFewSteps_ReducesTheLoss(AdapterMethod method)
    {
        using var weights = TinyLm.Base();
        using var model = CharLm.WithAdapters(weights, method.Configure, seed: 1);
        var (train, validation) = TinyLm.Data();

        var result = Trainer.Train(model, train, validation, TinyLm.Options(40));

        Assert.That(result.History[0].Step, Is.Zero);
        Assert.That(result.Final.Step, Is.EqualTo(40));
        Assert.That(result.Final.TrainLoss, Is.LessThan(result.History[0].TrainLoss - 0.3));
        Assert.That(result.Final.ValidationLoss, Is.LessThan(result.History[0].ValidationLoss - 0.3));
    }

    [Test]
    public void FineTuning_LeavesTheFrozenBaseUnchanged_AndMovesTheAdapters()
    {
        using var weights = TinyLm.Base();
        var before = Snapshot(weights);
        using var model = CharLm.WithAdapters(weights, AdapterMethod.ProLora(8, 1, 7).Configure, seed: 1);
        var (train, validation) = TinyLm.Data();

        Trainer.Train(model, train, validation, TinyLm.Options(10));

        Assert.That(Snapshot(weights), Is.EqualTo(before));
        Assert.That(model.AdaptedLinears.Select(a => a.Layer.Adapter.VecB.Value.ToArray().Max(MathF.Abs)), Has.All.GreaterThan(0f));
        Assert.That(model.AdaptedLinears.Select(a => a.Layer.Adapter.ChunkB.Value.ToArray().Max(MathF.Abs)), Has.All.GreaterThan(0f));
    }

    [Test]
    public void Pretraining_ChangesTheBase_AndReducesTheLoss()
    {
        using var weights = TinyLm.Base();
        var before = Snapshot(weights);
        using var model = CharLm.ForPretraining(weights);
        var (train, validation) = TinyLm.Data();

        var result = Trainer.Train(model, train, validation, TinyLm.Options(40));

        Assert.That(model.TrainableParameterCount, Is.EqualTo(TinyLm.Config.BaseParameters));
        Assert.That(Snapshot(weights), Is.Not.EqualTo(before));
        Assert.That(result.Final.ValidationLoss, Is.LessThan(result.History[0].ValidationLoss - 0.3));
    }

    [Test]
    public void SameSeed_SameHistory()
    {
        double[] Run()
        {
            using var weights = TinyLm.Base();
            using var model = CharLm.WithAdapters(weights, AdapterMethod.Lora(2).Configure, seed: 4);
            var (train, validation) = TinyLm.Data();
            return [.. Trainer.Train(model, train, validation, TinyLm.Options(6)).History.SelectMany(p => new[] { p.TrainLoss, p.ValidationLoss })];
        }

        var first = Run();
        var second = Run();
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Progress_IsReportedAtEveryEvaluation()
    {
        using var weights = TinyLm.Base();
        using var model = CharLm.WithAdapters(weights, AdapterMethod.Lora(2).Configure, seed: 1);
        var (train, validation) = TinyLm.Data();
        var reports = new List<TrainProgress>();

        var result = Trainer.Train(model, train, validation, TinyLm.Options(10) with { Evaluations = 5 }, reports.Add);

        Assert.That(reports.Select(r => r.Step), Is.EqualTo(new[] { 0, 2, 4, 6, 8, 10 }));
        Assert.That(reports.Select(r => r.Point), Is.EqualTo(result.History));
        Assert.That(reports.Skip(1).Select(r => r.BatchLoss), Has.All.GreaterThan(0.0));
    }

    [Test]
    public void ContextMismatch_IsRejected()
    {
        using var weights = TinyLm.Base();
        using var model = CharLm.ForPretraining(weights);
        var data = new CharDataset([.. Enumerable.Range(0, 30).Select(i => i % 7)], 5);
        Assert.That(() => Trainer.Train(model, data, data, TinyLm.Options(1)), Throws.ArgumentException.With.Message.Contains("5 characters of context"));
    }
}
