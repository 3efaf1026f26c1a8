namespace PRoLoRA.Native.Optim;

/// <summary>Hyper-parameter checks shared by the optimizer and the schedules, each naming the argument.</summary>
internal static class OptimChecks
{
    public static void LearningRate(float lr, string name)
    {
        if (!(lr >= 0f) || !float.IsFinite(lr))
        {
            throw new ArgumentException($"learning rate must be >= 0 and finite, got {lr}", name);
        }
    }

    public static void Beta(float beta, string name)
    {
        if (!(beta >= 0f && beta < 1f))
        {
            throw new ArgumentException($"{name} must be in [0, 1), got {beta}", name);
        }
    }

    public static void WeightDecay(float wd, string name)
    {
        if (!(wd >= 0f) || !float.IsFinite(wd))
        {
            throw new ArgumentException($"weight decay must be >= 0 and finite, got {wd}", name);
        }
    }

    public static void Steps(int warmupSteps, int totalSteps)
    {
        if (totalSteps <= 0)
        {
            throw new ArgumentException($"total steps must be > 0, got {totalSteps}", nameof(totalSteps));
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps)
        {
            throw new ArgumentException($"warmup steps must be in [0, total steps = {totalSteps}], got {warmupSteps}", nameof(warmupSteps));
        }
    }
}
