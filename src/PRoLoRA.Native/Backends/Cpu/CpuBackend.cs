using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>The managed CPU backend: the reference every other backend is compared with.</summary>
public sealed class CpuBackend : IBackend
{
    /// <summary>The shared instance (the backend holds no state).</summary>
    public static CpuBackend Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "cpu";

    /// <inheritdoc/>
    public DeviceKind Kind => DeviceKind.Cpu;

    private readonly CpuArrayPool _pool = new(CpuArrayPool.DefaultCap);

    /// <summary>Bytes of disposed tensors kept for reuse (see <see cref="ReleaseCachedMemory"/>).</summary>
    public long CachedBytes => _pool.PooledBytes;

    /// <summary>Frees the arrays of disposed tensors kept for reuse (tensors in use keep theirs).</summary>
    public void ReleaseCachedMemory() => _pool.Trim();

    /// <inheritdoc/>
    /// <remarks>The array comes from a pool of disposed tensors' arrays and goes back to it when the tensor is disposed.</remarks>
    public Tensor Empty(Shape shape)
    {
        if (shape.Count > Array.MaxLength)
        {
            throw new ArgumentException($"a CPU tensor of shape {shape} would have {shape.Count:N0} elements, more than one array holds ({Array.MaxLength:N0})", nameof(shape));
        }
        return new(this, new CpuStorage(_pool.Rent((int)shape.Count), _pool.Return), shape);
    }

    /// <inheritdoc/>
    public Tensor Zeros(Shape shape)
    {
        var t = Empty(shape);
        ((CpuStorage)t.Storage).Data.AsSpan().Clear();
        return t;
    }

    /// <inheritdoc/>
    public Tensor FromArray(ReadOnlySpan<float> data, Shape shape)
    {
        if (data.Length != shape.Count)
        {
            throw new ArgumentException($"{data.Length} values do not fill shape {shape} ({shape.Count} elements)", nameof(data));
        }
        return new Tensor(this, new CpuStorage(data.ToArray()), shape);
    }

    /// <summary>The managed array behind a tensor of this backend.</summary>
    internal float[] Data(Tensor t, string name)
    {
        OpChecks.Backend(this, t, name);
        return ((CpuStorage)t.Storage).Data;
    }

    /// <summary>A contiguous tensor's elements as a span.</summary>
    internal Span<float> Span(Tensor t, string name)
    {
        OpChecks.Contiguous(t, name);
        return Data(t, name).AsSpan((int)t.Offset, (int)t.Count);
    }

    /// <inheritdoc/>
    public void CopyToHost(Tensor src, Span<float> dst)
    {
        if (dst.Length != src.Count)
        {
            throw new ArgumentException($"destination holds {dst.Length} values, {nameof(src)} {src.Shape} has {src.Count}", nameof(dst));
        }
        if (src.IsContiguous)
        {
            Span(src, nameof(src)).CopyTo(dst);
            return;
        }
        var data = Data(src, nameof(src));
        OpChecks.Rank2(src, nameof(src));
        int rows = src.Shape[0], cols = src.Shape[1];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                dst[(i * cols) + j] = data[src.Offset + ((long)i * src.Strides[0]) + ((long)j * src.Strides[1])];
            }
        }
    }

    /// <inheritdoc/>
    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst)
    {
        if (src.Length != dst.Count)
        {
            throw new ArgumentException($"source holds {src.Length} values, {nameof(dst)} {dst.Shape} has {dst.Count}", nameof(src));
        }
        src.CopyTo(Span(dst, nameof(dst)));
    }

    /// <inheritdoc/>
    public void Copy(Tensor src, Tensor dst)
    {
        OpChecks.SameShape(src, nameof(src), dst, nameof(dst));
        CopyToHost(src, Span(dst, nameof(dst)));
    }

    /// <inheritdoc/>
    public void Synchronize()
    {
    }

    /// <inheritdoc/>
    public void Gemm(Tensor a, Tensor b, Tensor c, float alpha = 1f, float beta = 0f)
    {
        OpChecks.Gemm(this, a, b, c);
        var (transA, lda) = Layout(a);
        var (transB, ldb) = Layout(b);
        CpuGemm.Multiply(transA, transB, c.Shape[0], c.Shape[1], a.Shape[1], alpha,
            Data(a, nameof(a)), a.Offset, lda, Data(b, nameof(b)), b.Offset, ldb, beta, Data(c, nameof(c)), c.Offset, c.Strides[0]);
    }

    /// <summary>Whether a checked matrix view is stored transposed, and its leading dimension.</summary>
    private static (bool Transposed, int Ld) Layout(Tensor t)
    {
        if (t.Strides[1] == 1 && t.Strides[0] >= Math.Max(t.Shape[1], 1))
        {
            return (false, t.Strides[0]);
        }
        return (true, Math.Max(t.Strides[1], 1));
    }

    /// <inheritdoc/>
    public void BroadcastRoll(Tensor chunk, Tensor vec, Tensor full, int shift)
    {
        var (rs, u, dim, cs) = OpChecks.BroadcastRoll(this, chunk, vec, full, shift);
        CpuBroadcastRoll.Forward(Data(chunk, nameof(chunk)), chunk, Data(vec, nameof(vec)), vec, Data(full, nameof(full)), full, rs, u, dim, cs, shift);
    }

    /// <inheritdoc/>
    public void BroadcastRollGrad(Tensor dFull, Tensor dChunk, Tensor dVec, int shift, float beta)
    {
        var (rs, u, dim, cs) = OpChecks.BroadcastRoll(this, dChunk, dVec, dFull, shift);
        CpuBroadcastRoll.Gradient(Data(dFull, nameof(dFull)), dFull, Data(dChunk, nameof(dChunk)), dChunk, Data(dVec, nameof(dVec)), dVec, rs, u, dim, cs, shift, beta);
    }

    /// <inheritdoc/>
    public void Fill(Tensor x, float value) => Span(x, nameof(x)).Fill(value);

    /// <inheritdoc/>
    public void Axpby(float alpha, Tensor x, float beta, Tensor y)
    {
        OpChecks.SameShape(x, nameof(x), y, nameof(y));
        var xs = Span(x, nameof(x));
        var ys = Span(y, nameof(y));
        if (beta == 0f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(xs, alpha, ys);
        }
        else
        {
            for (int i = 0; i < ys.Length; i++)
            {
                ys[i] = (alpha * xs[i]) + (beta * ys[i]);
            }
        }
    }

    /// <inheritdoc/>
    public void Mul(Tensor a, Tensor b, Tensor output)
    {
        OpChecks.SameShape(a, nameof(a), b, nameof(b));
        OpChecks.SameShape(a, nameof(a), output, nameof(output));
        System.Numerics.Tensors.TensorPrimitives.Multiply(Span(a, nameof(a)), Span(b, nameof(b)), Span(output, nameof(output)));
    }

    /// <inheritdoc/>
    public void Dropout(Tensor x, float p, ulong seed, Tensor mask, Tensor output)
    {
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        }
        OpChecks.SameShape(x, nameof(x), mask, nameof(mask));
        OpChecks.SameShape(x, nameof(x), output, nameof(output));
        var xs = Span(x, nameof(x));
        var ms = Span(mask, nameof(mask));
        var os = Span(output, nameof(output));
        float keepScale = 1f / (1f - p);
        for (int i = 0; i < xs.Length; i++)
        {
            ms[i] = DropoutRng.Keep(seed, (ulong)i, p) ? keepScale : 0f;
            os[i] = xs[i] * ms[i];
        }
    }

    /// <inheritdoc/>
    public void AddRowVector(Tensor x, Tensor bias, Tensor output)
    {
        OpChecks.Rank2(x, nameof(x));
        OpChecks.SameShape(x, nameof(x), output, nameof(output));
        OpChecks.Vector(bias, x.Shape[1], nameof(bias));
        var xs = Span(x, nameof(x));
        var bs = Span(bias, nameof(bias));
        var os = Span(output, nameof(output));
        int d = bs.Length;
        for (int i = 0; i < x.Shape[0]; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(xs.Slice(i * d, d), bs, os.Slice(i * d, d));
        }
    }

    /// <inheritdoc/>
    public void SumRows(Tensor x, Tensor output, float beta)
    {
        OpChecks.Rank2(x, nameof(x));
        OpChecks.Vector(output, x.Shape[1], nameof(output));
        var xs = Span(x, nameof(x));
        var os = Span(output, nameof(output));
        int d = os.Length;
        if (beta == 0f)
        {
            os.Clear();
        }
        else if (beta != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(os, beta, os);
        }
        for (int i = 0; i < x.Shape[0]; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(os, xs.Slice(i * d, d), os);
        }
    }

    /// <inheritdoc/>
    public void Relu(Tensor x, Tensor output)
    {
        OpChecks.SameShape(x, nameof(x), output, nameof(output));
        System.Numerics.Tensors.TensorPrimitives.Max(Span(x, nameof(x)), 0f, Span(output, nameof(output)));
    }

    /// <inheritdoc/>
    public void ReluBackward(Tensor x, Tensor dy, Tensor dx, float beta)
    {
        OpChecks.SameShape(x, nameof(x), dy, nameof(dy));
        OpChecks.SameShape(x, nameof(x), dx, nameof(dx));
        var xs = Span(x, nameof(x));
        var dys = Span(dy, nameof(dy));
        var dxs = Span(dx, nameof(dx));
        for (int i = 0; i < xs.Length; i++)
        {
            float g = xs[i] > 0f ? dys[i] : 0f;
            dxs[i] = beta == 0f ? g : (beta * dxs[i]) + g;
        }
    }

    /// <inheritdoc/>
    public double SumOfSquares(Tensor x)
    {
        double sum = 0;
        foreach (var v in Span(x, nameof(x)))
        {
            sum += (double)v * v;
        }
        return sum;
    }

    /// <inheritdoc/>
    public void Embedding(Tensor table, ReadOnlySpan<int> ids, Tensor output)
    {
        OpChecks.Embedding(table, nameof(table), ids, output, nameof(output));
        var ts = Span(table, nameof(table));
        var os = Span(output, nameof(output));
        int d = table.Shape[1];
        for (int i = 0; i < ids.Length; i++)
        {
            ts.Slice(ids[i] * d, d).CopyTo(os.Slice(i * d, d));
        }
    }

    /// <inheritdoc/>
    public void EmbeddingBackward(Tensor dOutput, ReadOnlySpan<int> ids, Tensor dTable)
    {
        OpChecks.Embedding(dTable, nameof(dTable), ids, dOutput, nameof(dOutput));
        var ts = Span(dTable, nameof(dTable));
        var os = Span(dOutput, nameof(dOutput));
        int d = dTable.Shape[1];
        for (int i = 0; i < ids.Length; i++)
        {
            var row = ts.Slice(ids[i] * d, d);
            System.Numerics.Tensors.TensorPrimitives.Add(row, os.Slice(i * d, d), row);
        }
    }

    /// <inheritdoc/>
    public float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> targets, Tensor dLogits)
    {
        OpChecks.Rank2(logits, nameof(logits));
        OpChecks.SameShape(logits, nameof(logits), dLogits, nameof(dLogits));
        int n = logits.Shape[0], v = logits.Shape[1];
        OpChecks.Ids(targets, n, v, nameof(targets));
        var ls = Span(logits, nameof(logits));
        var ds = Span(dLogits, nameof(dLogits));
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            var row = ls.Slice(i * v, v);
            var drow = ds.Slice(i * v, v);
            float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
            double z = 0;
            for (int j = 0; j < v; j++)
            {
                z += Math.Exp(row[j] - max);
            }
            loss += Math.Log(z) - (row[targets[i]] - max);
            for (int j = 0; j < v; j++)
            {
                drow[j] = (float)(Math.Exp(row[j] - max) / z) / n;
            }
            drow[targets[i]] -= 1f / n;
        }
        return (float)(loss / Math.Max(n, 1));
    }

    /// <inheritdoc/>
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step)
    {
        OpChecks.SameShape(param, nameof(param), grad, nameof(grad));
        OpChecks.SameShape(param, nameof(param), m, nameof(m));
        OpChecks.SameShape(param, nameof(param), v, nameof(v));
        var ps = Span(param, nameof(param));
        var gs = Span(grad, nameof(grad));
        var ms = Span(m, nameof(m));
        var vs = Span(v, nameof(v));
        float b1 = step.Beta1, b2 = step.Beta2, c1 = step.BiasCorrection1, c2 = step.BiasCorrection2;
        for (int i = 0; i < ps.Length; i++)
        {
            float g = gs[i];
            ms[i] = (b1 * ms[i]) + ((1f - b1) * g);
            vs[i] = (b2 * vs[i]) + ((1f - b2) * g * g);
            float update = (ms[i] / c1) / (MathF.Sqrt(vs[i] / c2) + step.Epsilon);
            ps[i] -= step.LearningRate * (update + (step.WeightDecay * ps[i]));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
