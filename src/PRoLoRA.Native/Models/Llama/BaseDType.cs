using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// How <see cref="LlamaModel.Load(string, Backends.IBackend, BaseDType)"/> keeps the seven linears of every
/// layer (q/k/v/o_proj, gate/up/down_proj), the frozen base the adapters train on: float32, bfloat16 or
/// NF4 (QLoRA's base), quantised while loading, one tensor at a time. Embeddings, norms and the head
/// stay float32. The default (<see cref="AsStored"/>) keeps NF4 linears of a pre-quantised checkpoint
/// NF4 and makes every other linear float32.
/// </summary>
/// <param name="Linears">The storage of the linears, or null for as stored.</param>
/// <param name="DoubleQuantize">With NF4: the absmax values 8-bit quantised (bitsandbytes' double quantisation).</param>
public readonly record struct BaseDType(TensorDType? Linears, bool DoubleQuantize = false)
{
    /// <summary>The names <see cref="Parse"/> takes, as the CLI's --base-dtype spells them.</summary>
    public static readonly IReadOnlyList<string> Names = ["f32", "bf16", "nf4"];

    /// <summary>NF4 linears stay NF4 (absmax as stored), the rest float32.</summary>
    public static BaseDType AsStored => default;

    /// <summary>
    /// The storage named <paramref name="name"/> (f32, bf16 or nf4; null or empty for as stored), double-quantised when
    /// <paramref name="doubleQuantize"/> (NF4 only).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, or double quantisation without NF4.</exception>
    public static BaseDType Parse(string? name, bool doubleQuantize = false)
    {
        TensorDType? linears = name switch
        {
            null or "" => null,
            "f32" => TensorDType.Float32,
            "bf16" => TensorDType.BFloat16,
            "nf4" => TensorDType.Nf4,
            _ => throw new ArgumentException($"base dtype '{name}' is not one of {string.Join(", ", Names)}", nameof(name)),
        };
        if (doubleQuantize && linears != TensorDType.Nf4)
        {
            throw new ArgumentException($"double quantisation applies only to an NF4 base, not {name ?? "the stored dtype"}", nameof(doubleQuantize));
        }
        return new BaseDType(linears, doubleQuantize);
    }

    /// <inheritdoc/>
    public override string ToString() => Linears switch
    {
        null => "as stored",
        TensorDType.Float32 => "f32",
        TensorDType.BFloat16 => "bf16",
        _ => DoubleQuantize ? "nf4 (double-quantised)" : "nf4",
    };
}
