using System.Text.Json;

namespace PRoLoRA.Native.IO;

/// <summary>The JSON writer settings of the config files.</summary>
internal static class JsonOptions
{
    /// <summary>Indented, two spaces, non-ASCII kept as is.</summary>
    public static JsonSerializerOptions Indented { get; } = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
