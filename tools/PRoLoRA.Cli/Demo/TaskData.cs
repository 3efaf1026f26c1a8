using PRoLoRA.Native.Text;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>One task's data: training and validation examples, and held-out prompts, none of which occurs in training.</summary>
/// <param name="Train">Training examples (prompt and completion, loss on the completion).</param>
/// <param name="Validation">Validation examples.</param>
/// <param name="Test">Held-out prompts with their one right answer.</param>
public sealed record TaskData(IReadOnlyList<TokenizedExample> Train, IReadOnlyList<TokenizedExample> Validation, IReadOnlyList<TaskExample> Test)
{
    /// <summary>
    /// Generates <paramref name="task"/>'s data, tokenized by <paramref name="tokenizer"/>: distinct
    /// held-out prompts first (validation, then test), then <paramref name="trainCount"/> training
    /// examples drawn from the other prompts.
    /// </summary>
    public static TaskData Make(string task, ITokenizer tokenizer, int trainCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        int heldOutCount = DemoSettings.ValidationExamples + DemoSettings.TestPrompts;
        var heldOutPrompts = new HashSet<string>(StringComparer.Ordinal);
        var heldOut = DemoTasks.Generate(task, Seed(seed, 0), 20 * heldOutCount).Where(e => heldOutPrompts.Add(e.Prompt)).Take(heldOutCount).ToList();
        var train = DemoTasks.Generate(task, Seed(seed, 1), 2 * trainCount).Where(e => !heldOutPrompts.Contains(e.Prompt)).Take(trainCount).ToList();
        if (heldOut.Count < heldOutCount || train.Count < trainCount)
        {
            throw new InvalidOperationException($"task '{task}' has too few distinct prompts for {heldOutCount} held-out and {trainCount} training examples");
        }
        return new TaskData(
            [.. train.Select(e => TextExamples.Of(e.Prompt, e.Completion, tokenizer))],
            [.. heldOut.Take(DemoSettings.ValidationExamples).Select(e => TextExamples.Of(e.Prompt, e.Completion, tokenizer))],
            [.. heldOut.Skip(DemoSettings.ValidationExamples)]);
    }

    private static int Seed(int seed, int part) => unchecked((seed * 7919) + part + 1);
}
