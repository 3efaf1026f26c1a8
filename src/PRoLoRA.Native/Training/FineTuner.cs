using System.Diagnostics;
using System.IO.Hashing;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Distributed;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Optim;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Training;

/// <summary>
/// Fine-tunes the adapters of a <see cref="LlamaModel"/> (its base stays frozen) on tokenized
/// examples: micro-batches in a seeded order, the loss on completion tokens only, gradients
/// accumulated over micro-batches weighted by their counted tokens, global-norm clipping, AdamW
/// with separate learning rates for shared chunks and unshared ranks, warmup and a decay
/// schedule. Checkpoints every K steps; a run resumed from its last checkpoint reaches the adapter
/// an uninterrupted run reaches (the batches, dropout masks and optimizer state all continue).
/// Data-parallel over an <see cref="ICollective"/> of W ranks with a micro-batch of B each: every
/// micro-batch of the W·B examples a single process with batch W·B would take is split in rank
/// order, each rank weights its gradient by its share of the global batch's counted tokens, and the
/// sum over ranks (one fused all-reduce, before clipping) is the single-process gradient; the
/// adapters start from rank 0's values, only rank 0 evaluates and saves.
/// </summary>
public static class FineTuner
{
    /// <summary>
    /// Runs <paramref name="options"/>' steps on <paramref name="train"/>, evaluating on
    /// <paramref name="validation"/> (may be empty). Checkpoints go to <paramref name="checkpoints"/>
    /// (needed when <see cref="FineTuneOptions.SaveEvery"/> &gt; 0); <paramref name="resumeFrom"/>
    /// names a checkpoint or a run folder whose latest checkpoint the run continues from.
    /// </summary>
    public static FineTuneResult Run(
        LlamaModel model,
        IReadOnlyList<TokenizedExample> train,
        IReadOnlyList<TokenizedExample> validation,
        FineTuneOptions options,
        string? checkpoints = null,
        string? resumeFrom = null,
        Action<FineTuneProgress>? progress = null,
        CancellationToken cancel = default,
        ICollective? collective = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        collective ??= new SingleProcessCollective();
        var adapters = model.Adapters;
        if (adapters.Count == 0)
        {
            throw new ArgumentException("the model has no adapter to train: add adapters first", nameof(model));
        }
        if (options.SaveEvery > 0 && checkpoints is null)
        {
            throw new ArgumentException("save-every needs a folder for the checkpoints", nameof(checkpoints));
        }
        CheckExamples(train, model.Config.VocabularySize, options.SequenceLength, nameof(train), requireLoss: true);
        CheckExamples(validation, model.Config.VocabularySize, options.SequenceLength, nameof(validation), requireLoss: false);

        var groups = ParamGroup.SharedAndUnshared(adapters.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value), options.SharedLearningRateScale, options.UnsharedLearningRateScale);
        using var optimizer = new AdamW(groups, new AdamWOptions { LearningRate = options.LearningRate, WeightDecay = options.WeightDecay });
        var schedule = Schedule(options);
        string dataHash = DataHash(train, options.SequenceLength);
        // A checkpoint records the global batch, so a run resumes with any world size that keeps it.
        var recorded = options with { BatchSize = options.BatchSize * collective.WorldSize };
        bool lead = collective.Rank == 0;
        var history = new List<LossPoint>();
        int start = 0;
        if (resumeFrom is not null)
        {
            var restored = FineTuneCheckpoint.Load(FineTuneCheckpoint.Find(resumeFrom), model, optimizer, recorded, dataHash);
            (start, model.DropoutStep, history) = (restored.Step, restored.DropoutStep, restored.History);
        }
        else
        {
            history.Add(new LossPoint(0, double.NaN, lead ? Validate(model, validation, options) : double.NaN));
        }
        collective.Broadcast([.. optimizer.Parameters.Select(p => p.Value)]);

        var order = new ExampleOrder(train.Count, options.Seed);
        var clock = Stopwatch.StartNew();
        var training = new Stopwatch();
        long tokens = 0;
        double lossSum = 0;
        int lossCount = 0;
        optimizer.ZeroGrad();
        for (int step = start + 1; step <= options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            training.Start();
            if (collective.WorldSize > 1)
            {
                // Each rank draws its own dropout masks: the step's K·W forward passes numbered in rank order.
                model.DropoutStep = (ulong)((((long)(step - 1) * collective.WorldSize) + collective.Rank) * options.GradientAccumulation);
            }
            var (loss, processed) = Accumulate(model, train, order, step, options, collective.Rank, collective.WorldSize);
            if (collective.WorldSize > 1)
            {
                (loss, processed) = AllReduce(collective, optimizer, loss, processed);
            }
            if (options.MaxGradNorm is { } clip)
            {
                GradientClipping.ClipGlobalNorm(optimizer.Parameters, clip);
            }
            float lr = optimizer.Step(schedule);
            optimizer.ZeroGrad();
            training.Stop();
            tokens += processed;
            lossSum += loss;
            lossCount++;

            double? validationLoss = null;
            if (step == options.Steps || (options.EvaluateEvery > 0 && step % options.EvaluateEvery == 0))
            {
                validationLoss = lead ? Validate(model, validation, options) : double.NaN;
                history.Add(new LossPoint(step, lossSum / lossCount, validationLoss.Value));
                (lossSum, lossCount) = (0, 0);
            }
            if (lead && options.SaveEvery > 0 && (step % options.SaveEvery == 0 || step == options.Steps))
            {
                FineTuneCheckpoint.Save(FineTuneCheckpoint.PathOf(checkpoints!, step), model, optimizer, recorded, dataHash, step, history);
            }
            var elapsed = clock.Elapsed;
            progress?.Invoke(new FineTuneProgress(step, options.Steps, loss, lr, TokensPerSecond(tokens, training), elapsed, elapsed / (step - start) * (options.Steps - step), validationLoss));
        }
        return new FineTuneResult(history, clock.Elapsed, TokensPerSecond(tokens, training), start);
    }

    /// <summary>
    /// Forward and backward over this rank's part of the step's micro-batches; each adds its gradient
    /// weighted by its share of the counted tokens of the whole step (all ranks' parts, counted here
    /// from the data every rank holds), so the sum over ranks is the gradient of the step's token
    /// mean. Returns this rank's part of that mean and the tokens through the model (padding
    /// excluded, prompts included).
    /// </summary>
    private static (double Loss, long Processed) Accumulate(LlamaModel model, IReadOnlyList<TokenizedExample> train, ExampleOrder order, int step, FineTuneOptions options, int rank, int worldSize)
    {
        var batches = new SequenceBatch[options.GradientAccumulation];
        long total = 0;
        int global = options.BatchSize * worldSize;
        for (int j = 0; j < batches.Length; j++)
        {
            long position = (((long)(step - 1) * options.GradientAccumulation) + j) * global;
            var indices = order.Take(position, global);
            total += indices.Sum(i => (long)SequenceBatch.CountedTokensOf(train[i], options.SequenceLength));
            batches[j] = SequenceBatch.Of([.. indices.Skip(rank * options.BatchSize).Take(options.BatchSize).Select(i => train[i])], options.SequenceLength, padId: 0);
        }
        double loss = 0;
        foreach (var batch in batches.Where(b => b.CountedTokens > 0))
        {
            float share = (float)((double)batch.CountedTokens / total);
            using var tape = new Tape(model.Backend);
            var mean = CausalLmLoss.Of(tape, model, batch);
            loss += mean.Value.ToArray()[0] * (double)share;
            using var seed = model.Backend.FromArray([share], mean.Shape);
            tape.Backward(mean, seed);
        }
        return (loss, batches.Sum(b => (long)b.KeyMask.Sum()));
    }

    /// <summary>Sums the gradients, this rank's loss share and token count over the ranks, in one fused buffer.</summary>
    private static (double Loss, long Processed) AllReduce(ICollective collective, AdamW optimizer, double loss, long processed)
    {
        var gradients = new List<Tensor>();
        foreach (var p in optimizer.Parameters)
        {
            gradients.Add(p.Grad ?? throw new InvalidOperationException($"parameter {p} has no gradient after the step's backward pass"));
        }
        Span<float> scalars = [(float)loss, processed];
        collective.AllReduceSum(gradients, scalars);
        return (scalars[0], (long)scalars[1]);
    }

    private static double Validate(LlamaModel model, IReadOnlyList<TokenizedExample> validation, FineTuneOptions options)
        => validation.Count == 0 ? double.NaN : CausalLmLoss.Evaluate(model, validation, options.BatchSize, options.SequenceLength).Loss;

    private static ILearningRateSchedule Schedule(FineTuneOptions o) => o.Schedule switch
    {
        ScheduleKind.Constant => new WarmupConstantSchedule(o.LearningRate, o.WarmupSteps),
        ScheduleKind.Linear => new LinearWarmupSchedule(o.LearningRate, o.WarmupSteps, o.Steps),
        _ => new CosineWarmupSchedule(o.LearningRate, o.WarmupSteps, o.Steps),
    };

    /// <summary>Every id inside the vocabulary; with <paramref name="requireLoss"/>, every example with a counted token within the sequence length.</summary>
    private static void CheckExamples(IReadOnlyList<TokenizedExample> examples, int vocabulary, int length, string name, bool requireLoss)
    {
        if (requireLoss && examples.Count == 0)
        {
            throw new ArgumentException("there is no training example", name);
        }
        for (int i = 0; i < examples.Count; i++)
        {
            var e = examples[i];
            int bad = Array.FindIndex(e.Ids, id => id < 0 || id >= vocabulary);
            if (bad >= 0)
            {
                throw new ArgumentException($"{name} example {i}: token {bad} is id {e.Ids[bad]}, outside the model's vocabulary [0, {vocabulary})", name);
            }
            if (requireLoss && Math.Max(e.PromptLength, 1) >= Math.Min(e.Ids.Length, length))
            {
                throw new ArgumentException(
                    $"{name} example {i}: no token would count in the loss ({e.Ids.Length} tokens, a prompt of {e.PromptLength}, sequences cut at {length}): shorten the prompt or raise the sequence length",
                    name);
            }
        }
    }

    /// <summary>A hash of the training token ids, prompt lengths and the cut, to tell a checkpoint of other data.</summary>
    private static string DataHash(IReadOnlyList<TokenizedExample> train, int length)
    {
        var hash = new XxHash128();
        hash.Append(BitConverter.GetBytes(length));
        foreach (var e in train)
        {
            hash.Append(BitConverter.GetBytes(e.PromptLength));
            hash.Append(BitConverter.GetBytes(e.Ids.Length));
            hash.Append(System.Runtime.InteropServices.MemoryMarshal.AsBytes(e.Ids.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private static double TokensPerSecond(long tokens, Stopwatch training)
        => training.Elapsed.TotalSeconds > 0 ? tokens / training.Elapsed.TotalSeconds : 0;
}
