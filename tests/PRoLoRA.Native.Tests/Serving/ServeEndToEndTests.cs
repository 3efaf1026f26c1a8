using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Cli.Serving;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tests.Cli;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>
/// `prolora serve` for real: Kestrel on 127.0.0.1 and a free port over the generation engine, the
/// shipped base and 16 adapters; 64 concurrent requests each equal to the same request sent alone,
/// load and unload under traffic, the same greedy text as `prolora generate`, and the verb itself
/// started, asked and stopped with Ctrl-C (exit 0).
/// </summary>
[NonParallelizable]
public class ServeEndToEndTests
{
    private static readonly TestAdapter[] Sixteen = [.. Enumerable.Range(0, 16).Select(i => ServingSetup.Adapters[i % 3] with { Name = $"a{i}", Seed = 100 + i })];

    private LlamaModel _model = null!;
    private AdapterBank _bank = null!;
    private GenerationEngine _engine = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task Start()
    {
        _model = ServingSetup.LoadBase();
        _bank = new AdapterBank(_model);
        foreach (var a in Sixteen)
        {
            _bank.Add(a.Name, a.Create(_model));
        }
        var tokenizer = ServingSetup.Tokenizer();
        _engine = new GenerationEngine(_bank, new EngineOptions(tokenizer.EosIds, tokenizer, MaxRunning: 16, QueueCapacity: 128));
        _app = ServerApp.Build(new EngineCompletionService(_engine, tokenizer, "llama-base", maxLoaded: 32), "127.0.0.1", 0);
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = ServerApp.Address(_app), Timeout = TimeSpan.FromMinutes(3) };
    }

    [TearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _engine.Dispose();
        _bank.Dispose();
        _model.Dispose();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Complete(string json)
    {
        var response = await _client.PostAsync("/v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    private static string Text(JsonElement body) => body.GetProperty("choices")[0].GetProperty("text").GetString()!;

    private static string Request(string model, string prompt, float temperature = 0f, int seed = 0, int maxTokens = 12)
        => JsonSerializer.Serialize(new { model, prompt, max_tokens = maxTokens, temperature, seed });

    [Test]
    public async Task SixtyFourConcurrentRequestsOverSixteenAdapters_EachEqualsTheSameRequestSentAlone()
    {
        string[] prompts = ["13+8=", "date 2021-11-07 is ", "k=3 b=8; b?", "on 7 march tom", "the box marked"];
        var requests = Enumerable.Range(0, 64).Select(i => Request(i % 17 == 16 ? "llama-base" : $"a{i % 17}", prompts[i % prompts.Length], temperature: i % 4 == 0 ? 0.8f : 0f, seed: i)).ToList();

        var together = await Task.WhenAll(requests.Select(Complete));

        Assert.That(together.Select(r => r.Status), Has.All.EqualTo(HttpStatusCode.OK));
        for (int i = 0; i < requests.Count; i++)
        {
            var alone = await Complete(requests[i]);
            Assert.That(Text(together[i].Body), Is.EqualTo(Text(alone.Body)), $"request {i}: {requests[i]}");
        }
        Assert.That(together.Select(r => Text(r.Body)).Distinct().Count(), Is.GreaterThan(5), "the adapters change the outputs");
    }

    [Test]
    public async Task LoadAndUnload_UnderTraffic()
    {
        // Streamed, so each request is running (its first token sent) before the unload.
        var running = new List<HttpResponseMessage>();
        for (int i = 0; i < 8; i++)
        {
            var body = JsonSerializer.Serialize(new { model = "a3", prompt = "on 7 march tom", max_tokens = 24, temperature = 0, stream = true });
            running.Add(await _client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") }, HttpCompletionOption.ResponseHeadersRead));
        }
        Assert.That(running.Select(r => r.StatusCode), Has.All.EqualTo(HttpStatusCode.OK));
        var unloaded = await _client.PostAsync("/v1/unload_lora_adapter", new StringContent("""{"lora_name":"a3"}"""));
        Assert.That(unloaded.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var streams = await Task.WhenAll(running.Select(r => r.Content.ReadAsStringAsync()));
        Assert.That(streams, Has.All.EndsWith("data: [DONE]\n\n"), "requests already on an unloaded adapter finish");
        string first = string.Concat(streams[0].Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(l => l != "data: [DONE]")
            .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.That((await Complete(Request("a3", "x"))).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await _client.GetStringAsync("/v1/models"), Does.Not.Contain("\"a3\""));

        using var folder = new TempFolder();
        using (var source = ServingSetup.LoadBase())
        {
            ProLoraAdapterFolder.Save(folder.Path, Sixteen[3].Create(source));
        }
        var loaded = await _client.PostAsync("/v1/load_lora_adapter", new StringContent(JsonSerializer.Serialize(new { lora_name = "back", lora_path = folder.Path })));
        Assert.That(loaded.StatusCode, Is.EqualTo(HttpStatusCode.OK), await loaded.Content.ReadAsStringAsync());
        var again = await Complete(Request("back", "on 7 march tom", maxTokens: 24));
        Assert.That(Text(again.Body), Is.EqualTo(first), "the same adapter from its folder answers the same");
    }

    [Test]
    public async Task TheServerAndGenerate_GiveTheSameGreedyText()
    {
        using var folder = new TempFolder();
        using (var source = ServingSetup.LoadBase())
        {
            ProLoraAdapterFolder.Save(folder.Path, Sixteen[1].Create(source));
        }
        var (code, o, e) = LlamaCli.Run("generate", "--model", BaseModelShape.ShippedFolder, "--adapter", folder.Path, "--prompt", "date 2021-11-07 is ", "--max-new-tokens", "12");
        Assert.That(code, Is.Zero, e);

        var served = await Complete(Request("a1", "date 2021-11-07 is "));

        Assert.That(o.TrimEnd('\n'), Does.EndWith(Text(served.Body)));
    }

    [Test]
    public async Task BadRequests_NameTheField()
    {
        var (status, body) = await Complete(Request("a0", new string('x', 300)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body.GetProperty("error").GetProperty("param").GetString(), Is.EqualTo("prompt"));
        (status, body) = await Complete(Request("nope", "x"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(body.GetProperty("error").GetProperty("message").GetString(), Does.Contain("model 'nope' does not exist"));
        (status, body) = await Complete("""{"model":"a0","prompt":[1,100000]}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(body.GetProperty("error").GetProperty("message").GetString(), Does.Contain("outside the vocabulary"));
    }

    [Test]
    public void TheBenchLoadGenerator_ReportsThroughputLatencyAndResidentBytes()
    {
        using var folder = new TempFolder();
        string json = Path.Combine(folder.Path, "load.json");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = PRoLoRA.Bench.BenchCommand.Run(["serve", "--url", _client.BaseAddress!.ToString(), "--requests", "24", "--concurrency", "8", "--max-tokens", "5", "--json", json], output, error);
        Assert.That(code, Is.Zero, error.ToString());
        Assert.That(output.ToString(), Does.Contain("24/24 completions").And.Contain("over 16 model id(s)").And.Contain("p99"));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var result = doc.RootElement.GetProperty("results").EnumerateArray().Single();
        Assert.That(result.GetProperty("group").GetString(), Is.EqualTo("serve-load"));
        Assert.That(result.GetProperty("tokens_per_second").GetDouble(), Is.Positive);
        long perAdapter = Sixteen.Sum(a => a.CompactBytes(_model.Config)) / Sixteen.Length;
        Assert.That(doc.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()), Has.Some.EqualTo($"serve-load resident bytes per adapter: {perAdapter}"));
        string metrics = _client.GetStringAsync("/metrics").GetAwaiter().GetResult();
        Assert.That(metrics, Does.Contain($"prolora_adapter_device_bytes {perAdapter * Sixteen.Length}\n").And.Contain("prolora_adapter_swap_ins_total 0\n"), "every adapter on the device, none swapped");
    }

    [TestCase("f32")]
    [TestCase("nf4")]
    public void TheVerb_StartsAnswersAndStopsOnCtrlC(string baseDType)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "prolora.dll"), "serve", "--port", "0", "--base-dtype", baseDType })
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            var line = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
            Assert.That(line, Does.StartWith("serving llama-base").And.Contain($"linears {baseDType}"));
            var url = line!.Split(" on ")[1].Split(' ')[0];
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            Assert.That(client.GetStringAsync("/health").GetAwaiter().GetResult(), Is.EqualTo("ok"));
            using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
            Assert.That(process.WaitForExit(TimeSpan.FromMinutes(1)), Is.True, "the server stops on Ctrl-C");
            Assert.That(process.ExitCode, Is.Zero, errors.GetAwaiter().GetResult());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [TestCase(new[] { "--adapter", "noequals" }, "--adapter must be NAME=DIR")]
    [TestCase(new[] { "--adapter", "a=/no/such/folder" }, "/no/such/folder")]
    [TestCase(new[] { "--adapter", "a=x", "--adapter", "a=y" }, "--adapter names 'a' twice")]
    [TestCase(new[] { "--port", "70000" }, "--port must be in [0, 65535]")]
    [TestCase(new[] { "--host", "localhost-ish" }, "--host must be an IP address")]
    [TestCase(new[] { "--max-batch", "0" }, "--max-batch must be >= 1")]
    [TestCase(new[] { "--max-loras", "0" }, "--max-loras must be >= 1")]
    [TestCase(new[] { "--max-cpu-loras", "-1" }, "--max-cpu-loras must be >= 0")]
    [TestCase(new[] { "--max-cpu-loras", "0", "--adapter", "a=x" }, "1 adapters given, more than --max-cpu-loras = 0")]
    [TestCase(new[] { "--model", "/no/model" }, "/no/model")]
    [TestCase(new[] { "--base-dtype", "q8" }, "--base-dtype must be one of f32, bf16, nf4, got 'q8'")]
    public void BadArguments_ExitTwo(string[] args, string message)
    {
        var (code, _, e) = LlamaCli.Run(["serve", .. args.Contains("--port") ? args : [.. args, "--port", "0"]]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain(message));
    }
}
