using System.Text.Json;

namespace PRoLoRA.Cli.Serving;

/// <summary>
/// A request the server refuses, in OpenAI's error form: <c>{"error": {"message", "type", "param", "code"}}</c>
/// with an HTTP status (400 bad request, 404 unknown model, 429 queue full, ...).
/// </summary>
/// <param name="status">The HTTP status.</param>
/// <param name="message">What is wrong, naming the field.</param>
/// <param name="type">OpenAI's error type ("invalid_request_error", "not_found_error", ...).</param>
/// <param name="param">The request field at fault, or null.</param>
public sealed class ApiException(int status, string message, string type = "invalid_request_error", string? param = null) : Exception(message)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>OpenAI's error type.</summary>
    public string Type { get; } = type;

    /// <summary>The request field at fault, or null.</summary>
    public string? Param { get; } = param;

    /// <summary>A 400 about <paramref name="param"/>.</summary>
    public static ApiException BadRequest(string message, string? param = null) => new(400, message, "invalid_request_error", param);

    /// <summary>The error body.</summary>
    public byte[] Body()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", Message);
            w.WriteString("type", Type);
            if (Param is null)
            {
                w.WriteNull("param");
            }
            else
            {
                w.WriteString("param", Param);
            }
            w.WriteNumber("code", Status);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return stream.ToArray();
    }
}
