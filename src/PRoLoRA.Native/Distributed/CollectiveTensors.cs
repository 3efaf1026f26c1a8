using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Distributed;

/// <summary>
/// Collectives over lists of tensors (gradients, parameters) through one fused host buffer: the
/// tensors are copied into it back to back, reduced or broadcast with one call, and copied back, so a
/// step pays one latency however many adapters it trains.
/// </summary>
public static class CollectiveTensors
{
    /// <summary>
    /// Sums <paramref name="tensors"/> over all ranks in place, with <paramref name="extra"/> (small
    /// host values such as a loss, may be empty) fused into the same buffer and summed too.
    /// </summary>
    public static void AllReduceSum(this ICollective collective, IReadOnlyList<Tensor> tensors, Span<float> extra = default)
    {
        ArgumentNullException.ThrowIfNull(collective);
        ArgumentNullException.ThrowIfNull(tensors);
        if (collective.WorldSize == 1)
        {
            return;
        }
        var buffer = Gather(tensors, extra.Length);
        extra.CopyTo(buffer.AsSpan(buffer.Length - extra.Length));
        collective.AllReduceSum(buffer);
        Scatter(buffer, tensors);
        buffer.AsSpan(buffer.Length - extra.Length).CopyTo(extra);
    }

    /// <summary>Replaces <paramref name="tensors"/> by their mean over all ranks.</summary>
    public static void AllReduceMean(this ICollective collective, IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(collective);
        ArgumentNullException.ThrowIfNull(tensors);
        if (collective.WorldSize == 1)
        {
            return;
        }
        var buffer = Gather(tensors, 0);
        collective.AllReduceSum(buffer);
        float scale = 1f / collective.WorldSize;
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] *= scale;
        }
        Scatter(buffer, tensors);
    }

    /// <summary>Gives every rank rank 0's values of <paramref name="tensors"/>.</summary>
    public static void Broadcast(this ICollective collective, IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(collective);
        ArgumentNullException.ThrowIfNull(tensors);
        if (collective.WorldSize == 1)
        {
            return;
        }
        var buffer = Gather(tensors, 0);
        collective.Broadcast(buffer);
        Scatter(buffer, tensors);
    }

    /// <summary>Floats one fused buffer of <paramref name="tensors"/> holds: what one all-reduce moves per rank.</summary>
    public static long FusedLength(IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return tensors.Sum(t => t.Count);
    }

    private static float[] Gather(IReadOnlyList<Tensor> tensors, int extra)
    {
        long length = FusedLength(tensors) + extra;
        if (length > Array.MaxLength)
        {
            throw new ArgumentException($"{length:N0} floats do not fit one fused buffer (at most {Array.MaxLength:N0})", nameof(tensors));
        }
        var buffer = new float[length];
        long at = 0;
        foreach (var t in tensors)
        {
            t.Backend.CopyToHost(t, buffer.AsSpan((int)at, (int)t.Count));
            at += t.Count;
        }
        return buffer;
    }

    private static void Scatter(float[] buffer, IReadOnlyList<Tensor> tensors)
    {
        long at = 0;
        foreach (var t in tensors)
        {
            t.Backend.CopyFromHost(buffer.AsSpan((int)at, (int)t.Count), t);
            at += t.Count;
        }
    }
}
