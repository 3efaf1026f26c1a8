using System.Text.Json;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// A file of token ids, <c>{"input_ids": [[...], ...]}</c>: one or more rows of equal length (at
/// least 2, no padding), every id in [0, vocabulary). Read as untrusted input; every problem is an
/// <see cref="InvalidDataException"/> naming the file and the field.
/// </summary>
internal static class TokenIdsFile
{
    /// <summary>The field holding the rows.</summary>
    public const string Field = "input_ids";

    /// <summary>The most such a file may hold.</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>The rows of <paramref name="path"/>, all of one length; rows longer than <paramref name="maxLength"/> are refused.</summary>
    public static int[][] Load(string path, int vocabulary, int maxLength)
    {
        var root = JsonInput.Load(path, MaxBytes).Object();
        foreach (var (name, _) in root.Properties().Where(kv => kv.Key != Field))
        {
            throw root.Error($"has the field '{Printable.Text(name)}': only {Field} is read (rows of equal length, no padding)");
        }
        var rows = root[Field].Items();
        if (rows.Count == 0)
        {
            throw root[Field].Error("has no row");
        }
        int length = rows[0].Items().Count;
        if (length < 2)
        {
            throw rows[0].Error($"has {length} id(s): a row needs at least 2 (each token but the last predicts the next)");
        }
        if (length > maxLength)
        {
            throw rows[0].Error($"has {length} ids, more than the --max-length of {maxLength}");
        }
        return [.. rows.Select(row => Row(row, length, vocabulary))];
    }

    /// <summary>One row's ids; read straight from the element, with a field per id only to name a bad one.</summary>
    private static int[] Row(JsonField row, int length, int vocabulary)
    {
        if (row.Kind != JsonValueKind.Array)
        {
            throw row.Error($"must be a JSON array of token ids, got {row.Describe()}");
        }
        int n = row.Element.GetArrayLength();
        if (n != length)
        {
            throw row.Error($"has {n} ids, but {Field}[0] has {length}: every row must have the same length (no padding)");
        }
        var ids = new int[n];
        int i = 0;
        foreach (var item in row.Element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[i]) || (uint)ids[i] >= (uint)vocabulary)
            {
                var field = row.Items()[i];
                throw field.Error($"must be a token id, a whole number in [0, {vocabulary}) (the model's vocab_size), got {field.Describe()}");
            }
            i++;
        }
        return ids;
    }
}
