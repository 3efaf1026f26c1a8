using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>Launchers of compact_lora.cu: the roll ops one thread per output element on a 1-D grid; the shifts reduced mod rs on the host.</summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public unsafe void RollReduce(Tensor p, Tensor h, int copies, int shift, float beta)
    {
        ThrowIfDisposed();
        var (rows, rs) = OpChecks.RollReduce(this, p, h, copies, shift);
        Int(p.Count, nameof(p));
        IntPtr pp = Ptr(p), ph = Ptr(h);
        int roll = rs > 0 ? shift % rs : 0;
        Launch("roll_reduce", Int(h.Count, nameof(h)),
            [(IntPtr)(&pp), (IntPtr)(&ph), (IntPtr)(&rows), (IntPtr)(&rs), (IntPtr)(&copies), (IntPtr)(&roll), (IntPtr)(&beta)]);
    }

    /// <inheritdoc/>
    public unsafe void RollSpread(Tensor h, Tensor g, int copies, int shift)
    {
        ThrowIfDisposed();
        var (rows, rs) = OpChecks.RollSpread(this, h, g, copies, shift);
        IntPtr ph = Ptr(h), pg = Ptr(g);
        int roll = rs > 0 ? shift % rs : 0;
        Launch("roll_spread", Int(g.Count, nameof(g)),
            [(IntPtr)(&ph), (IntPtr)(&pg), (IntPtr)(&rows), (IntPtr)(&rs), (IntPtr)(&copies), (IntPtr)(&roll)]);
    }

    /// <inheritdoc/>
    /// <remarks>compact_rows_delta: one block of 256 threads per row, the rs + u ranks of the row in dynamic shared memory.</remarks>
    public unsafe void CompactRowsDelta(Tensor x, ReadOnlySpan<int> rows, Tensor chunkA, Tensor vecA, int shiftA, Tensor chunkB, Tensor vecB, int shiftB, Tensor y, float alpha)
    {
        ThrowIfDisposed();
        var z = OpChecks.CompactRowsDelta(this, x, rows, chunkA, vecA, shiftA, chunkB, vecB, shiftB, y);
        if (rows.IsEmpty)
        {
            return;
        }
        int rs = z.Rs, u = z.U, inFeatures = z.In, outFeatures = z.Out, csA = z.CsA, csB = z.CsB;
        int rollA = rs > 0 ? shiftA % rs : 0, rollB = rs > 0 ? shiftB % rs : 0;
        int sharedBytes = (rs + u) * sizeof(float);
        if (sharedBytes > 48 * 1024)
        {
            throw new ArgumentException($"rank {rs + u} is too large for compact_rows_delta (its ranks live in 48 KiB of shared memory)", nameof(chunkA));
        }
        IntPtr px = Ptr(x), pca = Ptr(chunkA), pva = Ptr(vecA), pcb = Ptr(chunkB), pvb = Ptr(vecB), py = Ptr(y);
        using var scratch = Upload(rows);
        IntPtr pr = scratch.Pointer;
        Launch("compact_rows_delta", new Dim3(rows.Length), new Dim3(BlockSize), sharedBytes,
            [(IntPtr)(&px), (IntPtr)(&pr), (IntPtr)(&pca), (IntPtr)(&pva), (IntPtr)(&pcb), (IntPtr)(&pvb), (IntPtr)(&py), (IntPtr)(&inFeatures),
                (IntPtr)(&outFeatures), (IntPtr)(&rs), (IntPtr)(&u), (IntPtr)(&csA), (IntPtr)(&csB), (IntPtr)(&rollA), (IntPtr)(&rollB), (IntPtr)(&alpha)]);
    }

    /// <inheritdoc/>
    /// <remarks>compact_rows_delta_many: one block of 256 threads per row; each adapter's descriptor (addresses, sizes, shifts, alpha) in a table uploaded with the rows.</remarks>
    public unsafe void CompactRowsDeltaMany(Tensor x, ReadOnlySpan<int> rows, ReadOnlySpan<int> rowAdapter, IReadOnlyList<CompactOperands> adapters, Tensor y)
    {
        ThrowIfDisposed();
        var sizes = OpChecks.CompactRowsDeltaMany(this, x, rows, rowAdapter, adapters, y);
        if (rows.IsEmpty)
        {
            return;
        }
        var table = new long[16 * adapters.Count];
        int largest = 0;
        for (int a = 0; a < adapters.Count; a++)
        {
            var (o, z) = (adapters[a], sizes[a]);
            var d = table.AsSpan(16 * a, 16);
            d[0] = (long)Ptr(o.ChunkA);
            d[1] = (long)Ptr(o.VecA);
            d[2] = (long)Ptr(o.ChunkB);
            d[3] = (long)Ptr(o.VecB);
            (d[4], d[5], d[6], d[7]) = (z.Rs, z.U, z.CsA, z.CsB);
            (d[8], d[9]) = (z.Rs > 0 ? o.ShiftA % z.Rs : 0, z.Rs > 0 ? o.ShiftB % z.Rs : 0);
            d[10] = BitConverter.SingleToInt32Bits(o.Alpha);
            largest = Math.Max(largest, z.Rs + z.U);
        }
        int sharedBytes = largest * sizeof(float);
        if (sharedBytes > 48 * 1024)
        {
            throw new ArgumentException($"rank {largest} is too large for compact_rows_delta_many (a row's ranks live in 48 KiB of shared memory)", nameof(adapters));
        }
        int inFeatures = x.Shape[1], outFeatures = y.Shape[1];
        IntPtr px = Ptr(x), py = Ptr(y);
        using var rowScratch = Upload(rows);
        using var adapterScratch = Upload(rowAdapter);
        using var tableScratch = Upload<long>(table);
        IntPtr pr = rowScratch.Pointer, pa = adapterScratch.Pointer, pt = tableScratch.Pointer;
        Launch("compact_rows_delta_many", new Dim3(rows.Length), new Dim3(BlockSize), sharedBytes,
            [(IntPtr)(&px), (IntPtr)(&pr), (IntPtr)(&pa), (IntPtr)(&pt), (IntPtr)(&py), (IntPtr)(&inFeatures), (IntPtr)(&outFeatures)]);
    }
}
