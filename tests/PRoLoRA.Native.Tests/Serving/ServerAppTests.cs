using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using PRoLoRA.Cli.Serving;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>
/// The HTTP side of `prolora serve` with a real HttpClient against Kestrel on 127.0.0.1 and a free
/// port, over a scripted engine: every endpoint, streaming, OpenAI's error objects and statuses, a
/// client that goes away mid-stream, and an engine failure that the server survives.
/// </summary>
[NonParallelizable]
public class ServerAppTests
{
    private FakeCompletionService _service = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task Start()
    {
        _service = new FakeCompletionService();
        _app = ServerApp.Build(_service, "127.0.0.1", 0);
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = ServerApp.Address(_app), Timeout = TimeSpan.FromSeconds(30) };
    }

    [TearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Task<HttpResponseMessage> Post(string path, string json)
        => _client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonElement> Json(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string? param, string message)
    {
        Assert.That(response.StatusCode, Is.EqualTo(status));
        var error = (await Json(response)).GetProperty("error");
        Assert.That(error.GetProperty("message").GetString(), Does.Contain(message));
        Assert.That(error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString(), Is.EqualTo(param));
        Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo((int)status));
    }

    [Test]
    public async Task Health_AndModels()
    {
        Assert.That(await _client.GetStringAsync("/health"), Is.EqualTo("ok"));
        var models = (await Json(await _client.GetAsync("/v1/models"))).GetProperty("data").EnumerateArray().ToList();
        Assert.That(models.Select(m => m.GetProperty("id").GetString()), Is.EqualTo(new[] { "llama-base", "add", "date" }));
        Assert.That(models[1].GetProperty("parent").GetString(), Is.EqualTo("llama-base"));
    }

    [Test]
    public async Task Completion_IsOneOpenAiObjectWithUsage()
    {
        var response = await Post("/v1/completions", """{"model":"add","prompt":"13+8=","max_tokens":3}""");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await Json(response);
        Assert.That(body.GetProperty("object").GetString(), Is.EqualTo("text_completion"));
        Assert.That(body.GetProperty("model").GetString(), Is.EqualTo("add"));
        var choice = body.GetProperty("choices")[0];
        Assert.That((choice.GetProperty("text").GetString(), choice.GetProperty("finish_reason").GetString()), Is.EqualTo(("hel", "length")));
        Assert.That(choice.GetProperty("logprobs").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var usage = body.GetProperty("usage");
        Assert.That((usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32()), Is.EqualTo((3, 3, 6)));
    }

    [Test]
    public async Task Logprobs_TakeOpenAisCompletionsForm()
    {
        var body = await Json(await Post("/v1/completions", """{"model":"llama-base","prompt":"x","logprobs":2}"""));
        var logprobs = body.GetProperty("choices")[0].GetProperty("logprobs");
        Assert.That(logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()), Is.EqualTo(new[] { "h", "e", "l", "l", "o" }));
        Assert.That(logprobs.GetProperty("token_logprobs").GetArrayLength(), Is.EqualTo(5));
        Assert.That(logprobs.GetProperty("top_logprobs")[0].EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "t0", "t1" }));
        Assert.That(logprobs.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32()), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
    }

    [Test]
    public async Task AStream_IsServerSentEventsEndingInDone()
    {
        var response = await Post("/v1/completions", """{"model":"date","prompt":"x","stream":true}""");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/event-stream"));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.All.StartWith("data: "));
        Assert.That(lines[^1], Is.EqualTo("data: [DONE]"));
        var chunks = lines[..^1].Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).ToList();
        Assert.That(string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString())), Is.EqualTo("hello"));
        Assert.That(chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString(), Is.EqualTo("stop"));
        Assert.That(chunks[0].GetProperty("choices")[0].GetProperty("finish_reason").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32(), Is.EqualTo(5));
    }

    [Test]
    public async Task BadRequests_Are400sNamingTheField()
    {
        await AssertError(await Post("/v1/completions", "{not json"), HttpStatusCode.BadRequest, null, "not valid JSON");
        await AssertError(await Post("/v1/completions", """{"model":"add","prompt":"x","max_tokens":-3}"""), HttpStatusCode.BadRequest, "max_tokens", "must be a whole number >= 1");
        await AssertError(await Post("/v1/completions", """{"model":"add","prompt":"x","temperature":"hot"}"""), HttpStatusCode.BadRequest, "temperature", "must be a finite number");
        await AssertError(await Post("/v1/chat/completions", """{"model":"add","messages":[]}"""), HttpStatusCode.BadRequest, "messages", "no chat template");
        await AssertError(await Post("/v1/load_lora_adapter", """{"lora_name":"x"}"""), HttpStatusCode.BadRequest, "lora_path", "field 'lora_path' is missing");
        await AssertError(await Post("/v1/completions", "{\"model\":\"add\",\"prompt\":\"" + new string('x', ServerApp.MaxBodyBytes) + "\"}"), HttpStatusCode.BadRequest, null, "");
    }

    [Test]
    public async Task UnknownModelsRoutesAndFullQueues_HaveTheirStatuses()
    {
        await AssertError(await Post("/v1/completions", """{"model":"nope","prompt":"x"}"""), HttpStatusCode.NotFound, "model", "model 'nope' does not exist");
        await AssertError(await Post("/v1/completions", """{"model":"add","prompt":"full"}"""), HttpStatusCode.TooManyRequests, null, "queue is full");
        await AssertError(await Post("/v1/completions", """{"model":"add","prompt":"full","stream":true}"""), HttpStatusCode.TooManyRequests, null, "queue is full");
        await AssertError(await _client.GetAsync("/v2/anything"), HttpStatusCode.NotFound, null, "no route GET /v2/anything");
    }

    [Test]
    public async Task AnEngineFailure_IsA500_AndTheServerGoesOn()
    {
        await AssertError(await Post("/v1/completions", """{"model":"add","prompt":"crash"}"""), HttpStatusCode.InternalServerError, null, "the engine broke");
        Assert.That((await Post("/v1/completions", """{"model":"add","prompt":"x"}""")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task LoadAndUnload_ChangeTheModels()
    {
        var folder = Directory.CreateTempSubdirectory("prolora-serve-").FullName;
        try
        {
            var loaded = await Post("/v1/load_lora_adapter", $$"""{"lora_name":"new","lora_path":{{JsonSerializer.Serialize(folder)}}}""");
            Assert.That(loaded.StatusCode, Is.EqualTo(HttpStatusCode.OK), await loaded.Content.ReadAsStringAsync());
            Assert.That(await _client.GetStringAsync("/v1/models"), Does.Contain("\"new\""));
            Assert.That((await Post("/v1/unload_lora_adapter", """{"lora_name":"new"}""")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            await AssertError(await Post("/v1/unload_lora_adapter", """{"lora_name":"new"}"""), HttpStatusCode.NotFound, "lora_name", "not loaded");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task Metrics_ArePrometheusText()
    {
        var text = await _client.GetStringAsync("/metrics");
        Assert.That(text, Does.Contain("# TYPE prolora_requests_total gauge\nprolora_requests_total 3\n"));
    }

    [Test]
    public async Task AClientThatGoesAwayMidStream_CancelsItsCompletion()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent("""{"model":"add","prompt":"slow","stream":true}""", Encoding.UTF8, "application/json") };
        var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var first = new byte[6];
        await stream.ReadExactlyAsync(first);
        Assert.That(Encoding.UTF8.GetString(first), Is.EqualTo("data: "));
        response.Dispose();

        Assert.That(await Task.WhenAny(_service.Cancelled.Task, Task.Delay(TimeSpan.FromSeconds(20))), Is.SameAs(_service.Cancelled.Task), "the engine saw the cancellation");
        Assert.That((await Post("/v1/completions", """{"model":"add","prompt":"x"}""")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
