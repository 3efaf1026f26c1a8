using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Broadcast-with-roll and its gradient through <see cref="CpuBroadcastRoll"/> (the twin of cuda/broadcast_roll.cu).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void BroadcastRoll(Tensor chunk, Tensor vec, Tensor full, int shift)
    {
        var s = OpChecks.BroadcastRoll(this, chunk, vec, full, shift);
        CpuBroadcastRoll.Forward(Data(chunk), chunk, Data(vec), vec, Data(full), full, s.Rs, s.U, s.Dim, s.Cs, shift);
    }

    /// <inheritdoc/>
    public void BroadcastRollGrad(Tensor dFull, Tensor dChunk, Tensor dVec, int shift, float beta)
    {
        var s = OpChecks.BroadcastRollGrad(this, dFull, dChunk, dVec, shift);
        CpuBroadcastRoll.Gradient(Data(dFull), dFull, Data(dChunk), dChunk, Data(dVec), dVec, s.Rs, s.U, s.Dim, s.Cs, shift, beta);
    }

    internal static partial class Reference
    {
        /// <summary>
        /// full ((rs+u)×dim): full[i, p] = chunk[(i + k·shift) mod rs, p mod cs] with k = p div cs for
        /// i &lt; rs, and full[rs + t, p] = vec[t, p]; chunk is rs×cs, vec u×dim.
        /// </summary>
        public static float[] BroadcastRoll(float[] chunk, float[] vec, int rs, int u, int dim, int cs, int shift)
        {
            var full = new float[(rs + u) * dim];
            for (int i = 0; i < rs + u; i++)
            {
                for (int p = 0; p < dim; p++)
                {
                    int k = p / cs;
                    full[(i * dim) + p] = i < rs ? chunk[((int)((i + ((long)k * shift)) % rs) * cs) + (p % cs)] : vec[((i - rs) * dim) + p];
                }
            }
            return full;
        }

        /// <summary>
        /// dChunk[q, j] = beta·dChunk[q, j] + Σ_k dFull[(q − k·shift) mod rs, k·cs + j] over the copies k
        /// that reach column k·cs + j; dVec[t, p] = beta·dVec[t, p] + dFull[rs + t, p]. Summed in double;
        /// beta = 0 does not read the outputs.
        /// </summary>
        public static void BroadcastRollGrad(float[] dFull, float[] dChunk, float[] dVec, int rs, int u, int dim, int cs, int shift, float beta)
        {
            for (int q = 0; q < rs; q++)
            {
                for (int j = 0; j < cs; j++)
                {
                    double sum = beta == 0f ? 0 : beta * (double)dChunk[(q * cs) + j];
                    for (int k = 0; ((long)k * cs) + j < dim; k++)
                    {
                        int row = (int)((((q - ((long)k * shift)) % rs) + rs) % rs);
                        sum += dFull[(row * dim) + (k * cs) + j];
                    }
                    dChunk[(q * cs) + j] = (float)sum;
                }
            }
            for (int t = 0; t < u * dim; t++)
            {
                dVec[t] = (beta == 0f ? 0f : beta * dVec[t]) + dFull[(rs * dim) + t];
            }
        }
    }
}
