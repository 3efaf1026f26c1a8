using System.Globalization;
using System.Text;

namespace PRoLoRA.Native.IO.Input;

/// <summary>
/// Untrusted text made safe to print: control characters escaped (no terminal escape sequences
/// from a file's tensor names), and cut to a bounded length with an ellipsis.
/// </summary>
internal static class Printable
{
    /// <summary><paramref name="text"/> with control characters as \uXXXX, at most <paramref name="max"/> characters (then "…").</summary>
    public static string Text(string text, int max = 80)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(Math.Min(text.Length, max));
        foreach (char c in text)
        {
            if (sb.Length >= max)
            {
                sb.Length = Math.Max(0, max - 1);
                sb.Append('…');
                break;
            }
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
