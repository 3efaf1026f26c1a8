namespace PRoLoRA.Native.Optim;

/// <summary>
/// What <see cref="AdamW"/> carries from step to step, copied to the host for a checkpoint:
/// the step count and, per parameter in the optimizer's order, the moments and its own step.
/// </summary>
/// <param name="StepCount">The optimizer's <see cref="AdamW.StepCount"/>.</param>
/// <param name="Parameters">One entry per parameter, group by group.</param>
public sealed record AdamWState(int StepCount, IReadOnlyList<AdamWMoments> Parameters);

/// <summary>One parameter's AdamW state.</summary>
/// <param name="M">The first moment, as many values as the parameter.</param>
/// <param name="V">The second moment (never negative).</param>
/// <param name="Step">Updates this parameter has had (its bias correction).</param>
public sealed record AdamWMoments(float[] M, float[] V, int Step);
