// Quantised frozen weights widened to float32 (issue 14, QLoRA): a run of `count` values starting at
// element `first` of a row-major matrix (the launcher passes whole rows: first = row0 · cols) goes
// to the contiguous `out`. The layouts are those of src/PRoLoRA.Native/Quantization/: bfloat16 bits,
// or bitsandbytes' NF4 (two 4-bit codes a byte, element 0 in the high nibble; one absmax per block of
// block_size values, the last block possibly partial; value = code_values[code] · absmax[block]).
// Thread mapping (all three): one thread per output value, consecutive threads on consecutive values,
// so the writes are coalesced and the two threads of a byte, and a block's absmax, share one load.
// NF4 storage holds fewer than 2^31 values (Nf4Tensor.Length is an int), so its element and block
// indices are ints: 32-bit divisions, not 64-bit ones, per value.
#include "common.cuh"

// out[t] = the float32 of bits[first + t] (exact: bf16 is float32's upper half).
extern "C" __global__ void dequantize_bf16(const unsigned short* bits, long long first, int count, float* out) {
    int t = thread_index();
    if (t >= count) {
        return;
    }
    out[t] = __uint_as_float((unsigned)bits[first + t] << 16);
}

// The 4-bit code of element e: the high nibble of byte e / 2 for even e, the low one for odd e.
__device__ __forceinline__ int nf4_code(const unsigned char* packed, int e) {
    unsigned pair = packed[e >> 1];
    return (int)((e & 1) == 0 ? pair >> 4 : pair & 0x0Fu);
}

// NF4 with float32 absmax: out[t] = code_values[code(e)] · absmax[e / block_size], e = first + t.
// code_values holds Nf4.CodeValues (16 floats).
extern "C" __global__ void dequantize_nf4(const unsigned char* packed, const float* absmax, const float* code_values, int block_size,
                                          long long first, int count, float* out) {
    int t = thread_index();
    if (t >= count) {
        return;
    }
    int e = (int)(first + t);
    out[t] = code_values[nf4_code(packed, e)] * absmax[e / block_size];
}

// NF4 whose absmax values are double-quantised (Nf4DoubleQuant): block b's absmax is
// map[codes[b]] · nested[b / nested_block_size] + offset, computed here per value (the loads are
// shared by the block's threads). __fmul_rn and __fadd_rn keep the multiply and the add apart (no
// fused multiply-add), so the absmax is bit for bit the one Nf4DoubleQuant.Decompress gives.
extern "C" __global__ void dequantize_nf4_double_quant(const unsigned char* packed, const unsigned char* codes, const float* nested,
                                                       const float* map, float offset, int nested_block_size, const float* code_values,
                                                       int block_size, long long first, int count, float* out) {
    int t = thread_index();
    if (t >= count) {
        return;
    }
    int e = (int)(first + t);
    int b = e / block_size;
    float absmax = __fadd_rn(__fmul_rn(map[codes[b]], nested[b / nested_block_size]), offset);
    out[t] = code_values[nf4_code(packed, e)] * absmax;
}
