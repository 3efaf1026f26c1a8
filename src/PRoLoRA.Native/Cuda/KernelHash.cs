using System.IO.Hashing;

namespace PRoLoRA.Native.Cuda;

/// <summary>
/// The kernel cache's hash: XxHash128 (System.IO.Hashing, managed code). Not SHA-256, whose .NET
/// implementation loads OpenSSL (libssl, libcrypto) on Linux, which a bare GPU machine may lack. The
/// cache needs no cryptographic strength: the key tells apart what shaped an image, the checksum
/// catches a torn or corrupted entry.
/// </summary>
internal static class KernelHash
{
    /// <summary>Bytes of a hash.</summary>
    public const int SizeInBytes = 16;

    /// <summary>The hash of <paramref name="data"/>.</summary>
    public static byte[] Of(ReadOnlySpan<byte> data) => XxHash128.Hash(data);
}
