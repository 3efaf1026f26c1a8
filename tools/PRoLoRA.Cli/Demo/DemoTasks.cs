using System.Globalization;

namespace PRoLoRA.Cli.Demo;

/// <summary>One prompt and the completion that answers it exactly.</summary>
/// <param name="Prompt">What the model is given.</param>
/// <param name="Completion">The one right answer.</param>
public sealed record TaskExample(string Prompt, string Completion);

/// <summary>
/// The main job's three fine-tuning tasks, generated (deterministic in the seed) so that every
/// answer can be checked exactly: arithmetic, a format conversion and an in-prompt lookup. None of
/// their formats occurs in the base model's pretraining text.
/// </summary>
public static class DemoTasks
{
    /// <summary>The tasks' names, in the order the main job runs them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["add", "date", "lookup"];

    /// <summary><paramref name="count"/> examples of task <paramref name="name"/>.</summary>
    public static IReadOnlyList<TaskExample> Generate(string name, int seed, int count)
    {
        var rng = new Random(seed);
        Func<Random, TaskExample> make = name switch
        {
            "add" => Add,
            "date" => Date,
            "lookup" => Lookup,
            _ => throw new ArgumentException($"unknown task '{name}'; tasks are {string.Join(", ", Names)}", nameof(name)),
        };
        return [.. Enumerable.Range(0, count).Select(_ => make(rng))];
    }

    /// <summary>"13+8=" → "21": two numbers below 20 (the base has read such sums told in words, never in this form).</summary>
    private static TaskExample Add(Random rng)
    {
        int a = rng.Next(0, 20), b = rng.Next(0, 20);
        return new TaskExample($"{a}+{b}=", (a + b).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>"date 2021-11-07 is " → "7 november 2021".</summary>
    private static TaskExample Date(Random rng)
    {
        string[] months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
        int year = rng.Next(1900, 2100), month = rng.Next(1, 13), day = rng.Next(1, DateTime.DaysInMonth(year, month) + 1);
        return new TaskExample(string.Create(CultureInfo.InvariantCulture, $"date {year:D4}-{month:D2}-{day:D2} is "), string.Create(CultureInfo.InvariantCulture, $"{day} {months[month - 1]} {year}"));
    }

    /// <summary>"k=3 b=8 q=1 x=5; q?" → "1": four letters with digits, then one of them asked.</summary>
    private static TaskExample Lookup(Random rng)
    {
        var letters = "abcdefghijklmnopqrstuvwxyz".OrderBy(_ => rng.Next()).Take(4).ToArray();
        var digits = letters.Select(_ => rng.Next(0, 10)).ToArray();
        int asked = rng.Next(4);
        var pairs = string.Join(' ', letters.Select((l, i) => $"{l}={digits[i]}"));
        return new TaskExample($"{pairs}; {letters[asked]}?", digits[asked].ToString(CultureInfo.InvariantCulture));
    }
}
