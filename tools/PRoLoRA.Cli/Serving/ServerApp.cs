using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Cli.Serving;

/// <summary>
/// The HTTP side of `prolora serve` (Kestrel): OpenAI's and vLLM's endpoints over an
/// <see cref="ICompletionService"/>. Every refusal is OpenAI's error object with its status; an
/// unexpected failure is a 500 with its message, never the end of the server.
/// </summary>
public static class ServerApp
{
    /// <summary>The largest request body read.</summary>
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>A server for <paramref name="service"/> on <paramref name="host"/>:<paramref name="port"/> (0: a free port), not started.</summary>
    public static WebApplication Build(ICompletionService service, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(service);
        var address = Listen(host, port);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(address, port);
            o.Limits.MaxRequestBodySize = MaxBodyBytes;
            o.AddServerHeader = false;
        });
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (ApiException e)
            {
                await Error(context, e);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; its sequence is freed by the cancellation.
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                await Error(context, ApiException.BadRequest(Cli.Message(e)));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                await Error(context, new ApiException(500, $"internal error: {e.Message}", "internal_server_error"));
            }
        });

        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/v1/models", () => Json(Models(service)));
        app.MapGet("/metrics", () => Results.Text(MetricsText(service), "text/plain; version=0.0.4"));
        app.MapPost("/v1/completions", context => Completions(context, service));
        app.MapPost("/v1/chat/completions", _ => throw ApiException.BadRequest(
            $"model '{service.BaseModelId}' has no chat template this server can render: use /v1/completions with a prompt", "messages"));
        app.MapPost("/v1/load_lora_adapter", async context =>
        {
            var body = await Body(context);
            string name = ReadString(body, "lora_name"), path = ReadString(body, "lora_path");
            service.LoadAdapter(name, path);
            await Text(context, $"Success: LoRA adapter '{name}' added successfully.");
        });
        app.MapPost("/v1/unload_lora_adapter", async context =>
        {
            string name = ReadString(await Body(context), "lora_name");
            service.UnloadAdapter(name);
            await Text(context, $"Success: LoRA adapter '{name}' removed successfully.");
        });
        app.MapFallback(context => throw new ApiException(404, $"no route {context.Request.Method} {context.Request.Path}", "not_found_error"));
        return app;
    }

    /// <summary>Checks --host and --port; returns the address to listen on.</summary>
    public static IPAddress Listen(string host, int port)
    {
        if (!IPAddress.TryParse(host, out var address))
        {
            throw new ArgumentException($"--host must be an IP address, got '{host}'");
        }
        return port is >= 0 and <= 65535 ? address : throw new ArgumentException($"--port must be in [0, 65535], got {port}");
    }

    /// <summary>The address a started <paramref name="app"/> listens on (the real port when 0 was asked for).</summary>
    public static Uri Address(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }

    private static async Task Completions(HttpContext context, ICompletionService service)
    {
        var request = CompletionRequest.Parse(await Body(context));
        string id = $"cmpl-{Guid.NewGuid():N}";
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var cancel = context.RequestAborted;
        await using var events = service.Complete(request, cancel).GetAsyncEnumerator(cancel);
        // The first event comes before any header is sent, so a refusal is still a proper error status.
        if (!await events.MoveNextAsync())
        {
            throw new ApiException(500, "the engine ended the completion without an event", "internal_server_error");
        }
        if (!request.Stream)
        {
            var all = new List<CompletionEvent> { events.Current };
            while (await events.MoveNextAsync())
            {
                all.Add(events.Current);
            }
            await Bytes(context, 200, "application/json", CompletionJson.Response(id, created, request.Model, all));
            return;
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        do
        {
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("data: "), cancel);
            await context.Response.Body.WriteAsync(CompletionJson.Chunk(id, created, request.Model, events.Current), cancel);
            await context.Response.Body.WriteAsync("\n\n"u8.ToArray(), cancel);
            await context.Response.Body.FlushAsync(cancel);
        }
        while (await events.MoveNextAsync());
        await context.Response.Body.WriteAsync("data: [DONE]\n\n"u8.ToArray(), cancel);
    }

    private static byte[] Models(ICompletionService service) => CompletionJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var (id, parent) in service.Adapters.Select(a => (a, (string?)service.BaseModelId)).Prepend((service.BaseModelId, null)))
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "model");
            w.WriteString("owned_by", "prolora");
            if (parent is null)
            {
                w.WriteNull("parent");
            }
            else
            {
                w.WriteString("parent", parent);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static string MetricsText(ICompletionService service)
    {
        var text = new StringBuilder();
        foreach (var (name, help, value) in service.Metrics())
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value.ToString(CultureInfo.InvariantCulture)}\n");
        }
        return text.ToString();
    }

    private static async Task<byte[]> Body(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    private static string ReadString(byte[] body, string field)
    {
        try
        {
            return JsonInput.Parse("request", body).Object()[field].String();
        }
        catch (InvalidDataException e)
        {
            throw ApiException.BadRequest(e.Message, field);
        }
    }

    private static IResult Json(byte[] body) => Results.Bytes(body, "application/json");

    private static Task Text(HttpContext context, string text) => Bytes(context, 200, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));

    private static async Task Bytes(HttpContext context, int status, string contentType, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static async Task Error(HttpContext context, ApiException e)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        await Bytes(context, e.Status, "application/json", e.Body());
    }
}
