namespace PRoLoRA.Native.Cuda;

/// <summary>
/// Compiled kernel images on disk, one file per key. A file is the hash of its payload
/// (<see cref="KernelHash"/>) followed by the payload, written to a temporary file and renamed into place, so a torn or corrupted entry
/// is detected (and then recompiled) rather than handed to the driver.
/// </summary>
internal sealed class KernelCache(string folder)
{
    /// <summary>Environment variable naming the cache folder.</summary>
    public const string FolderVariable = "PROLORA_KERNEL_CACHE";

    /// <summary>The folder: <c>PROLORA_KERNEL_CACHE</c>, else $XDG_CACHE_HOME/prolora/kernels, else ~/.cache/prolora/kernels.</summary>
    public static string DefaultFolder
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(FolderVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return configured;
            }
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "prolora", "kernels");
        }
    }

    public string Folder { get; } = folder;

    /// <summary>The path of the entry for <paramref name="key"/>.</summary>
    public string PathOf(string key) => Path.Combine(Folder, key);

    /// <summary>The payload stored under <paramref name="key"/>, or null when absent, unreadable or corrupt.</summary>
    public byte[]? TryRead(string key)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(PathOf(key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (bytes.Length <= KernelHash.SizeInBytes)
        {
            return null;
        }
        var payload = bytes[KernelHash.SizeInBytes..];
        return KernelHash.Of(payload).AsSpan().SequenceEqual(bytes.AsSpan(0, KernelHash.SizeInBytes)) ? payload : null;
    }

    /// <summary>Stores <paramref name="payload"/> atomically; a cache that cannot be written is skipped, not an error.</summary>
    public void Write(string key, byte[] payload)
    {
        string temp = PathOf($"{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(Folder);
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(KernelHash.Of(payload));
                file.Write(payload);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, PathOf(key), overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception e2) when (e2 is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
