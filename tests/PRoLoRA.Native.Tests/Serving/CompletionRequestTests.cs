using System.Text;
using System.Text.Json;
using PRoLoRA.Cli.Serving;

namespace PRoLoRA.Native.Tests.Serving;

/// <summary>The /v1/completions body: OpenAI's fields and defaults, and a 400 naming the field for every bad value.</summary>
public class CompletionRequestTests
{
    private static CompletionRequest Parse(string json) => CompletionRequest.Parse(Encoding.UTF8.GetBytes(json));

    [Test]
    public void EveryField_IsRead()
    {
        var r = Parse("""{"model":"add","prompt":"13+8=","max_tokens":5,"temperature":0,"top_p":0.9,"seed":7,"stop":["\n","."],"logprobs":2,"stream":true,"n":1}""");
        Assert.That(r, Is.EqualTo(r with { Model = "add", PromptText = "13+8=", PromptIds = null, MaxTokens = 5, Temperature = 0f, TopP = 0.9f, Seed = 7, Logprobs = 2, Stream = true }));
        Assert.That(r.Stop, Is.EqualTo(new[] { "\n", "." }));
    }

    [Test]
    public void Defaults_AreOpenAis()
    {
        var r = Parse("""{"model":"m","prompt":"x"}""");
        Assert.That((r.MaxTokens, r.Temperature, r.TopP, r.Seed, r.Logprobs, r.Stream, r.Stop.Count), Is.EqualTo((16, 1f, 1f, (int?)null, (int?)null, false, 0)));
    }

    [Test]
    public void APromptOfTokenIds_OrAListOfOneString_IsRead()
    {
        Assert.That(Parse("""{"model":"m","prompt":[1,5,9]}""").PromptIds, Is.EqualTo(new[] { 1, 5, 9 }));
        Assert.That(Parse("""{"model":"m","prompt":["hi"]}""").PromptText, Is.EqualTo("hi"));
        Assert.That(Parse("""{"model":"m","prompt":"x","stop":"."}""").Stop, Is.EqualTo(new[] { "." }));
    }

    [TestCase("not json", null, "not valid JSON")]
    [TestCase("[1,2]", null, "must be a JSON object")]
    [TestCase("""{"prompt":"x"}""", "model", "field 'model' is missing")]
    [TestCase("""{"model":3,"prompt":"x"}""", "model", "must be a string")]
    [TestCase("""{"model":"m"}""", "prompt", "field 'prompt' is missing")]
    [TestCase("""{"model":"m","prompt":[]}""", "prompt", "must not be empty")]
    [TestCase("""{"model":"m","prompt":[1,-2]}""", "prompt", "prompt[1]: must be a whole number >= 0")]
    [TestCase("""{"model":"m","prompt":{"a":1}}""", "prompt", "must be a JSON array")]
    [TestCase("""{"model":"m","prompt":"x","max_tokens":-1}""", "max_tokens", "max_tokens: must be a whole number >= 1, got -1")]
    [TestCase("""{"model":"m","prompt":"x","max_tokens":"5"}""", "max_tokens", "must be a whole number")]
    [TestCase("""{"model":"m","prompt":"x","temperature":3}""", "temperature", "must be in [0, 2], got 3")]
    [TestCase("""{"model":"m","prompt":"x","temperature":-0.5}""", "temperature", "must be in [0, 2]")]
    [TestCase("""{"model":"m","prompt":"x","top_p":0}""", "top_p", "must be in (0, 1], got 0")]
    [TestCase("""{"model":"m","prompt":"x","top_p":1.5}""", "top_p", "must be in (0, 1]")]
    [TestCase("""{"model":"m","prompt":"x","seed":1.5}""", "seed", "must be a whole number")]
    [TestCase("""{"model":"m","prompt":"x","stop":["a","b","c","d","e"]}""", "stop", "at most 4 strings, got 5")]
    [TestCase("""{"model":"m","prompt":"x","stop":[""]}""", "stop", "must not hold an empty string")]
    [TestCase("""{"model":"m","prompt":"x","stop":[1]}""", "stop", "must be a string")]
    [TestCase("""{"model":"m","prompt":"x","logprobs":6}""", "logprobs", "must be a whole number in [0, 5], got 6")]
    [TestCase("""{"model":"m","prompt":"x","stream":"yes"}""", "stream", "must be true or false")]
    [TestCase("""{"model":"m","prompt":"x","n":2}""", "n", "n must be 1")]
    [TestCase("""{"model":"m","prompt":"x","best_of":3}""", "best_of", "best_of must be 1")]
    [TestCase("""{"model":"m","prompt":"x","echo":true}""", "echo", "echo is not supported")]
    [TestCase("""{"model":"m","model":"n","prompt":"x"}""", null, "duplicate")]
    public void BadBodies_Are400sNamingTheField(string json, string? param, string message)
    {
        var e = Assert.Throws<ApiException>(() => Parse(json))!;
        Assert.That(e.Status, Is.EqualTo(400));
        Assert.That(e.Param, Is.EqualTo(param));
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void TheErrorBody_IsOpenAis()
    {
        var e = Assert.Throws<ApiException>(() => Parse("""{"model":"m","prompt":"x","top_p":0}"""))!;
        using var body = JsonDocument.Parse(e.Body());
        var error = body.RootElement.GetProperty("error");
        Assert.That(error.GetProperty("type").GetString(), Is.EqualTo("invalid_request_error"));
        Assert.That(error.GetProperty("param").GetString(), Is.EqualTo("top_p"));
        Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(400));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("top_p"));
    }
}
