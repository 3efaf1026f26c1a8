namespace PRoLoRA.Cli.Pretraining;

/// <summary>Numbers, days and months as English words, for <see cref="PretrainingText"/>.</summary>
public static class NumberWords
{
    private static readonly string[] Small =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ];

    private static readonly string[] Tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

    private static readonly string[] SmallOrdinals =
    [
        "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
        "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
    ];

    /// <summary>The months in lower case, january first.</summary>
    public static IReadOnlyList<string> Months { get; } =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    /// <summary><paramref name="n"/> (0–9999) in words: 342 is "three hundred and forty-two".</summary>
    public static string Cardinal(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 9999);
        if (n < 20)
        {
            return Small[n];
        }
        if (n < 100)
        {
            return n % 10 == 0 ? Tens[n / 10] : $"{Tens[n / 10]}-{Small[n % 10]}";
        }
        if (n < 1000)
        {
            return n % 100 == 0 ? $"{Small[n / 100]} hundred" : $"{Small[n / 100]} hundred and {Cardinal(n % 100)}";
        }
        return n % 1000 == 0 ? $"{Small[n / 1000]} thousand"
            : n % 1000 < 100 ? $"{Small[n / 1000]} thousand and {Cardinal(n % 1000)}"
            : $"{Small[n / 1000]} thousand {Cardinal(n % 1000)}";
    }

    /// <summary><paramref name="n"/> (1–99) as an ordinal word: 21 is "twenty-first".</summary>
    public static string Ordinal(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 99);
        if (n < 20)
        {
            return SmallOrdinals[n];
        }
        if (n % 10 == 0)
        {
            return Tens[n / 10][..^1] + "ieth";
        }
        return $"{Tens[n / 10]}-{SmallOrdinals[n % 10]}";
    }

    /// <summary><paramref name="n"/> with its ordinal suffix: 1st, 2nd, 3rd, 11th, 22nd.</summary>
    public static string Numbered(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        string suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return $"{n}{suffix}";
    }
}
