using PRoLoRA.Native.Text;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>One task's data: training and validation examples, and held-out prompts none of which occurs in training.</summary>
/// <param name="Train">Training examples (prompt and completion, loss on the completion).</param>
/// <param name="Validation">Validation examples.</param>
/// <param name="Test">Held-out prompts with their one right answer.</param>
public sealed record TaskData(IReadOnlyList<TokenizedExample> Train, IReadOnlyList<TokenizedExample> Validation, IReadOnlyList<TaskExample> Test)
{
    /// <summary>Generates <paramref name="task"/>'s data for <paramref name="trainCount"/> training examples, tokenized by <paramref name="tokenizer"/>.</summary>
    public static TaskData Make(string task, ITokenizer tokenizer, int trainCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var train = DemoTasks.Generate(task, Seed(seed, 0), trainCount);
        var seen = train.Select(e => e.Prompt).ToHashSet(StringComparer.Ordinal);
        var heldOut = DemoTasks.Generate(task, Seed(seed, 1), 20 * (DemoSettings.ValidationExamples + DemoSettings.TestPrompts))
            .Where(e => seen.Add(e.Prompt))
            .Take(DemoSettings.ValidationExamples + DemoSettings.TestPrompts)
            .ToList();
        if (heldOut.Count < DemoSettings.ValidationExamples + DemoSettings.TestPrompts)
        {
            throw new InvalidOperationException($"task '{task}' has too few distinct prompts for its held-out sets");
        }
        return new TaskData(
            [.. train.Select(e => TextExamples.Of(e.Prompt, e.Completion, tokenizer))],
            [.. heldOut.Take(DemoSettings.ValidationExamples).Select(e => TextExamples.Of(e.Prompt, e.Completion, tokenizer))],
            [.. heldOut.Skip(DemoSettings.ValidationExamples)]);
    }

    private static int Seed(int seed, int part) => unchecked((seed * 7919) + part + 1);
}
