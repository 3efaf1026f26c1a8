using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// A LLaMA with a quantised frozen base made straight from random codes (<see cref="FastRandom"/>): the
/// seven linears of every layer in the format (random NF4 codes with absmax values in [0.04, 0.06), as
/// normal weights of σ ≈ 0.02 would give, or random bfloat16 bits); the embeddings, the norms and the
/// head in float32, as QLoRA keeps them. Quantising 6.5 billion float32 values would take minutes; the
/// codes take seconds, and time and memory do not depend on what the codes are.
/// </summary>
internal static class QuantizedLlama
{
    /// <summary>The LLaMA-2-7B shape: vocabulary 32000, hidden 4096, intermediate 11008, 32 layers of 32 heads, own head.</summary>
    public static readonly LlamaConfig Llama2_7B = new()
    {
        VocabularySize = 32000,
        HiddenSize = 4096,
        IntermediateSize = 11008,
        Layers = 32,
        Heads = 32,
        KvHeads = 32,
        HeadDim = 128,
        TieWordEmbeddings = false,
        RmsNormEps = 1e-5f,
        MaxPositions = 4096,
    };

    /// <summary>Whether the checkpoint tensor <paramref name="name"/> is one of the seven linears' weights (the ones quantised).</summary>
    public static bool IsLinear(string name) => name.StartsWith("model.layers.", StringComparison.Ordinal) && name.EndsWith("_proj.weight", StringComparison.Ordinal);

    /// <summary>Bytes of the base with every tensor in float32, counted from the shapes.</summary>
    public static long Float32Bytes(LlamaConfig config) => RandomLlama.Tensors(config).Sum(t => 4L * t.Shape.Count);

    /// <summary>
    /// The model of <paramref name="config"/> on <paramref name="backend"/>, its linears in <paramref name="format"/>;
    /// <paramref name="storageBytes"/> is the sum of the bytes its tensors hold (float32: 4 a value; quantised: <see cref="QuantizedMatrix.StorageBytes"/>).
    /// </summary>
    public static LlamaModel Create(LlamaConfig config, IBackend backend, QuantFormat format, ulong seed, out long storageBytes)
    {
        long bytes = 0;
        ulong next = seed;
        var model = LlamaModel.Create(config, backend, (name, shape) =>
        {
            next++;
            if (IsLinear(name) && format != QuantFormat.F32)
            {
                var matrix = RandomMatrix(shape[0], shape[1], format, next);
                bytes += matrix.StorageBytes;
                return backend.FromQuantized(matrix);
            }
            bytes += 4L * shape.Count;
            return backend.FromArray(RandomFloats(name, shape, next), shape);
        });
        storageBytes = bytes;
        return model;
    }

    private static float[] RandomFloats(string name, Shape shape, ulong seed)
    {
        if (name.EndsWith("norm.weight", StringComparison.Ordinal))
        {
            return FastRandom.Uniform(shape.Count, 0.9f, 1.1f, seed);
        }
        float scale = 1f / MathF.Sqrt(shape[-1]);
        return FastRandom.Uniform(shape.Count, -scale, scale, seed);
    }

    private static QuantizedMatrix RandomMatrix(int rows, int cols, QuantFormat format, ulong seed)
    {
        long count = (long)rows * cols;
        if (format.DType == TensorDType.BFloat16)
        {
            return QuantizedMatrix.FromBFloat16(FastRandom.BFloat16(count, seed), rows, cols);
        }
        int length = checked((int)count);
        var packed = FastRandom.Bytes(Nf4.PackedLength(length), seed);
        var absmax = FastRandom.Uniform(Nf4.BlockCount(length), 0.04f, 0.06f, ~seed);
        var nf4 = format.DoubleQuantize
            ? new Nf4Tensor(length, Nf4.DefaultBlockSize, packed, Nf4DoubleQuant.Compress(absmax))
            : new Nf4Tensor(length, Nf4.DefaultBlockSize, packed, absmax);
        return QuantizedMatrix.FromNf4(nf4, rows, cols);
    }
}
