// The dropout generator: the bit-exact twin of src/PRoLoRA.Native/Backends/DropoutRng.cs.
// A SplitMix64 finaliser of (seed, index): counter-based, so no state is shared between threads
// and every backend draws the same mask.
#ifndef PROLORA_RNG_CUH
#define PROLORA_RNG_CUH

// A uniform value in [0, 1) with 24 random bits (exact in float) for element `index`.
__device__ __forceinline__ float dropout_uniform(unsigned long long seed, unsigned long long index) {
    unsigned long long z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (float)(z >> 40) * (1.0f / 16777216.0f);
}

// True when element `index` is kept at drop probability p (kept iff u >= p, so p = 0 keeps all).
__device__ __forceinline__ bool dropout_keep(unsigned long long seed, unsigned long long index, float p) {
    return dropout_uniform(seed, index) >= p;
}

#endif
