namespace PRoLoRA.Cli.Pretraining;

/// <summary>
/// The base model's pretraining text: paragraphs of simple English from templates, deterministic
/// in the seed. They teach characters, numbers in digits and in words, sums told as stories,
/// counting, months, dates written out ("on 7 november 2021"), letters and spelling, and lists. The
/// prompt formats of the fine-tuning tasks (Demo/DemoTasks.cs: "37+485=", "date 2021-11-07 is ",
/// "k=3 b=8; k?") never occur: no '+', '=' or ISO dates are written here; the adapters learn those.
/// </summary>
public static class PretrainingText
{
    private static readonly string[] Names = ["tom", "anna", "sam", "lily", "ben", "mia", "max", "zoe", "leo", "ivy", "jack", "rose", "noah", "ella", "omar", "nina"];
    private static readonly string[] Things = ["apples", "pears", "books", "coins", "cups", "stones", "eggs", "shells", "cards", "boats", "keys", "plums", "candles", "ropes", "jars", "maps"];
    private static readonly string[] Animals = ["cat", "dog", "fox", "owl", "horse", "goat", "duck", "crow", "mouse", "bear", "frog", "hen"];
    private static readonly string[] Places = ["the market", "the river", "the old mill", "the school", "the harbour", "the garden", "the hill", "the library", "the station", "the farm"];
    private static readonly string[] Adjectives = ["small", "old", "quiet", "red", "brave", "tired", "happy", "grey", "clever", "lazy"];
    private static readonly string[] Verbs = ["found", "bought", "painted", "carried", "counted", "sold", "mended", "washed"];

    /// <summary>Paragraphs without end, each a few sentences on one line (no newline inside).</summary>
    public static IEnumerable<string> Paragraphs(int seed)
    {
        var rng = new Random(seed);
        while (true)
        {
            int count = rng.Next(3, 8);
            var parts = new string[count];
            for (int i = 0; i < count; i++)
            {
                string s = Sentence(rng);
                parts[i] = rng.Next(3) == 0 ? char.ToUpperInvariant(s[0]) + s[1..] : s;
            }
            yield return string.Join(' ', parts);
        }
    }

    private static string Sentence(Random rng) => rng.Next(7) switch
    {
        0 => Quantity(rng),
        1 => Number(rng),
        2 => Counting(rng),
        3 => DateSentence(rng),
        4 => Letters(rng),
        5 => List(rng),
        _ => Story(rng),
    };

    private static T Pick<T>(Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    private static string Quantity(Random rng)
    {
        string name = Pick(rng, Names), other = Pick(rng, Names), things = Pick(rng, Things);
        int a = rng.Next(0, rng.Next(2) == 0 ? 20 : 500), b = rng.Next(0, rng.Next(2) == 0 ? 10 : 500);
        return rng.Next(6) switch
        {
            0 => $"{name} had {a} {things} and {Pick(rng, Verbs)} {b} more, so now {name} has {a + b} {things}.",
            1 => $"{a} {things} and {b} {things} make {a + b} {things} in all.",
            2 => $"{name} had {a + b} {things} and gave {b} to {other}, so {a} were left.",
            3 => $"the sum of {a} and {b} is {a + b}.",
            4 => $"{Cardinal(a % 20)} {things} and {Cardinal(b % 10)} more are {Cardinal(a % 20 + b % 10)} {things}.",
            _ => $"how many {things} does {name} have? {name} has {a}.",
        };
    }

    private static string Number(Random rng)
    {
        int n = rng.Next(3) == 0 ? rng.Next(1, 2100) : rng.Next(1, 100);
        return rng.Next(5) switch
        {
            0 => $"{n} is written {Cardinal(n)}.",
            1 => $"the number {Cardinal(n)} is {n}.",
            2 => $"after {n} comes {n + 1}, and before it comes {n - 1}.",
            3 => $"{Cardinal(n)} is one more than {Cardinal(n - 1)}.",
            _ => $"{n} is {(n % 2 == 0 ? "even" : "odd")} and has {n.ToString(System.Globalization.CultureInfo.InvariantCulture).Length} digits.",
        };
    }

    private static string Counting(Random rng)
    {
        int start = rng.Next(0, rng.Next(2) == 0 ? 20 : 990), length = rng.Next(4, 9), by = rng.Next(4) == 0 ? 2 : 1;
        var numbers = Enumerable.Range(0, length).Select(i => start + (i * by)).ToArray();
        return rng.Next(4) switch
        {
            0 => $"{Pick(rng, Names)} counted: {string.Join(", ", numbers)}.",
            1 => $"counting by {Cardinal(by)}s: {string.Join(" ", numbers)}.",
            2 => $"{string.Join(", ", numbers.Where(n => n < 1000).Select(Cardinal))}.",
            _ => $"count down: {string.Join(", ", numbers.Reverse())}.",
        };
    }

    private static string DateSentence(Random rng)
    {
        int year = rng.Next(1900, 2100), month = rng.Next(1, 13), day = rng.Next(1, DateTime.DaysInMonth(year, month) + 1);
        string name = Pick(rng, Names), monthName = NumberWords.Months[month - 1];
        string weekday = new DateTime(year, month, day).DayOfWeek.ToString().ToLowerInvariant();
        return rng.Next(7) switch
        {
            0 => $"on {day} {monthName} {year} {name} went to {Pick(rng, Places)}.",
            1 => $"{name} was born on the {NumberWords.Ordinal(day)} of {monthName} {year}.",
            2 => $"the letter came on {weekday}, {day} {monthName} {year}.",
            3 => $"{monthName} comes after {NumberWords.Months[(month + 10) % 12]} and before {NumberWords.Months[month % 12]}.",
            4 => $"{monthName} is the {NumberWords.Ordinal(month)} month of the year, month {month}.",
            5 => $"there are {DateTime.DaysInMonth(year, month)} days in {monthName} {year}.",
            _ => $"the {NumberWords.Numbered(day)} of {monthName} {year} was a {weekday}.",
        };
    }

    private static string Letters(Random rng)
    {
        int i = rng.Next(0, 23);
        string word = Pick(rng, rng.Next(2) == 0 ? Things : Animals);
        return rng.Next(5) switch
        {
            0 => $"after {(char)('a' + i)} comes {(char)('a' + i + 1)}.",
            1 => $"the letters {(char)('a' + i)} {(char)('a' + i + 1)} {(char)('a' + i + 2)} {(char)('a' + i + 3)} come in that order.",
            2 => $"the word {word} starts with {word[0]} and ends with {word[^1]}.",
            3 => $"{word} is spelled {string.Join(' ', word.ToCharArray())}.",
            _ => $"{(char)('a' + i)} is the {NumberWords.Ordinal(i + 1)} letter, and {char.ToUpperInvariant((char)('a' + i))} is its capital.",
        };
    }

    private static string List(Random rng)
    {
        var things = Things.OrderBy(_ => rng.Next()).Take(3).ToArray();
        var counts = things.Select(_ => rng.Next(1, 30)).ToArray();
        return rng.Next(3) switch
        {
            0 => $"in the basket were {counts[0]} {things[0]}, {counts[1]} {things[1]} and {counts[2]} {things[2]}.",
            1 => $"{Pick(rng, Names)}'s list: {things[0]}, {things[1]}, {things[2]}.",
            _ => $"the box marked {(char)('a' + rng.Next(26))} holds {counts[0]} {things[0]}; the next one holds {counts[1]}.",
        };
    }

    private static string Story(Random rng)
    {
        string name = Pick(rng, Names), animal = Pick(rng, Animals), place = Pick(rng, Places);
        return rng.Next(4) switch
        {
            0 => $"{name} walked to {place} and saw {Cardinal(rng.Next(2, 13))} {animal}s.",
            1 => $"the {Pick(rng, Adjectives)} {animal} sat by {place} all day.",
            2 => $"\"where is the {animal}?\" asked {name}. \"by {place},\" said {Pick(rng, Names)}.",
            _ => $"{name} and {Pick(rng, Names)} {Pick(rng, Verbs)} {rng.Next(2, 60)} {Pick(rng, Things)} at {place}!",
        };
    }

    private static string Cardinal(int n) => NumberWords.Cardinal(n);
}
