using System.Diagnostics;
using System.Globalization;
using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Optim;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Pretraining;

/// <summary>
/// Pretrains a LLaMA from scratch on <see cref="PretrainingText"/>: every base weight trains with
/// AdamW (weight decay on the matrices only), linear warmup and cosine decay, global-norm clipping;
/// the loss is <see cref="CausalLmLoss"/>'s next-token cross-entropy on packed sequences.
/// Deterministic in the seed on one backend.
/// </summary>
public static class BasePretrainer
{
    /// <summary>Seed offset of the validation text, so that it holds other paragraphs than the training text.</summary>
    private const int ValidationSeedOffset = 1_000_003;

    /// <summary>Trains a new model of shape <paramref name="config"/>, printing progress to <paramref name="output"/>.</summary>
    public static PretrainResult Run(IBackend backend, LlamaConfig config, PretrainOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var model = LlamaModel.CreateRandom(config, backend, options.Seed);
        try
        {
            return Train(model, options, output, clock);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static PretrainResult Train(LlamaModel model, PretrainOptions o, TextWriter output, Stopwatch clock)
    {
        var parameters = model.BaseParameters;
        var groups = new[]
        {
            new ParamGroup(parameters.Where(p => !IsNorm(p))),
            new ParamGroup(parameters.Where(IsNorm), weightDecay: 0f),
        };
        using var optimizer = new AdamW(groups, new AdamWOptions { LearningRate = o.LearningRate, WeightDecay = o.WeightDecay, Beta2 = 0.99f });
        var schedule = new CosineWarmupSchedule(o.LearningRate, Math.Min(o.WarmupSteps, o.Steps / 10), o.Steps);
        var train = new TokenStream(o.Seed);
        var validationStream = new TokenStream(o.Seed + ValidationSeedOffset);
        var validation = Enumerable.Range(0, o.ValidationSequences).Select(_ => new TokenizedExample(validationStream.Take(o.SequenceLength), 0)).ToList();
        var counts = new long[model.Config.VocabularySize];

        double initial = Validate(model, validation, o);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pretraining {parameters.Sum(p => p.Shape.Count):N0} parameters: {o.Steps} steps of {o.BatchSize} x {o.SequenceLength} tokens; validation loss {initial:0.0000}"));
        var training = new Stopwatch();
        long tokens = 0;
        double sum = 0, last = double.NaN, validationLoss = initial;
        int summed = 0;
        for (int step = 1; step <= o.Steps; step++)
        {
            training.Start();
            var batch = SequenceBatch.Of([.. Enumerable.Range(0, o.BatchSize).Select(_ => new TokenizedExample(train.Take(o.SequenceLength), 0))], o.SequenceLength, CharTokenizer.PadId);
            foreach (int id in batch.Ids)
            {
                counts[id]++;
            }
            double loss;
            using (var tape = new Tape(model.Backend))
            {
                var mean = CausalLmLoss.Of(tape, model, batch);
                loss = mean.Value.ToArray()[0];
                tape.Backward(mean);
            }
            GradientClipping.ClipGlobalNorm(optimizer.Parameters, o.MaxGradNorm);
            float lr = optimizer.Step(schedule);
            optimizer.ZeroGrad();
            training.Stop();
            if (!double.IsFinite(loss))
            {
                throw new InvalidOperationException($"the loss is {loss} at step {step}: lower --learning-rate");
            }
            tokens += batch.Ids.Length;
            sum += loss;
            summed++;
            bool evaluate = step == o.Steps || step % o.EvaluateEvery == 0;
            if (evaluate)
            {
                validationLoss = Validate(model, validation, o);
            }
            if (evaluate || step % o.LogEvery == 0)
            {
                last = sum / summed;
                string val = evaluate ? string.Create(CultureInfo.InvariantCulture, $"  val {validationLoss:0.0000}") : "";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {step}/{o.Steps}  loss {last:0.0000}{val}  lr {lr:0.00e0}  {tokens / training.Elapsed.TotalSeconds:0} tok/s  elapsed {clock.Elapsed:h\\:mm\\:ss}"));
                output.Flush();
                (sum, summed) = (0, 0);
            }
        }
        double entropy = Entropy(counts);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done in {clock.Elapsed:h\\:mm\\:ss}: train loss {last:0.0000}, validation loss {validationLoss:0.0000} (from {initial:0.0000}; unigram entropy {entropy:0.0000}) nats per token"));
        return new PretrainResult(model, initial, last, validationLoss, entropy, tokens, clock.Elapsed);
    }

    private static bool IsNorm(Variable p) => p.Name.EndsWith("norm.weight", StringComparison.Ordinal);

    private static double Validate(LlamaModel model, IReadOnlyList<TokenizedExample> validation, PretrainOptions o)
        => CausalLmLoss.Evaluate(model, validation, o.BatchSize, o.SequenceLength).Loss;

    private static double Entropy(long[] counts)
    {
        double total = counts.Sum();
        return -counts.Where(c => c > 0).Sum(c => c / total * Math.Log(c / total));
    }
}
