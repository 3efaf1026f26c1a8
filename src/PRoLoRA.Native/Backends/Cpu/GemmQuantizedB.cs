using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PRoLoRA.Native.Quantization;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// A quantised B as the GEMM packing reads it: pinned pointers into a <see cref="QuantizedMatrix"/>'s
/// arrays (row-major, flat element index row·Cols + col), widened to float32 a run at a time into the
/// packing's scratch. The values are exactly those of <see cref="QuantizedMatrix.Dequantize()"/>: bf16
/// bits shifted into the high half, NF4 code value × its block's absmax (a double-quantised absmax
/// computed for its block alone, as <see cref="Nf4DoubleQuant.Decompress"/> computes it).
/// </summary>
internal readonly unsafe struct GemmQuantizedB
{
    /// <summary>How B is stored (None: float32, no quantised source).</summary>
    public readonly StorageKind Kind;

    private readonly ushort* bits;
    private readonly byte* packed;
    private readonly float* absmax;
    private readonly byte* absmaxCodes;
    private readonly float* nestedAbsmax;
    private readonly float* map;
    private readonly float offset;
    private readonly int blockSize;
    private readonly int nestedBlockSize;

    private GemmQuantizedB(StorageKind kind, ushort* bits, byte* packed, int blockSize, float* absmax, byte* absmaxCodes, float* nestedAbsmax, float* map, float offset, int nestedBlockSize)
    {
        Kind = kind;
        this.bits = bits;
        this.packed = packed;
        this.blockSize = blockSize;
        this.absmax = absmax;
        this.absmaxCodes = absmaxCodes;
        this.nestedAbsmax = nestedAbsmax;
        this.map = map;
        this.offset = offset;
        this.nestedBlockSize = nestedBlockSize;
    }

    /// <summary>What B's storage is.</summary>
    public enum StorageKind
    {
        /// <summary>float32: no quantised source.</summary>
        None,

        /// <summary>bfloat16 bits.</summary>
        BFloat16,

        /// <summary>NF4 codes with float32 absmax values.</summary>
        Nf4,

        /// <summary>NF4 codes with double-quantised absmax values.</summary>
        Nf4DoubleQuant,
    }

    /// <summary>Whether B is quantised.</summary>
    public bool IsSet => Kind != StorageKind.None;

    /// <summary>bf16 bits, pinned.</summary>
    public static GemmQuantizedB BFloat16(ushort* bits) => new(StorageKind.BFloat16, bits, null, 0, null, null, null, null, 0f, 0);

    /// <summary>NF4 codes and their float32 absmax values, pinned.</summary>
    public static GemmQuantizedB Nf4(byte* packed, int blockSize, float* absmax) => new(StorageKind.Nf4, null, packed, blockSize, absmax, null, null, null, 0f, 0);

    /// <summary>NF4 codes and their double-quantised absmax (8-bit codes, nested absmax, map), pinned.</summary>
    public static GemmQuantizedB Nf4DoubleQuant(byte* packed, int blockSize, byte* codes, float* nestedAbsmax, float* map, float offset, int nestedBlockSize) =>
        new(StorageKind.Nf4DoubleQuant, null, packed, blockSize, null, codes, nestedAbsmax, map, offset, nestedBlockSize);

    /// <summary>Writes the float32 values of flat elements [start, start + count) to dst.</summary>
    public void Widen(long start, int count, float* dst)
    {
        if (Kind == StorageKind.BFloat16)
        {
            WidenBFloat16(bits + start, count, dst);
            return;
        }
        long end = start + count;
        while (start < end)
        {
            long block = start / blockSize;
            long stop = Math.Min(end, (block + 1) * blockSize);
            WidenNf4(start, (int)(stop - start), BlockAbsmax(block), dst);
            dst += stop - start;
            start = stop;
        }
    }

    /// <summary>Asks the cache for the storage of flat elements [start, start + count) (their bytes, not their absmax).</summary>
    public void Prefetch(long start, int count)
    {
        byte* first = Kind == StorageKind.BFloat16 ? (byte*)(bits + start) : packed + (start >> 1);
        byte* last = Kind == StorageKind.BFloat16 ? (byte*)(bits + start + count) - 1 : packed + ((start + count - 1) >> 1);
        for (byte* p = first; p < last; p += 64)
        {
            Sse.Prefetch0(p);
        }
        Sse.Prefetch0(last);
    }

    // The same two float32 operations, in the same order, as Nf4DoubleQuant.Decompress.
    private float BlockAbsmax(long block) =>
        Kind == StorageKind.Nf4 ? absmax[block] : (map[absmaxCodes[block]] * nestedAbsmax[block / nestedBlockSize]) + offset;

    // Compiled optimised at once: a tier-0 build of these loops is many times slower, and a model's
    // first products would pay it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WidenBFloat16(ushort* src, int count, float* dst)
    {
        int i = 0;
        for (; i + 16 <= count; i += 16)
        {
            var (lower, upper) = Vector256.Widen(Vector256.Load(src + i));
            Vector256.Store(Vector256.ShiftLeft(lower, 16).AsSingle(), dst + i);
            Vector256.Store(Vector256.ShiftLeft(upper, 16).AsSingle(), dst + i + 8);
        }
        for (; i < count; i++)
        {
            dst[i] = BitConverter.UInt32BitsToSingle((uint)src[i] << 16);
        }
    }

    // count elements from flat index start, all in one block of the given absmax.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WidenNf4(long start, int count, float scale, float* dst)
    {
        var codes = Quantization.Nf4.CodeValues;
        int i = 0;
        byte* p = packed + (start >> 1);
        if ((start & 1) != 0 && count > 0)
        {
            // An odd start is the low nibble of its byte.
            dst[i++] = codes[*p++ & 0x0F] * scale;
        }
        if (Avx2.IsSupported && count - i >= 8)
        {
            var low = Vector256.Create(codes[..8]);
            var high = Vector256.Create(codes[8..]);
            var factor = Vector256.Create(scale);
            for (; i + 8 <= count; i += 8, p += 4)
            {
                Vector256.Store(Avx.Multiply(Decode8(Unsafe.ReadUnaligned<uint>(p), low, high), factor), dst + i);
            }
        }
        for (; i + 2 <= count; i += 2, p++)
        {
            dst[i] = codes[*p >> 4] * scale;
            dst[i + 1] = codes[*p & 0x0F] * scale;
        }
        if (i < count)
        {
            dst[i] = codes[*p >> 4] * scale;
        }
    }

    // The code values of the eight nibbles of four bytes, high nibble first in each byte: each lane
    // shifts its nibble down, two 8-entry permutes look it up and bit 3 picks between them.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Decode8(uint fourBytes, Vector256<float> low, Vector256<float> high)
    {
        var shifts = Vector256.Create(4u, 0u, 12u, 8u, 20u, 16u, 28u, 24u);
        var index = Avx2.ShiftRightLogicalVariable(Vector256.Create(fourBytes), shifts) & Vector256.Create(15u);
        var fromLow = Avx2.PermuteVar8x32(low, index.AsInt32());
        var fromHigh = Avx2.PermuteVar8x32(high, index.AsInt32());
        return Avx.BlendVariable(fromLow, fromHigh, Avx2.ShiftLeftLogical(index, 28).AsSingle());
    }
}
