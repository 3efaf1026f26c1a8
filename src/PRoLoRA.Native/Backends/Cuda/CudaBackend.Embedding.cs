using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launchers of embedding.cu: the ids are checked on the host and uploaded to scratch memory.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void Embedding(Tensor table, ReadOnlySpan<int> ids, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(output);
        OpChecks.Rank2(table, nameof(table));
        OpChecks.Rank2(output, nameof(output));
        if (output.Shape[1] != table.Shape[1])
        {
            throw new ArgumentException($"output {output.Shape} and table {table.Shape} disagree on the embedding width", nameof(output));
        }
        OpChecks.Ids(ids, output.Shape[0], table.Shape[0], nameof(ids));
        IntPtr pt = Contiguous(table, nameof(table)), po = Contiguous(output, nameof(output));
        int n = ids.Length, d = table.Shape[1];
        using var scratch = Upload(ids);
        IntPtr pi = scratch.Pointer;
        Launch("embedding", Int(output.Count, nameof(output)), [(IntPtr)(&pt), (IntPtr)(&pi), (IntPtr)(&po), (IntPtr)(&n), (IntPtr)(&d)]);
    }

    /// <inheritdoc/>
    public unsafe void EmbeddingBackward(Tensor dOutput, ReadOnlySpan<int> ids, Tensor dTable)
    {
        ArgumentNullException.ThrowIfNull(dOutput);
        ArgumentNullException.ThrowIfNull(dTable);
        OpChecks.Rank2(dTable, nameof(dTable));
        OpChecks.Rank2(dOutput, nameof(dOutput));
        if (dOutput.Shape[1] != dTable.Shape[1])
        {
            throw new ArgumentException($"dOutput {dOutput.Shape} and dTable {dTable.Shape} disagree on the embedding width", nameof(dOutput));
        }
        OpChecks.Ids(ids, dOutput.Shape[0], dTable.Shape[0], nameof(ids));
        IntPtr po = Contiguous(dOutput, nameof(dOutput)), pt = Contiguous(dTable, nameof(dTable));
        int n = ids.Length, d = dTable.Shape[1];
        using var scratch = Upload(ids);
        IntPtr pi = scratch.Pointer;
        Launch("embedding_backward", Int(dOutput.Count, nameof(dOutput)), [(IntPtr)(&po), (IntPtr)(&pi), (IntPtr)(&pt), (IntPtr)(&n), (IntPtr)(&d)]);
    }

    /// <summary>Copies ints (ids, targets) to scratch device memory.</summary>
    private unsafe Scratch Upload(ReadOnlySpan<int> values)
    {
        var scratch = Rent(values.Length * (long)sizeof(int));
        fixed (int* v = values)
        {
            _device.CopyHostToDevice(scratch.Pointer, v, values.Length * (long)sizeof(int));
        }
        return scratch;
    }
}
