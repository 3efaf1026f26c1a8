using System.CommandLine;
using PRoLoRA.Cli.Demo;
using PRoLoRA.Cli.FineTuning;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Distributed;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// `prolora train`: with --model and --data, fine-tunes one adapter on a Hugging Face LLaMA checkpoint
/// (<see cref="FineTuneJob"/>); with neither, runs the main job (<see cref="MainJob"/>): the shipped
/// tiny LLaMA fine-tuned on three generated tasks, PRoLoRA against LoRA at the same budget.
/// </summary>
public static class TrainCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var args = new TrainArguments();
        var baseDType = new BaseDTypeArguments();
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var output = PathArguments.Option("--out", "the run folder (adapters, checkpoints, results)", required: false);
        output.DefaultValueFactory = _ => "prolora-train";
        var seed = new Option<int>("--seed") { Description = "seed of the adapters' initialisation and the example order", DefaultValueFactory = _ => 0 };
        var cmd = new Command("train", "fine-tune PRoLoRA or LoRA adapters on a LLaMA checkpoint; without --model, the main job: PRoLoRA against LoRA on three tasks with the shipped tiny LLaMA")
        {
            device, output, seed,
        };
        foreach (var option in args.All)
        {
            cmd.Options.Add(option);
        }
        baseDType.AddTo(cmd);
        cmd.SetAction((p, cancel) =>
        {
            var model = p.GetValue(args.Model);
            var data = p.GetValue(args.Data);
            var launch = LaunchEnvironment.Current();
            if (model is null)
            {
                if (launch.IsDistributed)
                {
                    throw new ArgumentException($"the main job runs in one process, this is rank {launch.Rank} of {launch.WorldSize}: pass --model and --data to train data-parallel");
                }
                var notForMainJob = args.Given(p).FirstOrDefault(o => o != args.Steps);
                if (notForMainJob is not null)
                {
                    throw new ArgumentException($"{notForMainJob.Name} needs --model and --data (without --model, train runs the main job, which takes only --steps, --out, --device, --seed, --base-dtype and --double-quant)");
                }
                int? steps = p.GetResult(args.Steps) is { Implicit: false } ? p.GetValue(args.Steps) : null;
                if (steps is <= 0)
                {
                    throw new ArgumentException($"--steps must be > 0, got {steps}");
                }
                var mainBase = baseDType.Of(p);
                using var mainBackend = Devices.Open(p.GetValue(device)!);
                MainJob.Run(mainBackend, p.GetValue(output)!, steps, p.GetValue(seed), p.InvocationConfiguration.Output, cancel, mainBase);
                return Task.FromResult(0);
            }
            if (data is null)
            {
                throw new ArgumentException("--model needs --data, the training records (JSON Lines)");
            }
            var settings = new FineTuneJob.Settings(
                model, data, p.GetValue(args.Validation), p.GetValue(output)!, args.TargetsOf(p), args.MethodOf(p), args.OptionsOf(p, p.GetValue(seed)), p.GetValue(args.Resume), p.GetValue(seed), baseDType.Of(p));
            return Task.FromResult(RunRanked(launch, settings, p.GetValue(device)!, p.InvocationConfiguration.Output, cancel));
        });
        return cmd;
    }

    /// <summary>
    /// This process's part of the job: alone, or one rank of an mpirun or torchrun-style launch (a
    /// GPU rank on device LOCAL_RANK when --device is plain cuda). A rank that fails ends every rank
    /// with its message rather than leaving them waiting.
    /// </summary>
    private static int RunRanked(LaunchEnvironment launch, FineTuneJob.Settings settings, string device, TextWriter output, CancellationToken cancel)
    {
        bool gpu = device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase);
        if (launch.IsDistributed && device.Equals("cuda", StringComparison.OrdinalIgnoreCase))
        {
            device = $"cuda:{launch.LocalRank}";
        }
        using var collective = Collectives.Open(launch, gpu);
        try
        {
            using var backend = Devices.Open(device);
            FineTuneJob.Run(backend, settings, output, cancel, collective);
            collective.Barrier();
        }
        catch (Exception e) when (collective.WorldSize > 1)
        {
            collective.Abort(Cli.Message(e), Cli.BadInput);
        }
        return 0;
    }
}
