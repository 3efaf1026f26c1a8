using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// The CPU twin of cuda/broadcast_roll.cu: broadcast-with-roll and its gradient (see
/// <see cref="IBackend.BroadcastRoll"/>). Two fast layouts copy whole runs: A-like (the dim axis
/// contiguous: row segments) and B-like (the rank axis contiguous: one rotated copy per column);
/// any other view takes the element-wise path.
/// </summary>
internal static class CpuBroadcastRoll
{
    public static void Forward(float[] c, Tensor chunk, float[] v, Tensor vec, float[] f, Tensor full, int rs, int u, int dim, int cs, int shift)
    {
        if (chunk.Strides[1] == 1 && full.Strides[1] == 1)
        {
            for (int i = 0; i < rs; i++)
            {
                for (int k = 0, start = 0; start < dim; k++, start += cs)
                {
                    int q = (int)((i + ((long)k * shift)) % rs);
                    int len = Math.Min(cs, dim - start);
                    c.AsSpan((int)At(chunk, q, 0), len).CopyTo(f.AsSpan((int)At(full, i, start), len));
                }
            }
        }
        else if (chunk.Strides[0] == 1 && full.Strides[0] == 1)
        {
            for (int p = 0; p < dim && rs > 0; p++)
            {
                int off = (int)((long)(p / cs) * shift % rs);
                var src = c.AsSpan((int)At(chunk, 0, p % cs), rs);
                var dst = f.AsSpan((int)At(full, 0, p), rs);
                src[off..].CopyTo(dst);
                src[..off].CopyTo(dst[(rs - off)..]);
            }
        }
        else
        {
            for (int i = 0; i < rs; i++)
            {
                for (int p = 0; p < dim; p++)
                {
                    int k = p / cs;
                    f[At(full, i, p)] = c[At(chunk, (int)((i + ((long)k * shift)) % rs), p - (k * cs))];
                }
            }
        }
        for (int t = 0; t < u; t++)
        {
            long fRow = At(full, rs + t, 0), vRow = At(vec, t, 0);
            int fStep = full.Strides[1], vStep = vec.Strides[1];
            if (fStep == 1 && vStep == 1)
            {
                v.AsSpan((int)vRow, dim).CopyTo(f.AsSpan((int)fRow, dim));
                continue;
            }
            for (int p = 0; p < dim; p++)
            {
                f[fRow + ((long)p * fStep)] = v[vRow + ((long)p * vStep)];
            }
        }
    }

    public static void Gradient(float[] df, Tensor dFull, float[] dc, Tensor dChunk, float[] dv, Tensor dVec, int rs, int u, int dim, int cs, int shift, float beta)
    {
        if (dChunk.Strides[1] == 1 && dFull.Strides[1] == 1)
        {
            var acc = new float[cs];
            for (int q = 0; q < rs; q++)
            {
                Array.Clear(acc);
                for (int k = 0, start = 0; start < dim; k++, start += cs)
                {
                    int i = (int)((((q - ((long)k * shift)) % rs) + rs) % rs);
                    int len = Math.Min(cs, dim - start);
                    TensorPrimitives.Add(acc.AsSpan(0, len), df.AsSpan((int)At(dFull, i, start), len), acc.AsSpan(0, len));
                }
                Store(acc, dc.AsSpan((int)At(dChunk, q, 0), cs), beta);
            }
        }
        else if (dChunk.Strides[0] == 1 && dFull.Strides[0] == 1)
        {
            var acc = new float[rs];
            for (int j = 0; j < cs && rs > 0; j++)
            {
                Array.Clear(acc);
                for (int k = 0, p = j; p < dim; k++, p += cs)
                {
                    // dchunk[q] += dfull[(q − off) mod rs]: rotate the column right by off.
                    int off = (int)((long)k * shift % rs);
                    var src = df.AsSpan((int)At(dFull, 0, p), rs);
                    TensorPrimitives.Add(acc.AsSpan(off), src[..(rs - off)], acc.AsSpan(off));
                    TensorPrimitives.Add(acc.AsSpan(0, off), src[(rs - off)..], acc.AsSpan(0, off));
                }
                Store(acc, dc.AsSpan((int)At(dChunk, 0, j), rs), beta);
            }
        }
        else
        {
            int copies = rs == 0 ? 0 : (dim + cs - 1) / cs;
            for (int q = 0; q < rs; q++)
            {
                for (int j = 0; j < cs; j++)
                {
                    float sum = 0f;
                    for (int k = 0; k < copies && (k * cs) + j < dim; k++)
                    {
                        int i = (int)((((q - ((long)k * shift)) % rs) + rs) % rs);
                        sum += df[At(dFull, i, (k * cs) + j)];
                    }
                    long at = At(dChunk, q, j);
                    dc[at] = beta == 0f ? sum : (beta * dc[at]) + sum;
                }
            }
        }
        for (int t = 0; t < u; t++)
        {
            long fRow = At(dFull, rs + t, 0), vRow = At(dVec, t, 0);
            int fStep = dFull.Strides[1], vStep = dVec.Strides[1];
            if (fStep == 1 && vStep == 1)
            {
                Store(df.AsSpan((int)fRow, dim), dv.AsSpan((int)vRow, dim), beta);
                continue;
            }
            for (int p = 0; p < dim; p++)
            {
                long at = vRow + ((long)p * vStep);
                float g = df[fRow + ((long)p * fStep)];
                dv[at] = beta == 0f ? g : (beta * dv[at]) + g;
            }
        }
    }

    /// <summary>dst = sum + beta·dst, never reading dst when beta is 0.</summary>
    private static void Store(ReadOnlySpan<float> sum, Span<float> dst, float beta)
    {
        if (beta == 0f)
        {
            sum.CopyTo(dst);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(dst, beta, sum, dst);
        }
    }

    private static long At(Tensor t, int i, int j) => t.Offset + ((long)i * t.Strides[0]) + ((long)j * t.Strides[1]);
}
