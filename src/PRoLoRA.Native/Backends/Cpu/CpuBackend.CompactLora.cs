using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Roll-reduce and roll-spread, the small steps of PRoLoRA's compact products, and the compact delta of
/// chosen rows (the twins of cuda/compact_lora.cu). A roll by k·shift splits a row of rs ranks into two
/// runs, so each copy is two vector adds (reduce) or two copies (spread).
/// </summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void RollReduce(Tensor p, Tensor h, int copies, int shift, float beta)
    {
        var (rows, rs) = OpChecks.RollReduce(this, p, h, copies, shift);
        if (rs == 0)
        {
            return;
        }
        var src = Elements(p);
        var dst = Elements(h);
        for (int i = 0; i < rows; i++)
        {
            var hi = dst.Slice(i * rs, rs);
            if (beta == 0f)
            {
                hi.Clear();
            }
            else if (beta != 1f)
            {
                TensorPrimitives.Multiply(hi, beta, hi);
            }
            for (int k = 0; k < copies; k++)
            {
                var pk = src.Slice(((i * copies) + k) * rs, rs);
                int roll = (int)((long)k * shift % rs);
                // h[q] += pk[q + roll] for q < rs − roll, and pk[q + roll − rs] after.
                TensorPrimitives.Add(hi[..(rs - roll)], pk[roll..], hi[..(rs - roll)]);
                TensorPrimitives.Add(hi[(rs - roll)..], pk[..roll], hi[(rs - roll)..]);
            }
        }
    }

    /// <inheritdoc/>
    public void RollSpread(Tensor h, Tensor g, int copies, int shift)
    {
        var (rows, rs) = OpChecks.RollSpread(this, h, g, copies, shift);
        if (rs == 0)
        {
            return;
        }
        var src = Elements(h);
        var dst = Elements(g);
        for (int i = 0; i < rows; i++)
        {
            var hi = src.Slice(i * rs, rs);
            for (int k = 0; k < copies; k++)
            {
                var gk = dst.Slice(((i * copies) + k) * rs, rs);
                int roll = (int)((long)k * shift % rs);
                // g[q] = h[q − roll] for q ≥ roll, and h[q − roll + rs] before.
                hi[..(rs - roll)].CopyTo(gk[roll..]);
                hi[(rs - roll)..].CopyTo(gk[..roll]);
            }
        }
    }

    /// <inheritdoc/>
    public void CompactRowsDelta(Tensor x, ReadOnlySpan<int> rows, Tensor chunkA, Tensor vecA, int shiftA, Tensor chunkB, Tensor vecB, int shiftB, Tensor y, float alpha)
    {
        var z = OpChecks.CompactRowsDelta(this, x, rows, chunkA, vecA, shiftA, chunkB, vecB, shiftB, y);
        var adapter = new CompactOperands(chunkA, vecA, shiftA, chunkB, vecB, shiftB, alpha);
        foreach (int row in rows)
        {
            CompactRowDelta(Elements(x).Slice(row * z.In, z.In), Elements(y).Slice(row * z.Out, z.Out), adapter, z);
        }
    }

    /// <inheritdoc/>
    public void CompactRowsDeltaMany(Tensor x, ReadOnlySpan<int> rows, ReadOnlySpan<int> rowAdapter, IReadOnlyList<CompactOperands> adapters, Tensor y)
    {
        var sizes = OpChecks.CompactRowsDeltaMany(this, x, rows, rowAdapter, adapters, y);
        for (int i = 0; i < rows.Length; i++)
        {
            var z = sizes[rowAdapter[i]];
            CompactRowDelta(Elements(x).Slice(rows[i] * z.In, z.In), Elements(y).Slice(rows[i] * z.Out, z.Out), adapters[rowAdapter[i]], z);
        }
    }

    /// <summary>yr += alpha · (xr·Aᵀ)·Bᵀ for one row, from the compact tensors (the twin of compact_row_delta).</summary>
    private static void CompactRowDelta(ReadOnlySpan<float> xr, Span<float> yr, CompactOperands o, CompactRowsSizes z)
    {
        var ca = Elements(o.ChunkA);
        var va = Elements(o.VecA);
        var cb = Elements(o.ChunkB);
        var vb = Elements(o.VecB);
        int rs = z.Rs, u = z.U;
        int rollA = rs > 0 ? o.ShiftA % rs : 0, rollB = rs > 0 ? o.ShiftB % rs : 0;
        Span<float> h = rs + u <= 1024 ? stackalloc float[rs + u] : new float[rs + u];
        Span<float> g = rs <= 1024 ? stackalloc float[rs] : new float[rs];
        // Shrink: copy k of the chunk meets slice k of x; its rank p lands on shared rank (p − k·shift) mod rs.
        for (int k = 0, roll = 0; k * z.CsA < z.In && rs > 0; k++, roll = (roll + rollA) % rs)
        {
            var slice = xr.Slice(k * z.CsA, Math.Min(z.CsA, z.In - (k * z.CsA)));
            for (int p = 0, q = (rs - roll) % rs; p < rs; p++, q = q + 1 == rs ? 0 : q + 1)
            {
                h[q] += TensorPrimitives.Dot(slice, ca.Slice(p * z.CsA, slice.Length));
            }
        }
        for (int t = 0; t < u; t++)
        {
            h[rs + t] = TensorPrimitives.Dot(xr, va.Slice(t * z.In, z.In));
        }
        // Expand: slice k of y is chunk_b times the shared ranks rolled by k·shift, g[p] = h[(p − k·shift) mod rs].
        for (int k = 0, roll = 0; k * z.CsB < z.Out && rs > 0; k++, roll = (roll + rollB) % rs)
        {
            h[(rs - roll)..rs].CopyTo(g);
            h[..(rs - roll)].CopyTo(g[roll..]);
            var slice = yr.Slice(k * z.CsB, Math.Min(z.CsB, z.Out - (k * z.CsB)));
            for (int c = 0; c < slice.Length; c++)
            {
                // rs is small (a few ranks): a plain loop beats a vector call's setup here.
                var weights = cb.Slice(c * rs, rs);
                float sum = 0f;
                for (int p = 0; p < rs; p++)
                {
                    sum += weights[p] * g[p];
                }
                slice[c] += o.Alpha * sum;
            }
        }
        for (int t = 0; t < u; t++)
        {
            TensorPrimitives.MultiplyAdd(vb.Slice(t * z.Out, z.Out), o.Alpha * h[rs + t], yr, yr);
        }
    }

    internal static partial class Reference
    {
        /// <summary>h[i, q] = beta·h[i, q] + Σ_{k &lt; copies} p[i·copies + k, (q + k·shift) mod rs], summed in double; beta = 0 does not read h.</summary>
        public static void RollReduce(float[] p, float[] h, int rows, int rs, int copies, int shift, float beta)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int q = 0; q < rs; q++)
                {
                    double sum = beta == 0f ? 0 : beta * (double)h[(i * rs) + q];
                    for (int k = 0; k < copies; k++)
                    {
                        sum += p[(((i * copies) + k) * rs) + (int)((q + ((long)k * shift)) % rs)];
                    }
                    h[(i * rs) + q] = (float)sum;
                }
            }
        }

        /// <summary>g[i·copies + k, q] = h[i, (q − k·shift) mod rs]; g is (rows·copies)×rs.</summary>
        public static float[] RollSpread(float[] h, int rows, int rs, int copies, int shift)
        {
            var g = new float[rows * copies * rs];
            for (int i = 0; i < rows; i++)
            {
                for (int k = 0; k < copies; k++)
                {
                    for (int q = 0; q < rs; q++)
                    {
                        int src = (int)((((q - ((long)k * shift)) % rs) + rs) % rs);
                        g[(((i * copies) + k) * rs) + q] = h[(i * rs) + src];
                    }
                }
            }
            return g;
        }
    }
}
