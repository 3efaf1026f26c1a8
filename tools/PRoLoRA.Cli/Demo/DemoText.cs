using System.Text;

namespace PRoLoRA.Cli.Demo;

/// <summary>
/// The demo's two texts, generated from small grammars (so they are ours to ship): fables for
/// pretraining the base, and a ship's log (another vocabulary, layout and digits) to fine-tune on.
/// Deterministic in the seed; lower-case, within <c>CharVocabulary.Default</c>.
/// </summary>
public static class DemoText
{
    private static readonly string[] Beings = ["the fox", "the old farmer", "a little bird", "the king", "my sister", "the baker", "a tired horse", "the young prince", "the wise owl", "a hungry wolf", "the miller's daughter", "a small mouse", "the shepherd", "an old woman", "the brave girl"];
    private static readonly string[] Deeds = ["found", "saw", "carried", "followed", "painted", "lost", "wanted", "called", "helped", "watched", "hid", "mended", "sold", "kept", "remembered"];
    private static readonly string[] Things = ["a red apple", "the silver key", "an old boat", "the garden gate", "a loaf of bread", "the tall tree", "a golden ring", "the quiet road", "a basket of eggs", "the little house", "a warm coat", "the wooden cart", "a bright star", "the stone well"];
    private static readonly string[] Places = ["near the river", "in the forest", "under the bridge", "at the market", "by the old mill", "on the hill", "in the snow", "behind the barn", "at the edge of the field", "in the village"];
    private static readonly string[] Moods = ["happy", "sad", "afraid", "tired", "proud", "hungry", "kind", "clever", "angry", "quiet"];
    private static readonly string[] Openers = ["one day", "long ago", "in the morning", "after the storm", "at night", "that winter", "every spring"];
    private static readonly string[] Morals = ["a kind word costs nothing.", "slow and steady wins the race.", "look before you leap.", "many hands make light work.", "a friend in need is a friend indeed.", "pride comes before a fall."];

    private static readonly string[] Winds = ["light", "strong", "steady", "gusty", "fresh", "dying"];
    private static readonly string[] Bearings = ["north", "south", "east", "west", "north-east", "north-west", "south-east", "south-west"];
    private static readonly string[] Weather = ["fog", "rain", "clear skies", "a heavy swell", "low cloud", "squalls", "hail", "calm seas"];
    private static readonly string[] Watches = ["at dawn", "in the forenoon", "at noon", "in the afternoon", "at dusk", "in the first watch", "in the middle watch"];
    private static readonly string[] Chores = ["mended the sails", "scrubbed the deck", "checked the pumps", "coiled the ropes", "tarred the seams", "mended the nets", "stowed the water casks", "greased the capstan"];
    private static readonly string[] Sightings = ["two whales", "a pod of dolphins", "a flock of gulls", "a merchant brig", "driftwood", "a fishing boat", "three seals", "the lighthouse"];
    private static readonly string[] Anchorages = ["cape rock", "gull island", "the harbor mouth", "port mercy", "the long reef", "saltby bay"];
    private static readonly string[] Crew = ["the bosun", "the cook", "the mate", "young tom", "the carpenter", "old harris"];
    private static readonly string[] Ailments = ["a fever", "a cut hand", "a sprained wrist", "seasickness", "a bad tooth"];

    /// <summary>Fables of about <paramref name="characters"/> characters: paragraphs of simple sentences, one per line.</summary>
    public static string Fables(int seed, int characters)
    {
        var rng = new Random(seed);
        var text = new StringBuilder();
        while (text.Length < characters)
        {
            var paragraph = new List<string> { $"{Pick(rng, Openers)}, {Pick(rng, Beings)} went {Pick(rng, Places)}." };
            int sentences = rng.Next(3, 6);
            for (int i = 0; i < sentences; i++)
            {
                paragraph.Add(FableSentence(rng));
            }
            if (rng.Next(3) == 0)
            {
                paragraph.Add($"and so the moral is: {Pick(rng, Morals)}");
            }
            text.Append(string.Join(' ', paragraph)).Append('\n');
        }
        return text.ToString();
    }

    private static string FableSentence(Random rng) => rng.Next(5) switch
    {
        0 => $"{Pick(rng, Beings)} {Pick(rng, Deeds)} {Pick(rng, Things)} {Pick(rng, Places)}.",
        1 => $"{Pick(rng, Beings)} {Pick(rng, Deeds)} {Pick(rng, Things)}, and {Pick(rng, Beings)} was {Pick(rng, Moods)}.",
        2 => $"\"where is {Pick(rng, Things)}?\" asked {Pick(rng, Beings)}.",
        3 => $"then {Pick(rng, Beings)} {Pick(rng, Deeds)} {Pick(rng, Beings)}, but {Pick(rng, Things)} was gone.",
        _ => $"{Pick(rng, Beings)} was {Pick(rng, Moods)} because {Pick(rng, Beings)} {Pick(rng, Deeds)} {Pick(rng, Things)}.",
    };

    /// <summary>A ship's log of about <paramref name="characters"/> characters: one numbered day per line.</summary>
    public static string ShipsLog(int seed, int characters)
    {
        var rng = new Random(seed);
        var text = new StringBuilder();
        for (int day = 1; text.Length < characters; day++)
        {
            var entry = new List<string> { $"day {day}: wind {Pick(rng, Winds)} from the {Pick(rng, Bearings)}, {Pick(rng, Weather)} {Pick(rng, Watches)}." };
            int events = rng.Next(2, 5);
            for (int i = 0; i < events; i++)
            {
                entry.Add(LogSentence(rng));
            }
            text.Append(string.Join(' ', entry)).Append('\n');
        }
        return text.ToString();
    }

    private static string LogSentence(Random rng) => rng.Next(6) switch
    {
        0 => $"we sailed {rng.Next(8, 120)} miles, {Pick(rng, Bearings)} by {Pick(rng, Bearings)}.",
        1 => $"the crew {Pick(rng, Chores)}.",
        2 => $"sighted {Pick(rng, Sightings)} {Pick(rng, Watches)}.",
        3 => $"lay at anchor off {Pick(rng, Anchorages)} in {rng.Next(4, 30)} fathoms.",
        4 => $"{Pick(rng, Crew)} is down with {Pick(rng, Ailments)}; {rng.Next(2, 9)} men fit for duty.",
        _ => $"noon position {rng.Next(10, 60)} degrees {rng.Next(0, 60):00} minutes; barometer {rng.Next(28, 31)}.{rng.Next(0, 100):00}.",
    };

    private static string Pick(Random rng, string[] options) => options[rng.Next(options.Length)];
}
