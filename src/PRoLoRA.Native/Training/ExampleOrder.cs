namespace PRoLoRA.Native.Training;

/// <summary>
/// The order in which a run visits its examples: epoch after epoch, each a fresh permutation drawn
/// from the seed and the epoch number. Position p of the stream is a function of (seed, p) alone, so
/// a resumed run sees exactly the batches an uninterrupted one would, with no generator state saved.
/// </summary>
internal sealed class ExampleOrder(int count, int seed)
{
    private readonly Dictionary<long, int[]> _epochs = [];

    /// <summary>The example indices at stream positions [<paramref name="start"/>, start + <paramref name="n"/>).</summary>
    public int[] Take(long start, int n)
    {
        var taken = new int[n];
        for (int i = 0; i < n; i++)
        {
            long position = start + i;
            taken[i] = Epoch(position / count)[(int)(position % count)];
        }
        return taken;
    }

    private int[] Epoch(long epoch)
    {
        if (!_epochs.TryGetValue(epoch, out var order))
        {
            if (_epochs.Count > 4)
            {
                _epochs.Clear();
            }
            order = [.. Enumerable.Range(0, count)];
            new Random(Mix(seed, epoch)).Shuffle(order);
            _epochs[epoch] = order;
        }
        return order;
    }

    /// <summary>A generator seed from (seed, epoch), SplitMix64's finaliser.</summary>
    private static int Mix(int seed, long epoch)
    {
        ulong z = ((ulong)(uint)seed << 32) ^ (ulong)epoch;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }
}
