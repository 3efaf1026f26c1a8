using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Autograd;

/// <summary>
/// A node of the autograd graph: a value and, where it requires one, a gradient of the same shape.
/// Parameters own their value and gradient; intermediates are owned by the <see cref="Tape"/> that made them.
/// </summary>
public sealed class Variable
{
    internal Variable(Tensor value, bool requiresGrad, string name)
    {
        Value = value;
        RequiresGrad = requiresGrad;
        Name = name;
    }

    /// <summary>The value.</summary>
    public Tensor Value { get; }

    /// <summary>The accumulated gradient, or null when none has reached this node yet.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>Whether gradients flow to this node.</summary>
    public bool RequiresGrad { get; }

    /// <summary>A name for messages and files.</summary>
    public string Name { get; }

    /// <summary>Shape of the value.</summary>
    public Shape Shape => Value.Shape;

    /// <summary>A trainable leaf that takes ownership of <paramref name="value"/>.</summary>
    public static Variable Parameter(Tensor value, string name) => new(value, true, name);

    /// <summary>A leaf that receives no gradient (inputs, frozen weights).</summary>
    public static Variable Constant(Tensor value, string name = "") => new(value, false, name);

    /// <summary>A leaf that receives a gradient without being a parameter (an input whose gradient is wanted).</summary>
    public static Variable Input(Tensor value, string name = "") => new(value, true, name);

    /// <summary>Sets the gradient to zero, if there is one.</summary>
    public void ZeroGrad()
    {
        if (Grad is not null)
        {
            Value.Backend.Fill(Grad, 0f);
        }
    }

    /// <summary>Frees the value and the gradient.</summary>
    internal void Release()
    {
        Value.Dispose();
        Grad?.Dispose();
        Grad = null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}{Shape}";
}
