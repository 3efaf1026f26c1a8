using System.Diagnostics;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Optim;

namespace PRoLoRA.Cli.Training;

/// <summary>
/// The training loop of a <see cref="CharLm"/>: random batches, cross-entropy, backward, global-norm
/// clipping, AdamW with warmup and cosine decay; evaluations at fixed windows of both texts.
/// Trains whatever the model says is trainable, so the same loop pretrains a base and fine-tunes adapters.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Runs <see cref="TrainOptions.Steps"/> steps on <paramref name="train"/>, evaluating before the
    /// first step and <see cref="TrainOptions.Evaluations"/> times after; <paramref name="progress"/>
    /// hears of every evaluation. Deterministic in the options' seed on a deterministic backend.
    /// </summary>
    public static TrainResult Train(CharLm model, CharDataset train, CharDataset validation, TrainOptions options, Action<TrainProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckContext(model, train, nameof(train));
        CheckContext(model, validation, nameof(validation));

        var parameters = model.TrainableParameters;
        using var optimizer = new AdamW(parameters, new AdamWOptions { LearningRate = options.LearningRate, WeightDecay = options.WeightDecay });
        var schedule = new CosineWarmupSchedule(options.LearningRate, (int)(options.Steps * options.WarmupFraction), options.Steps);
        var rng = new Random(options.Seed);
        var history = new List<LossPoint>();
        var clock = Stopwatch.StartNew();
        var training = new Stopwatch();
        long tokens = 0;
        double lossSum = 0;
        int lossCount = 0;

        void Report(int step)
        {
            var point = new LossPoint(step, Evaluate(model, train, options.BatchSize, options.EvaluationBatches), Evaluate(model, validation, options.BatchSize, options.EvaluationBatches));
            history.Add(point);
            var elapsed = clock.Elapsed;
            var remaining = step == 0 ? TimeSpan.Zero : elapsed / step * (options.Steps - step);
            progress?.Invoke(new TrainProgress(step, options.Steps, lossCount == 0 ? double.NaN : lossSum / lossCount, point, TokensPerSecond(tokens, training), elapsed, remaining));
            lossSum = 0;
            lossCount = 0;
        }

        Report(0);
        for (int step = 1; step <= options.Steps; step++)
        {
            training.Start();
            lossSum += Step(model, train.Sample(rng, options.BatchSize), optimizer, schedule, options.MaxGradNorm);
            training.Stop();
            lossCount++;
            tokens += options.BatchSize;
            if (step == options.Steps || EvaluationIndex(step, options) != EvaluationIndex(step - 1, options))
            {
                Report(step);
            }
        }
        return new TrainResult(history, clock.Elapsed, TokensPerSecond(tokens, training));
    }

    /// <summary>One optimizer step on <paramref name="batch"/>; returns the batch's loss before the update.</summary>
    private static double Step(CharLm model, CharBatch batch, AdamW optimizer, ILearningRateSchedule schedule, float? maxGradNorm)
    {
        using var tape = new Tape(model.Weights.Backend);
        var loss = tape.SoftmaxCrossEntropy(model.Forward(tape, batch.Contexts), batch.Targets);
        tape.Backward(loss);
        if (maxGradNorm is { } limit)
        {
            GradientClipping.ClipGlobalNorm(optimizer.Parameters, limit);
        }
        optimizer.Step(schedule);
        optimizer.ZeroGrad();
        return loss.Value.ToArray()[0];
    }

    /// <summary>Mean cross-entropy (nats per character) over up to <paramref name="batches"/> evenly spaced batches of <paramref name="data"/>; records nothing.</summary>
    public static double Evaluate(CharLm model, CharDataset data, int batchSize, int batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        double sum = 0;
        long count = 0;
        foreach (var batch in data.Evenly(batchSize, batches))
        {
            using var tape = new Tape(model.Weights.Backend);
            using (tape.NoGrad())
            {
                var loss = tape.SoftmaxCrossEntropy(model.Forward(tape, batch.Contexts), batch.Targets);
                sum += (double)loss.Value.ToArray()[0] * batch.Size;
                count += batch.Size;
            }
        }
        return sum / count;
    }

    /// <summary>How many of the evenly spaced evaluations are due by <paramref name="step"/>.</summary>
    private static long EvaluationIndex(int step, TrainOptions options) => (long)step * options.Evaluations / options.Steps;

    private static double TokensPerSecond(long tokens, Stopwatch training)
        => training.Elapsed.TotalSeconds > 0 ? tokens / training.Elapsed.TotalSeconds : 0;

    private static void CheckContext(CharLm model, CharDataset data, string name)
    {
        if (data.ContextLength != model.Config.ContextLength)
        {
            throw new ArgumentException($"the {name} windows have {data.ContextLength} characters of context, the model takes {model.Config.ContextLength}", name);
        }
    }
}
