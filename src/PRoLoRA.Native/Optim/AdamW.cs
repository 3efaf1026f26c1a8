using PRoLoRA.Native.Autograd;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Optim;

/// <summary>
/// AdamW (Loshchilov and Hutter; decoupled weight decay) over parameter groups. The fp32 moments
/// live on each parameter's backend and every update is one <see cref="IBackend.AdamW"/> call per
/// tensor. A parameter without a gradient is skipped and keeps its own step count for bias
/// correction, as in torch.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly List<(ParamGroup Group, Variable Param, State State)> _slots = [];

    /// <summary>One group of <paramref name="parameters"/> with the <paramref name="options"/>' hyper-parameters.</summary>
    public AdamW(IEnumerable<Variable> parameters, AdamWOptions? options = null)
        : this([new ParamGroup(parameters)], options)
    {
    }

    /// <summary>Several groups; a parameter may appear in only one.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, AdamWOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Options = (options ?? new AdamWOptions()).Validate();
        Groups = [.. groups];
        var seen = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        foreach (var group in Groups)
        {
            foreach (var p in group.Parameters)
            {
                if (!seen.Add(p))
                {
                    throw new ArgumentException($"parameter {p} appears twice", nameof(groups));
                }
            }
        }
        foreach (var group in Groups)
        {
            foreach (var p in group.Parameters)
            {
                var be = p.Value.Backend;
                _slots.Add((group, p, new State(be.Zeros(p.Shape), be.Zeros(p.Shape))));
            }
        }
    }

    /// <summary>The hyper-parameters.</summary>
    public AdamWOptions Options { get; }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParamGroup> Groups { get; }

    /// <summary>Number of <see cref="Step()"/> calls so far: the 0-based index of the next step.</summary>
    public int StepCount { get; private set; }

    /// <summary>Every parameter, group by group.</summary>
    public IEnumerable<Variable> Parameters => _slots.Select(s => s.Param);

    /// <summary>One update at the options' learning rate.</summary>
    public void Step() => Step(Options.LearningRate);

    /// <summary>One update at the schedule's rate for this step (<see cref="StepCount"/>); returns that rate.</summary>
    public float Step(ILearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        float lr = schedule.LearningRate(StepCount);
        Step(lr);
        return lr;
    }

    /// <summary>One update at base learning rate <paramref name="learningRate"/> (times each group's scale).</summary>
    public void Step(float learningRate)
    {
        OptimChecks.LearningRate(learningRate, nameof(learningRate));
        foreach (var (group, p, state) in _slots)
        {
            if (p.Grad is not { } grad)
            {
                continue;
            }
            state.Step++;
            var scalars = new AdamWStep(
                learningRate * group.LearningRateScale,
                Options.Beta1,
                Options.Beta2,
                Options.Epsilon,
                group.WeightDecay ?? Options.WeightDecay,
                state.Step);
            p.Value.Backend.AdamW(p.Value, grad, state.M, state.V, scalars);
        }
        StepCount++;
    }

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p, _) in _slots)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>A host copy of the state, to resume from with <see cref="LoadState"/>.</summary>
    public AdamWState SaveState() =>
        new(StepCount, [.. _slots.Select(s => new AdamWMoments(s.State.M.ToArray(), s.State.V.ToArray(), s.State.Step))]);

    /// <summary>
    /// Puts back a state saved by <see cref="SaveState"/> from an optimizer over parameters of the
    /// same shapes in the same order; anything else is an <see cref="ArgumentException"/> naming it.
    /// </summary>
    public void LoadState(AdamWState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Parameters.Count != _slots.Count)
        {
            throw new ArgumentException($"the state has {state.Parameters.Count} parameters, this optimizer {_slots.Count}", nameof(state));
        }
        if (state.StepCount < 0)
        {
            throw new ArgumentException($"the state's step count is {state.StepCount}", nameof(state));
        }
        for (int i = 0; i < _slots.Count; i++)
        {
            var (_, p, _) = _slots[i];
            var saved = state.Parameters[i];
            long count = p.Shape.Count;
            if (saved.M.Length != count || saved.V.Length != count)
            {
                throw new ArgumentException($"parameter {i} ({p}) has {count} values but its saved moments {saved.M.Length} and {saved.V.Length}", nameof(state));
            }
            if (saved.Step < 0 || saved.Step > state.StepCount)
            {
                throw new ArgumentException($"parameter {i} ({p}) has step {saved.Step}, outside [0, {state.StepCount}]", nameof(state));
            }
            if (!saved.M.All(float.IsFinite) || !saved.V.All(v => float.IsFinite(v) && v >= 0f))
            {
                throw new ArgumentException($"parameter {i} ({p}) has a non-finite moment or a negative second moment", nameof(state));
            }
        }
        for (int i = 0; i < _slots.Count; i++)
        {
            var slot = _slots[i].State;
            var saved = state.Parameters[i];
            slot.M.Backend.CopyFromHost(saved.M, slot.M);
            slot.V.Backend.CopyFromHost(saved.V, slot.V);
            slot.Step = saved.Step;
        }
        StepCount = state.StepCount;
    }

    /// <summary>Frees the moments.</summary>
    public void Dispose()
    {
        foreach (var (_, _, state) in _slots)
        {
            state.M.Dispose();
            state.V.Dispose();
        }
        _slots.Clear();
    }

    private sealed class State(Tensor m, Tensor v)
    {
        public Tensor M { get; } = m;

        public Tensor V { get; } = v;

        public int Step { get; set; }
    }
}
