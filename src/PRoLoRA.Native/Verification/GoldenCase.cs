using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Verification;

/// <summary>A row-major array with its shape, as stored in a golden file.</summary>
/// <param name="Shape">Extents.</param>
/// <param name="Data">Row-major values.</param>
public sealed record GoldenArray(int[] Shape, double[] Data);

/// <summary>One case of a golden file: a layer config, its inputs and the official implementation's outputs.</summary>
/// <param name="Name">Case name.</param>
/// <param name="Config">The layer config the case was computed with.</param>
/// <param name="Inputs">x, chunk_a, vec_a, chunk_b, vec_b, dy.</param>
/// <param name="Expected">y, lora_a, lora_b, grad_x and the four parameter gradients.</param>
public sealed record GoldenCase(string Name, ProLoraConfig Config, IReadOnlyDictionary<string, GoldenArray> Inputs, IReadOnlyDictionary<string, GoldenArray> Expected)
{
    /// <summary>The input <paramref name="key"/> (x, chunk_a, ..., dy) as a float32 tensor on <paramref name="backend"/>.</summary>
    public Tensor Input(string key, IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var g = Inputs[key];
        return backend.FromArray(g.Data.Select(v => (float)v).ToArray(), new Shape(g.Shape));
    }

    /// <summary>The case's adapter: its config with its four trainable tensors, on <paramref name="backend"/>.</summary>
    public ProLoraAdapter CreateAdapter(IBackend backend)
        => new(Config, Input("chunk_a", backend), Input("vec_a", backend), Input("chunk_b", backend), Input("vec_b", backend));
}
