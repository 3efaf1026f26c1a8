using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// A 2-D strided view over its own storage array, for kernels that take (pointer, s0, s1): the CPU
/// backend gets the same storage through a <see cref="Tensor"/> view, the kernel gets an upload of it.
/// Storage outside the view (row padding) holds NaN, so reading it shows up in the results.
/// </summary>
internal sealed class StridedView
{
    public StridedView(int rows, int cols, int stride0, int stride1)
    {
        Shape = new Shape(rows, cols);
        Strides = [stride0, stride1];
        int length = rows == 0 || cols == 0 ? 0 : ((rows - 1) * stride0) + ((cols - 1) * stride1) + 1;
        Storage = Enumerable.Repeat(float.NaN, length).ToArray();
    }

    /// <summary>The view's extents.</summary>
    public Shape Shape { get; }

    /// <summary>The view's strides, in elements.</summary>
    public int[] Strides { get; }

    /// <summary>The storage the view reads from.</summary>
    public float[] Storage { get; }

    /// <summary>A row-major rows×cols matrix.</summary>
    public static StridedView RowMajor(int rows, int cols) => new(rows, cols, Math.Max(cols, 1), 1);

    /// <summary>A row-major matrix whose rows are <paramref name="padding"/> elements longer than needed.</summary>
    public static StridedView Padded(int rows, int cols, int padding) => new(rows, cols, cols + padding, 1);

    /// <summary>The transpose (rows×cols) of a row-major cols×rows matrix: the view Bᵀ of B.</summary>
    public static StridedView Transposed(int rows, int cols) => new(rows, cols, 1, Math.Max(rows, 1));

    /// <summary>Sets every element of the view to a value from <paramref name="next"/>, row by row.</summary>
    public StridedView Fill(Func<float> next)
    {
        for (int i = 0; i < Shape[0]; i++)
        {
            for (int j = 0; j < Shape[1]; j++)
            {
                Storage[(i * Strides[0]) + (j * Strides[1])] = next();
            }
        }
        return this;
    }

    /// <summary>The CPU-backend tensor over <see cref="Storage"/> (ops write into the storage).</summary>
    public Tensor Cpu() => new(PRoLoRA.Native.Backends.Cpu.CpuBackend.Instance, new CpuStorage(Storage), Shape, Strides);
}
