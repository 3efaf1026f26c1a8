namespace PRoLoRA.Native.Optim;

/// <summary>The same learning rate at every step.</summary>
public sealed class ConstantSchedule : ILearningRateSchedule
{
    /// <summary>A constant rate <paramref name="learningRate"/> ≥ 0.</summary>
    public ConstantSchedule(float learningRate)
    {
        OptimChecks.LearningRate(learningRate, nameof(learningRate));
        Rate = learningRate;
    }

    /// <summary>The rate.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    public float LearningRate(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Rate;
    }
}
