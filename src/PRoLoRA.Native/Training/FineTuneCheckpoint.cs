using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.IO.Output;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Optim;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Training;

/// <summary>
/// A fine-tuning run's checkpoint: a folder <c>checkpoint-STEP</c> holding the adapters as an
/// ordinary adapter folder (adapter_config.json, adapter_model.safetensors: it loads as an adapter
/// as it is), the optimizer's state (optimizer.safetensors) and trainer_state.json (the step, the
/// dropout counter, the options and a hash of the training data, the loss history). The four files
/// are written as one atomic folder and carry one save id, so a kill leaves a whole checkpoint or
/// none. Resuming refuses a checkpoint of other options, data or adapters, naming what differs.
/// </summary>
internal static class FineTuneCheckpoint
{
    private const string StateFile = "trainer_state.json";
    private const string OptimizerFile = "optimizer.safetensors";
    private const string Format = "prolora-finetune-checkpoint";
    private const string Prefix = "checkpoint-";

    /// <summary>What a checkpoint restores besides the tensors.</summary>
    public sealed record Restored(int Step, ulong DropoutStep, List<LossPoint> History);

    /// <summary>The folder of the checkpoint after <paramref name="step"/> in <paramref name="runFolder"/>.</summary>
    public static string PathOf(string runFolder, int step) => Path.Combine(runFolder, Prefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>Saves the run's state after <paramref name="step"/> as <paramref name="folder"/>.</summary>
    public static void Save(string folder, LlamaModel model, AdamW optimizer, FineTuneOptions options, string dataHash, int step, IReadOnlyList<LossPoint> history)
    {
        var saveId = Guid.NewGuid().ToString("N");
        var files = ProLoraAdapterFolder.Files(folder, model.Adapters, null, saveId);
        var optimizerFile = OptimizerWriter(optimizer.SaveState(), saveId);
        var state = new JsonObject
        {
            ["format"] = Format,
            ["step"] = step,
            ["dropout_step"] = model.DropoutStep,
            ["data_hash"] = dataHash,
            ["options"] = JsonSerializer.SerializeToNode(options),
            ["history"] = new JsonArray([.. history.Select(p => (JsonNode?)new JsonObject
            {
                ["step"] = p.Step,
                ["train_loss"] = Number(p.TrainLoss),
                ["validation_loss"] = Number(p.ValidationLoss),
            })]),
            ["save_id"] = saveId,
        };
        var stateBytes = JsonSerializer.SerializeToUtf8Bytes(state, JsonOptions.Indented);
        files.Add((OptimizerFile, s => optimizerFile.WriteTo(s, Path.Combine(folder, OptimizerFile))));
        files.Add((StateFile, s => s.Write(stateBytes)));
        AtomicFolder.Write(folder, files);
    }

    /// <summary>
    /// <paramref name="path"/> itself when it is a checkpoint, else its checkpoint with the highest
    /// step; an <see cref="IOException"/> when it has none.
    /// </summary>
    public static string Find(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (FileStatus.Of(path).Kind != FileKind.Directory)
        {
            throw new DirectoryNotFoundException($"{path}: no such folder to resume from (a run's output folder or one of its checkpoint-STEP folders)");
        }
        if (File.Exists(Path.Combine(path, StateFile)))
        {
            return path;
        }
        var latest = Directory.EnumerateDirectories(path, Prefix + "*")
            .Select(d => (Folder: d, Step: int.TryParse(Path.GetFileName(d).AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : -1))
            .Where(c => c.Step >= 0 && File.Exists(Path.Combine(c.Folder, StateFile)))
            .OrderByDescending(c => c.Step)
            .FirstOrDefault();
        return latest.Folder ?? throw new IOException($"{path}: holds no checkpoint (no {Prefix}STEP folder with a {StateFile}): nothing to resume from");
    }

    /// <summary>
    /// Puts the checkpoint <paramref name="folder"/> into <paramref name="model"/>'s adapters and
    /// <paramref name="optimizer"/>, after checking that it was made with the same options, data and
    /// adapters; returns the step, dropout counter and history to go on from.
    /// </summary>
    public static Restored Load(string folder, LlamaModel model, AdamW optimizer, FineTuneOptions options, string dataHash)
    {
        var state = JsonInput.Load(Path.Combine(folder, StateFile)).Object();
        if (state.Optional("format")?.String() != Format)
        {
            throw state.Error($"is not a fine-tuning checkpoint (format \"{Format}\" expected)");
        }
        var saveId = state["save_id"].String();
        int step = state["step"].Int32(0, options.Steps);
        CheckOptions(state["options"].Object(), options);
        if (state["data_hash"].String() != dataHash)
        {
            throw state["data_hash"].Error("differs: the checkpoint was trained on other examples (another data file, tokenizer or sequence length)");
        }
        if (ProLoraAdapterFolder.SaveIdOf(folder) != saveId)
        {
            throw new InvalidDataException($"{folder}: {StateFile} and adapter_config.json come from different saves: copy a whole checkpoint folder");
        }
        var saved = ProLoraAdapterFolder.Load(folder, model.Backend);
        try
        {
            CopyAdapters(folder, saved, model.Adapters);
        }
        finally
        {
            foreach (var a in saved.Values)
            {
                a.Dispose();
            }
        }
        var optimizerPath = Path.Combine(folder, OptimizerFile);
        try
        {
            optimizer.LoadState(ReadOptimizer(optimizerPath, saveId, optimizer, step));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{optimizerPath}: {e.Message}", e);
        }
        var history = state["history"].Items().Select(p => new LossPoint(p["step"].Int32(0, step), Number(p.Optional("train_loss")), Number(p.Optional("validation_loss")))).ToList();
        return new Restored(step, (ulong)state["dropout_step"].Int64(0), history);
    }

    private static void CheckOptions(JsonField saved, FineTuneOptions options)
    {
        var current = JsonSerializer.SerializeToNode(options)!.AsObject();
        foreach (var (name, value) in current)
        {
            var had = saved.Optional(name);
            var hadNode = had is null ? null : JsonNode.Parse(had.Value.Element.GetRawText());
            if (!JsonNode.DeepEquals(hadNode, value))
            {
                string what = name == nameof(FineTuneOptions.BatchSize) ? " (the global batch: batch size × ranks)" : "";
                throw new ArgumentException(
                    $"{saved.Source}: the checkpoint was made with {name}{what} = {hadNode?.ToJsonString() ?? "(none)"}, this run asks for {value?.ToJsonString() ?? "null"}: " +
                    "resume with the options of the interrupted run");
            }
        }
    }

    private static void CopyAdapters(string folder, IReadOnlyDictionary<string, ProLoraAdapter> saved, IReadOnlyDictionary<string, ProLoraAdapter> live)
    {
        foreach (var (module, adapter) in live)
        {
            if (!saved.TryGetValue(module, out var from))
            {
                throw new InvalidDataException($"{folder}: has no adapter for '{module}', which this run trains");
            }
            if (from.Config != adapter.Config)
            {
                throw new InvalidDataException($"{folder}: the adapter of '{module}' is configured otherwise than this run's ({from.Config} against {adapter.Config})");
            }
        }
        var extra = saved.Keys.FirstOrDefault(k => !live.ContainsKey(k));
        if (extra is not null)
        {
            throw new InvalidDataException($"{folder}: has an adapter for '{Printable.Text(extra)}', which this run does not train");
        }
        foreach (var (module, adapter) in live)
        {
            var from = saved[module];
            for (int i = 0; i < adapter.Parameters.Count; i++)
            {
                adapter.Backend.Copy(from.Parameters[i].Value, adapter.Parameters[i].Value);
            }
        }
    }

    private static SafetensorsWriter OptimizerWriter(AdamWState state, string saveId)
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["step_count"] = state.StepCount.ToString(CultureInfo.InvariantCulture);
        writer.Metadata["parameter_steps"] = string.Join(",", state.Parameters.Select(p => p.Step.ToString(CultureInfo.InvariantCulture)));
        writer.Metadata["save_id"] = saveId;
        for (int i = 0; i < state.Parameters.Count; i++)
        {
            var p = state.Parameters[i];
            writer.Add($"exp_avg.{i}", p.M, new Shape(p.M.Length));
            writer.Add($"exp_avg_sq.{i}", p.V, new Shape(p.V.Length));
        }
        return writer;
    }

    private static AdamWState ReadOptimizer(string path, string saveId, AdamW optimizer, int step)
    {
        using var file = SafetensorsFile.Open(path);
        string Meta(string key) => file.Metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{path}: metadata '{key}' is missing");
        if (Meta("save_id") != saveId)
        {
            throw new InvalidDataException($"{path}: comes from another save than {StateFile}: copy a whole checkpoint folder");
        }
        if (!int.TryParse(Meta("step_count"), NumberStyles.None, CultureInfo.InvariantCulture, out int stepCount) || stepCount != step)
        {
            throw new InvalidDataException($"{path}: step_count '{Printable.Text(Meta("step_count"))}' is not the checkpoint's step {step}");
        }
        var steps = Meta("parameter_steps").Split(',');
        int count = optimizer.Parameters.Count();
        if (steps.Length != count || file.Tensors.Count != 2 * count)
        {
            throw new InvalidDataException($"{path}: holds the state of {steps.Length} parameters, this run's optimizer has {count}");
        }
        var moments = new List<AdamWMoments>();
        for (int i = 0; i < count; i++)
        {
            if (!int.TryParse(steps[i], NumberStyles.None, CultureInfo.InvariantCulture, out int own))
            {
                throw new InvalidDataException($"{path}: parameter_steps entry {i} '{Printable.Text(steps[i])}' is not a step count");
            }
            moments.Add(new AdamWMoments(Read(file, $"exp_avg.{i}"), Read(file, $"exp_avg_sq.{i}"), own));
        }
        return new AdamWState(stepCount, moments);
    }

    private static float[] Read(SafetensorsFile file, string name)
    {
        if (!file.Contains(name))
        {
            throw new InvalidDataException($"{file.Path}: tensor '{name}' is missing");
        }
        return file.ReadFloat32(name);
    }

    private static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static double Number(JsonField? f) => f is not { } v || v.Kind == JsonValueKind.Null ? double.NaN : v.Double();
}
