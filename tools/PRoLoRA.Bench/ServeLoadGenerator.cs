using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace PRoLoRA.Bench;

/// <summary>
/// A bounded load generator for a running <c>prolora serve</c> (or any server with OpenAI's /v1/models and
/// /v1/completions): it spreads <see cref="ServeLoadOptions.Requests"/> greedy completions round-robin over the
/// server's adapters (the model ids after the base; the base when it has none), at most
/// <see cref="ServeLoadOptions.Concurrency"/> in flight, and reports what the serve group reports: generated
/// tokens per second, p50 and p99 request latency, and (from /metrics, where the server has prolora's) the
/// resident bytes per adapter. Every request has a deadline; a failed one is counted and named, never waited on.
/// </summary>
internal static class ServeLoadGenerator
{
    private const string Group = "serve-load";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs the load; returns the exit code (0 when every completion succeeded, 1 otherwise or when the server cannot be reached).</summary>
    public static int Run(ServeLoadOptions options, Report report, TextWriter output, TextWriter error)
    {
        using var client = new HttpClient { BaseAddress = options.Url, Timeout = RequestTimeout };
        List<string> models;
        try
        {
            models = Models(client);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidDataException)
        {
            error.WriteLine($"error: {options.Url}: cannot list the models (GET /v1/models): {e.Message}");
            return 1;
        }
        var targets = models.Count > 1 ? models.Skip(1).ToList() : models;
        ConsoleTable.Header(output, $"serve-load: {options.Requests} greedy completions of {options.MaxTokens} tokens, {options.Concurrency} at once, " +
            $"over {targets.Count} model id(s) of {options.Url}");
        var latencies = new double[options.Requests];
        var tokens = new int[options.Requests];
        var failures = new List<string>();
        using var gate = new SemaphoreSlim(options.Concurrency);
        var wall = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, options.Requests).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var start = Stopwatch.GetTimestamp();
                tokens[i] = await Complete(client, targets[i % targets.Count], $"Convert 2021-0{1 + (i % 9)}-1{i % 10} to words:", options.MaxTokens).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidDataException)
            {
                lock (failures)
                {
                    failures.Add($"request {i} ({targets[i % targets.Count]}): {e.Message}");
                }
                latencies[i] = double.NaN;
            }
            finally
            {
                gate.Release();
            }
        }).ToArray();
        Task.WaitAll(tasks);
        double seconds = wall.Elapsed.TotalSeconds;
        var done = latencies.Where(l => !double.IsNaN(l)).ToArray();
        int generated = tokens.Sum();
        if (done.Length > 0)
        {
            var stats = Stats.Of(done);
            var m = new Measurement(Group, "completion latency", $"N={options.Requests} C={options.Concurrency} T={options.MaxTokens} K={targets.Count}", stats,
                TokensPerSecond: generated / seconds);
            report.Add(m);
            ConsoleTable.Row(output, m);
        }
        string latency = done.Length > 0
            ? string.Create(CultureInfo.InvariantCulture, $", latency p50 {Stats.Percentile(done, 0.50):F1} ms, p99 {Stats.Percentile(done, 0.99):F1} ms")
            : "";
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{done.Length}/{options.Requests} completions in {seconds:F2} s: {generated} tokens, {generated / seconds:F1} tok/s{latency}");
        output.WriteLine("   " + summary);
        report.Note($"serve-load {options.Url}: {summary}");
        if (ResidentBytesPerAdapter(client) is double bytes)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   resident bytes per adapter (/metrics): {bytes:F0}"));
            report.Note(string.Create(CultureInfo.InvariantCulture, $"serve-load resident bytes per adapter: {bytes:F0}"));
        }
        foreach (var failure in failures.Order(StringComparer.Ordinal))
        {
            error.WriteLine($"failed: {failure}");
            report.Note($"serve-load failed: {failure}");
        }
        return failures.Count == 0 ? 0 : 1;
    }

    private static List<string> Models(HttpClient client)
    {
        using var doc = JsonDocument.Parse(client.GetStringAsync("v1/models").GetAwaiter().GetResult());
        var ids = doc.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString() ?? "").Where(id => id.Length > 0).ToList();
        return ids.Count > 0 ? ids : throw new InvalidDataException("the server lists no model");
    }

    /// <summary>One greedy completion; its completion tokens (usage.completion_tokens).</summary>
    private static async Task<int> Complete(HttpClient client, string model, string prompt, int maxTokens)
    {
        using var response = await client.PostAsJsonAsync("v1/completions", new { model, prompt, max_tokens = maxTokens, temperature = 0 }).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        }
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
    }

    /// <summary>prolora_adapter_bytes / prolora_adapters_loaded from /metrics, or null when the server has neither.</summary>
    private static double? ResidentBytesPerAdapter(HttpClient client)
    {
        try
        {
            var values = client.GetStringAsync("metrics").GetAwaiter().GetResult().Split('\n')
                .Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(' ')).Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
            return values.TryGetValue("prolora_adapter_bytes", out double bytes) && values.TryGetValue("prolora_adapters_loaded", out double count) && count > 0 ? bytes / count : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
