using System.CommandLine;
using System.Runtime.InteropServices;
using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Cli.Serving;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Serving;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Text;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// `prolora serve [--model DIR] --adapter NAME=DIR ... [--host H] [--port P] [--device D] [--max-batch N] [--max-loras K]`:
/// an OpenAI-compatible server (<see cref="ServerApp"/>) over the generation engine; Ctrl-C drains
/// running requests and exits 0.
/// </summary>
public static class ServeCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Hugging Face LLaMA folder (default: the model that ships with the tool)" };
        var adapters = new Option<string[]>("--adapter") { Description = "NAME=DIR: an adapter folder served as model NAME (repeatable)", AllowMultipleArgumentsPerToken = false };
        var host = new Option<string>("--host") { Description = "IP address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0: a free one)", DefaultValueFactory = _ => 8000 };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var maxBatch = new Option<int>("--max-batch") { Description = "sequences decoded together", DefaultValueFactory = _ => 16 };
        var maxLoras = new Option<int>("--max-loras")
        {
            Description = "the most distinct adapters decoding at once; with --device cuda also the most kept on the GPU (the rest wait in host memory and are swapped in on demand)",
            DefaultValueFactory = _ => 16,
        };
        var maxCpuLoras = new Option<int>("--max-cpu-loras") { Description = "the most adapters loaded at once", DefaultValueFactory = _ => 64 };
        var maxQueue = new Option<int>("--max-queue") { Description = "requests waiting before a 429", DefaultValueFactory = _ => 256 };
        var baseDType = new BaseDTypeArguments();
        var cmd = new Command("serve", "serve the base and PRoLoRA/LoRA adapters over an OpenAI-compatible HTTP API (continuous batching)")
        {
            model, adapters, host, port, device, maxBatch, maxLoras, maxCpuLoras, maxQueue,
        };
        baseDType.AddTo(cmd);
        cmd.SetAction(async (p, cancel) =>
        {
            var named = (p.GetValue(adapters) ?? []).Select(Named).ToList();
            int batch = p.GetValue(maxBatch), loras = p.GetValue(maxLoras), loaded = p.GetValue(maxCpuLoras), queue = p.GetValue(maxQueue);
            ServerApp.Listen(p.GetValue(host)!, p.GetValue(port));
            var linears = baseDType.Of(p);
            Require(batch >= 1, $"--max-batch must be >= 1, got {batch}");
            Require(loras >= 1, $"--max-loras must be >= 1, got {loras}");
            Require(loaded >= 0, $"--max-cpu-loras must be >= 0, got {loaded}");
            Require(queue >= 1, $"--max-queue must be >= 1, got {queue}");
            Require(named.Count <= loaded, $"{named.Count} adapters given, more than --max-cpu-loras = {loaded}");
            var duplicate = named.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1);
            Require(duplicate is null, $"--adapter names '{duplicate?.Key}' twice");
            string folder = p.GetValue(model) ?? BaseModelShape.ShippedFolder;
            string baseId = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
            Require(named.All(n => n.Name != baseId), $"--adapter may not be named '{baseId}', the base model's id");

            using var backend = Devices.Open(p.GetValue(device)!);
            var tokenizer = Tokenizers.Load(folder);
            using var llama = LlamaModel.Load(folder, backend, linears);
            // On a GPU the bank keeps --max-loras adapters on the device and the rest in host memory (as S-LoRA).
            using var bank = new AdapterBank(llama, deviceCapacity: backend.Kind == DeviceKind.Cpu ? null : loras);
            foreach (var (name, dir) in named)
            {
                bank.Load(name, dir);
            }
            using var engine = new GenerationEngine(bank, new EngineOptions(tokenizer.EosIds, tokenizer, batch, queue, MaxAdaptersPerBatch: loras));
            var service = new EngineCompletionService(engine, tokenizer, baseId, loaded);
            await using var app = ServerApp.Build(service, p.GetValue(host)!, p.GetValue(port));
            await app.StartAsync(CancellationToken.None);
            var o = p.InvocationConfiguration.Output;
            o.WriteLine($"serving {baseId} and {named.Count} adapters ({string.Join(", ", named.Select(n => n.Name))}) on {ServerApp.Address(app)} ({backend.Name}, linears {linears}); Ctrl-C stops");
            o.Flush();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            // Drains: Kestrel lets running requests finish before it stops.
            await app.StopAsync(CancellationToken.None);
            o.WriteLine("stopped");
            return 0;
        });
        return cmd;
    }

    private static (string Name, string Dir) Named(string spec)
    {
        int eq = spec.IndexOf('=', StringComparison.Ordinal);
        Require(eq > 0 && eq < spec.Length - 1, $"--adapter must be NAME=DIR, got '{spec}'");
        return (spec[..eq], spec[(eq + 1)..]);
    }

    private static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }
}
