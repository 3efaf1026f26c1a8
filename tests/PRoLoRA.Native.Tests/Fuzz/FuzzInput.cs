using System.Text;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>One case's input: file name → bytes, written into the case's folder (and saved as a regression fixture).</summary>
internal sealed class FuzzInput(IReadOnlyDictionary<string, byte[]> files)
{
    public IReadOnlyDictionary<string, byte[]> Files { get; } = new SortedDictionary<string, byte[]>(files.ToDictionary(), StringComparer.Ordinal);

    public FuzzInput(string name, byte[] bytes)
        : this(new Dictionary<string, byte[]> { [name] = bytes })
    {
    }

    /// <summary>Writes the files into <paramref name="folder"/> (created).</summary>
    public void WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, bytes) in Files)
        {
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
        }
    }

    /// <summary>The files of <paramref name="names"/> that <paramref name="folder"/> holds.</summary>
    public static FuzzInput ReadFrom(string folder, IEnumerable<string> names)
        => new(names.Where(n => File.Exists(Path.Combine(folder, n))).ToDictionary(n => n, n => File.ReadAllBytes(Path.Combine(folder, n))));

    /// <summary>FNV-1a of the names and bytes: picks a case's options (dtypes, --allow-nonfinite) so a replay repeats them.</summary>
    public ulong Hash()
    {
        ulong h = 14695981039346656037;
        foreach (var (name, bytes) in Files)
        {
            foreach (byte b in Encoding.UTF8.GetBytes(name))
            {
                h = (h ^ b) * 1099511628211;
            }
            foreach (byte b in bytes)
            {
                h = (h ^ b) * 1099511628211;
            }
        }
        return h;
    }
}
