using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends;

/// <summary>Argument checks shared by every backend, so each names the problem the same way.</summary>
internal static class OpChecks
{
    public static void Backend(IBackend backend, Tensor t, string name)
    {
        if (!ReferenceEquals(t.Backend, backend))
        {
            throw new ArgumentException($"{name} lives on {t.Backend.Name}, not on {backend.Name}", name);
        }
    }

    public static void Contiguous(Tensor t, string name)
    {
        if (!t.IsContiguous)
        {
            throw new ArgumentException($"{name} of shape {t.Shape} must be contiguous", name);
        }
    }

    public static void Rank2(Tensor t, string name)
    {
        if (t.Shape.Rank != 2)
        {
            throw new ArgumentException($"{name} must be 2-D, got shape {t.Shape}", name);
        }
    }

    public static void SameShape(Tensor a, string aName, Tensor b, string bName)
    {
        if (a.Shape != b.Shape)
        {
            throw new ArgumentException($"{aName} has shape {a.Shape} but {bName} has shape {b.Shape}", bName);
        }
    }

    /// <summary>A 2-D view whose rows or columns have unit stride (a matrix or a transposed one).</summary>
    public static void Matrix(Tensor t, string name)
    {
        Rank2(t, name);
        bool rowMajor = t.Strides[1] == 1 && t.Strides[0] >= Math.Max(t.Shape[1], 1);
        bool colMajor = t.Strides[0] == 1 && t.Strides[1] >= Math.Max(t.Shape[0], 1);
        if (!rowMajor && !colMajor && t.Count > 1)
        {
            throw new ArgumentException($"{name} of shape {t.Shape} has strides ({t.Strides[0]}, {t.Strides[1]}): neither rows nor columns are contiguous", name);
        }
    }

    public static void Gemm(IBackend backend, Tensor a, Tensor b, Tensor c)
    {
        Backend(backend, a, nameof(a));
        Backend(backend, b, nameof(b));
        Backend(backend, c, nameof(c));
        Matrix(a, nameof(a));
        Matrix(b, nameof(b));
        Rank2(c, nameof(c));
        Contiguous(c, nameof(c));
        if (a.Shape[1] != b.Shape[0])
        {
            throw new ArgumentException($"gemm: a {a.Shape} and b {b.Shape} disagree on the inner dimension", nameof(b));
        }
        if (c.Shape[0] != a.Shape[0] || c.Shape[1] != b.Shape[1])
        {
            throw new ArgumentException($"gemm: c has shape {c.Shape}, expected ({a.Shape[0]}, {b.Shape[1]})", nameof(c));
        }
    }

    /// <summary>Checks the operands of broadcast-roll and returns (rs, u, dim, cs).</summary>
    public static (int Rs, int U, int Dim, int Cs) BroadcastRoll(IBackend backend, Tensor chunk, Tensor vec, Tensor full, int shift)
    {
        Backend(backend, chunk, nameof(chunk));
        Backend(backend, vec, nameof(vec));
        Backend(backend, full, nameof(full));
        Matrix(chunk, nameof(chunk));
        Matrix(vec, nameof(vec));
        Matrix(full, nameof(full));
        int rs = chunk.Shape[0], cs = chunk.Shape[1], u = vec.Shape[0], dim = full.Shape[1];
        if (full.Shape[0] != rs + u)
        {
            throw new ArgumentException($"full has {full.Shape[0]} rows but chunk {chunk.Shape} and vec {vec.Shape} give {rs + u}", nameof(full));
        }
        if (vec.Shape[1] != dim)
        {
            throw new ArgumentException($"vec has shape {vec.Shape}, expected ({u}, {dim})", nameof(vec));
        }
        if (rs > 0 && (cs <= 0 || cs > dim))
        {
            throw new ArgumentException($"chunk width {cs} must be in [1, {dim}]", nameof(chunk));
        }
        if (shift < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(shift), shift, "shift must be >= 0");
        }
        return (rs, u, dim, cs);
    }

    public static void Vector(Tensor t, int length, string name)
    {
        if (t.Shape.Rank != 1 || t.Shape[0] != length)
        {
            throw new ArgumentException($"{name} has shape {t.Shape}, expected ({length})", name);
        }
    }

    /// <summary>Checks an embedding lookup: table (V×D), rows (N×D), N ids in [0, V).</summary>
    public static void Embedding(Tensor table, string tableName, ReadOnlySpan<int> ids, Tensor rows, string rowsName)
    {
        Rank2(table, tableName);
        Rank2(rows, rowsName);
        if (rows.Shape[1] != table.Shape[1])
        {
            throw new ArgumentException($"{rowsName} {rows.Shape} and {tableName} {table.Shape} disagree on the embedding width", rowsName);
        }
        Ids(ids, rows.Shape[0], table.Shape[0], nameof(ids));
    }

    public static void Ids(ReadOnlySpan<int> ids, int count, int limit, string name)
    {
        if (ids.Length != count)
        {
            throw new ArgumentException($"{name} has {ids.Length} entries, expected {count}", name);
        }
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)limit)
            {
                throw new ArgumentOutOfRangeException(name, $"{name}[{i}] = {ids[i]} is outside [0, {limit})");
            }
        }
    }
}
