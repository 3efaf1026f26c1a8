namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// Seeded byte-level mutations: bit flips, byte sets, truncation, splices (a range of the input or
/// of another seed copied over or into the input), insertion of random or boundary bytes,
/// duplication and deletion of a range. Everything is drawn from <see cref="Rng"/>, so one seed
/// gives one mutation. <see cref="JsonMutator"/> and <see cref="SafetensorsMutator"/> build on it.
/// </summary>
internal sealed class Mutator(Random rng)
{
    /// <summary>Bytes that end up interesting: zero, sign and UTF-8 boundaries, invalid UTF-8 leads, JSON punctuation.</summary>
    private static readonly byte[] BoundaryBytes =
        [0x00, 0x01, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xF5, 0xFE, 0xFF, (byte)'"', (byte)'\\', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)',', (byte)':', (byte)'-', (byte)'0', (byte)'9', (byte)'e', (byte)'.', (byte)' '];

    /// <summary>The generator every mutation draws from.</summary>
    public Random Rng => rng;

    /// <summary>1 to 4 stacked byte mutations of <paramref name="input"/>; <paramref name="others"/> are splice sources.</summary>
    public byte[] Bytes(byte[] input, IReadOnlyList<byte[]> others)
    {
        int rounds = 1 + rng.Next(4);
        for (int i = 0; i < rounds; i++)
        {
            input = ByteOnce(input, others);
        }
        return input;
    }

    /// <summary>One byte mutation.</summary>
    public byte[] ByteOnce(byte[] input, IReadOnlyList<byte[]> others)
    {
        if (input.Length == 0)
        {
            return Insert(input, rng.Next(2) == 0 ? RandomBytes(1 + rng.Next(16)) : SpliceSource(input, others));
        }
        switch (rng.Next(9))
        {
            case 0:
                return FlipBits(input);
            case 1:
                return SetBytes(input);
            case 2:
                return input[..rng.Next(input.Length)];
            case 3:
                return Overwrite(input, SpliceSource(input, others));
            case 4:
                return Insert(input, SpliceSource(input, others));
            case 5:
                return Insert(input, RandomBytes(1 + rng.Next(16)));
            case 6:
                {
                    var (start, count) = Range(input.Length);
                    return [.. input[..(start + count)], .. input[start..(start + count)], .. input[(start + count)..]];
                }
            case 7:
                {
                    var (start, count) = Range(input.Length);
                    return [.. input[..start], .. input[(start + count)..]];
                }
            default:
                return Insert(input, [BoundaryBytes[rng.Next(BoundaryBytes.Length)]]);
        }
    }

    /// <summary>A random element of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => rng.NextDouble() < p;

    /// <summary>A non-empty range of a buffer of <paramref name="length"/> (> 0) bytes, usually short.</summary>
    public (int Start, int Count) Range(int length)
    {
        int start = rng.Next(length);
        int max = length - start;
        int count = rng.Next(4) == 0 ? 1 + rng.Next(max) : 1 + rng.Next(Math.Min(max, 32));
        return (start, count);
    }

    /// <summary><paramref name="count"/> bytes, each random or a boundary byte.</summary>
    public byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        for (int i = 0; i < count; i++)
        {
            bytes[i] = rng.Next(2) == 0 ? (byte)rng.Next(256) : BoundaryBytes[rng.Next(BoundaryBytes.Length)];
        }
        return bytes;
    }

    /// <summary><paramref name="input"/> with <paramref name="bytes"/> inserted at a random position.</summary>
    public byte[] Insert(byte[] input, byte[] bytes)
    {
        int at = rng.Next(input.Length + 1);
        return [.. input[..at], .. bytes, .. input[at..]];
    }

    /// <summary><paramref name="input"/> with <paramref name="bytes"/> written over it at a random position (growing it if they run past the end).</summary>
    public byte[] Overwrite(byte[] input, byte[] bytes)
    {
        int at = rng.Next(input.Length + 1);
        var result = new byte[Math.Max(input.Length, at + bytes.Length)];
        input.CopyTo(result, 0);
        bytes.CopyTo(result, at);
        return result;
    }

    private byte[] FlipBits(byte[] input)
    {
        var result = (byte[])input.Clone();
        int flips = 1 + rng.Next(8);
        for (int i = 0; i < flips; i++)
        {
            result[rng.Next(result.Length)] ^= (byte)(1 << rng.Next(8));
        }
        return result;
    }

    private byte[] SetBytes(byte[] input)
    {
        var result = (byte[])input.Clone();
        int sets = 1 + rng.Next(4);
        for (int i = 0; i < sets; i++)
        {
            result[rng.Next(result.Length)] = RandomBytes(1)[0];
        }
        return result;
    }

    /// <summary>A range of the input itself or of another seed.</summary>
    private byte[] SpliceSource(byte[] input, IReadOnlyList<byte[]> others)
    {
        var source = others.Count > 0 && (input.Length == 0 || rng.Next(2) == 0) ? Pick(others) : input;
        if (source.Length == 0)
        {
            return RandomBytes(1 + rng.Next(8));
        }
        var (start, count) = Range(source.Length);
        return source[start..(start + count)];
    }
}
