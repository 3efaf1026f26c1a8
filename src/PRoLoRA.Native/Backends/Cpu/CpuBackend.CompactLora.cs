using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Roll-reduce and roll-spread, the small steps of PRoLoRA's compact products (the twin of
/// cuda/compact_lora.cu). A roll by k·shift splits a row of rs ranks into two runs, so each copy is
/// two vector adds (reduce) or two copies (spread).
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
