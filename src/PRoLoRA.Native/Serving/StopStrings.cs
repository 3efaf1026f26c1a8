namespace PRoLoRA.Native.Serving;

/// <summary>Where a generated text stops and how much of it is safe to stream.</summary>
internal static class StopStrings
{
    /// <summary>
    /// The visible length of <paramref name="text"/>: up to the first stop string (found: true), else
    /// all but the longest tail that begins some stop string (it may yet complete one).
    /// </summary>
    public static (int Visible, bool Found) Scan(string text, IReadOnlyList<string> stops)
    {
        int first = -1;
        foreach (var stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }
        if (first >= 0)
        {
            return (first, true);
        }
        int hold = 0;
        foreach (var stop in stops)
        {
            for (int k = Math.Min(stop.Length - 1, text.Length); k > hold; k--)
            {
                if (text.AsSpan(text.Length - k).SequenceEqual(stop.AsSpan(0, k)))
                {
                    hold = k;
                    break;
                }
            }
        }
        return (text.Length - hold, false);
    }
}
