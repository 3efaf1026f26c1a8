using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Autograd;

/// <summary>
/// The autograd tape: ops (see <see cref="TapeOps"/>) compute on the backend and record a backward
/// closure; <see cref="Backward"/> runs the closures in reverse order, each accumulating into its
/// inputs' gradients. The tape owns the intermediates it made and frees them on <see cref="Dispose"/>.
/// Inside <see cref="NoGrad"/> nothing is recorded and dropout is off: inference.
/// </summary>
public sealed class Tape(IBackend backend) : IDisposable
{
    private readonly List<Action> _backward = [];
    private readonly List<Variable> _owned = [];
    private readonly List<Tensor> _scratch = [];
    private int _noGradDepth;

    /// <summary>The backend every op runs on.</summary>
    public IBackend Backend { get; } = backend;

    /// <summary>True while ops record their backward closures (outside <see cref="NoGrad"/>).</summary>
    public bool IsRecording => _noGradDepth == 0;

    /// <summary>Turns recording off until the returned scope is disposed.</summary>
    public IDisposable NoGrad()
    {
        _noGradDepth++;
        return new Scope(this);
    }

    /// <summary>Number of recorded backward closures.</summary>
    public int RecordedOps => _backward.Count;

    /// <summary>Wraps a new tensor as an intermediate owned by this tape.</summary>
    internal Variable Result(Tensor value, bool requiresGrad, string name)
    {
        var v = new Variable(value, requiresGrad && IsRecording, name);
        _owned.Add(v);
        return v;
    }

    /// <summary>A scratch tensor freed with the tape.</summary>
    internal Tensor Scratch(Shape shape)
    {
        var t = Backend.Empty(shape);
        _scratch.Add(t);
        return t;
    }

    /// <summary>
    /// Records the backward of the op that made <paramref name="output"/>: when backpropagation
    /// reaches it, <paramref name="backward"/> runs with output's gradient and accumulates (+=) into
    /// its inputs' gradients. Nothing is recorded when output takes no gradient (no input needs one,
    /// or inside <see cref="NoGrad"/>), and nothing runs when no gradient reached output.
    /// </summary>
    internal void Record(Variable output, Action<Tensor> backward)
    {
        if (!output.RequiresGrad)
        {
            return;
        }
        _backward.Add(() =>
        {
            if (output.Grad is { } g)
            {
                backward(g);
            }
        });
    }

    /// <summary>The gradient of <paramref name="v"/>, allocated as zeros on first use.</summary>
    internal Tensor GradOf(Variable v)
    {
        v.Grad ??= Backend.Zeros(v.Shape);
        return v.Grad;
    }

    /// <summary>
    /// Backpropagates from <paramref name="output"/>: its gradient is seeded with
    /// <paramref name="seed"/> (default: ones, the gradient of the sum of its elements).
    /// </summary>
    public void Backward(Variable output, Tensor? seed = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.RequiresGrad)
        {
            throw new InvalidOperationException($"{output} does not require a gradient: nothing on the tape leads to a parameter");
        }
        seed?.CheckShape(output.Shape, "the backward seed");
        // The seed overwrites the whole gradient: a first one need not be zeroed.
        output.Grad ??= Backend.Empty(output.Shape);
        if (seed is null)
        {
            Backend.Fill(output.Grad, 1f);
        }
        else
        {
            Backend.Copy(seed, output.Grad);
        }
        for (int i = _backward.Count - 1; i >= 0; i--)
        {
            _backward[i]();
        }
        _backward.Clear();
    }

    /// <summary>Frees every intermediate and scratch tensor and forgets the recorded ops.</summary>
    public void Dispose()
    {
        foreach (var v in _owned)
        {
            v.Release();
        }
        foreach (var t in _scratch)
        {
            t.Dispose();
        }
        _owned.Clear();
        _scratch.Clear();
        _backward.Clear();
    }

    private sealed class Scope(Tape tape) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (!_done)
            {
                tape._noGradDepth--;
                _done = true;
            }
        }
    }
}
