using System.Globalization;
using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Cli.Commands;

/// <summary>The kernel resource report as `prolora doctor` prints it: one row per kernel.</summary>
public static class KernelResourceTable
{
    /// <summary>The column headings, the first line <see cref="Write"/> prints.</summary>
    public static string Heading { get; } = Row("file", "kernel", "registers", "spills st/ld", "stack", "shared", "constant");

    /// <summary>
    /// Writes the heading and a row per kernel: registers per thread; spill stores/loads and stack
    /// frame in bytes per thread; static shared memory in bytes per block; constant memory in bytes,
    /// "-" where ptxas does not say.
    /// </summary>
    internal static void Write(TextWriter o, IEnumerable<KernelResources> kernels)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(kernels);
        o.WriteLine(Heading);
        foreach (var k in kernels)
        {
            o.WriteLine(Row(k.FileName, k.Kernel, Text(k.Registers), $"{Text(k.SpillStoreBytes)}/{Text(k.SpillLoadBytes)}",
                Text(k.StackFrameBytes), Text(k.SharedBytes), k.ConstantBytes is int c ? Text(c) : "-"));
        }
    }

    private static string Row(string file, string kernel, string registers, string spills, string stack, string shared, string constant) =>
        $"  {file,-26} {kernel,-28} {registers,9}  {spills,12}  {stack,5}  {shared,6}  {constant,8}";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
