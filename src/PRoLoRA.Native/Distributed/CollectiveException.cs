namespace PRoLoRA.Native.Distributed;

/// <summary>A distributed launch that cannot work: half-set or contradictory variables, a missing library, an unreachable rendezvous.</summary>
public sealed class CollectiveException : ProLoraException
{
    /// <summary>Creates the exception.</summary>
    public CollectiveException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public CollectiveException(string message, Exception inner) : base(message, inner)
    {
    }
}
