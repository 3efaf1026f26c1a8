using System.Globalization;
using PRoLoRA.Native.Backends;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>Pretrains the demo's base on the fables, every weight trainable, printing progress.</summary>
public static class BasePretraining
{
    /// <summary>A freshly pretrained base on <paramref name="backend"/> and the metadata notes that say how it was made.</summary>
    public static (CharLmWeights Weights, Dictionary<string, string> Notes) Run(IBackend backend, CharVocabulary vocabulary, int steps, int seed, TextWriter output)
    {
        var config = CharLmConfig.Demo(vocabulary);
        var options = DemoSettings.Pretrain(steps, seed);
        var (train, validation) = DemoData.Load(DemoData.PretrainText, vocabulary, config.ContextLength);
        output.WriteLine($"pretraining the base ({config.BaseParameters:N0} parameters) on {DemoData.PretrainText}: {steps} steps of {options.BatchSize}, lr {options.LearningRate}, seed {seed}, on {backend.Name}");
        var weights = CharLmWeights.Create(config, backend, seed);
        TrainResult result;
        using (var model = CharLm.ForPretraining(weights))
        {
            result = Trainer.Train(model, train, validation, options, ProgressPrinter.To(output, "base"));
        }
        var notes = new Dictionary<string, string>
        {
            ["produced_by"] = $"prolora pretrain-base --steps {steps} --seed {seed}",
            ["pretrain_text"] = DemoData.PretrainText,
            ["train_loss"] = result.Final.TrainLoss.ToString("0.0000", CultureInfo.InvariantCulture),
            ["validation_loss"] = result.Final.ValidationLoss.ToString("0.0000", CultureInfo.InvariantCulture),
        };
        return (weights, notes);
    }
}
