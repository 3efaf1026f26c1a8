#!/usr/bin/env python3
"""PyTorch peer of PRoLoRA.Native's layer benchmark.

One adapted linear written the way the official PRoLoRA code runs it: the full A (r x in) and
B (out x r) are materialised from the chunks on every call with roll/cat ops (DESIGN.md section 1),
then y = x W^T + s (x A^T) B^T, and autograd's backward gives the adapter gradients and dx.
Methods (the same keys as tools/PRoLoRA.Bench/LayerMethod.cs):

  base                 frozen base alone: y = x W^T, backward for dx
  lora32, lora8        LoRA r=32 / r=8 (plain A and B parameters), with the base
  prolora              PRoLoRA r=32, u=4, m=n=7 (rotation on), with the base
  adapter_<method>     the adapter part alone: y = y_base + s (x A^T) B^T with y_base a
                       precomputed constant, so no frozen product runs

Repetitions of the methods interleave. Prints one JSON object on stdout:
  {"torch": ..., "device": ..., "threads": ..., "results": [{"method", "in", "out", "tokens",
   "median_ms", "min_ms", "max_ms", "runs"}]}

  prolora_torch.py --device cpu|cuda --threads 2 --shapes 4096x4096x2048,4096x11008x512
                   [--reps 5] [--warmup 1] [--methods base,prolora,...]
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch

from peer_blas import blas_in_use

ALPHA = 16.0
METHODS = ["base", "lora32", "prolora", "lora8", "adapter_lora32", "adapter_prolora", "adapter_lora8"]


def config(method):
    """(r, u, m, n) of a method's adapter; None for the base alone."""
    name = method.removeprefix("adapter_")
    return {"base": None, "lora32": (32, 32, 1, 1), "lora8": (8, 8, 1, 1), "prolora": (32, 4, 7, 7)}[name]


class Adapter:
    """PRoLoRA's trainable tensors; u = r is plain LoRA (full A and B are the parameters)."""

    def __init__(self, d_in, d_out, r, u, m, n, device, gen):
        rs = r - u
        self.d_in, self.d_out, self.r, self.rs, self.m, self.n = d_in, d_out, r, rs, m, n
        self.shift_a = max(rs // m, 1)
        self.shift_b = max(rs // n, 1)
        cs_a, cs_b = math.ceil(d_in / m), math.ceil(d_out / n)
        bound = 1.0 / math.sqrt(d_in)

        def param(rows, cols, scale):
            t = (torch.rand(rows, cols, generator=gen) * 2 - 1) * scale
            return t.to(device).requires_grad_(True)

        # B is random, not the zero init, so that the B-side products do real work (as ours).
        self.chunk_a = param(rs, cs_a, bound)
        self.vec_a = param(u, d_in, bound)
        self.chunk_b = param(cs_b, rs, 0.01)
        self.vec_b = param(u, d_out, 0.01)
        self.scaling = ALPHA / r

    def parameters(self):
        return [self.chunk_a, self.vec_a, self.chunk_b, self.vec_b]

    def full_a(self):
        """A[i, p] = chunk_a[(i + k shift_a) mod rs, p mod cs_a], k = p div cs_a; then vec_a's rows."""
        if self.rs == 0:
            return self.vec_a
        copies = [torch.roll(self.chunk_a, shifts=-k * self.shift_a, dims=0) for k in range(self.m)]
        shared = torch.cat(copies, dim=1)[:, : self.d_in]
        return torch.cat([shared, self.vec_a], dim=0)

    def full_b(self):
        """B[p, i] = chunk_b[p mod cs_b, (i + k shift_b) mod rs], k = p div cs_b; then vec_b as columns."""
        if self.rs == 0:
            return self.vec_b.t()
        copies = [torch.roll(self.chunk_b, shifts=-k * self.shift_b, dims=1) for k in range(self.n)]
        shared = torch.cat(copies, dim=0)[: self.d_out, :]
        return torch.cat([shared, self.vec_b.t()], dim=1)


def make_step(method, x, weight, y_base, dy, adapter):
    """One training step's work for the layer: forward, backward with dx, gradients cleared first."""
    tensors = [x] + (adapter.parameters() if adapter else [])

    def step():
        for t in tensors:
            t.grad = None
        if adapter is None:
            y = x @ weight.t()
        else:
            delta = ((x @ adapter.full_a().t()) @ adapter.full_b().t()) * adapter.scaling
            y = (y_base if method.startswith("adapter_") else x @ weight.t()) + delta
        y.backward(dy)

    return step


def timer(device):
    if device == "cuda":
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

        def time_cuda(call):
            torch.cuda.synchronize()
            start.record()
            call()
            stop.record()
            stop.synchronize()
            return start.elapsed_time(stop)

        return time_cuda

    def time_cpu(call):
        t0 = time.perf_counter()
        call()
        return (time.perf_counter() - t0) * 1e3

    return time_cpu


def run_shape(d_in, d_out, tokens, methods, device, reps, warmup, clock):
    gen = torch.Generator().manual_seed(1)
    weight = ((torch.rand(d_out, d_in, generator=gen) * 2 - 1) / math.sqrt(d_in)).to(device)
    x = (torch.rand(tokens, d_in, generator=gen) * 2 - 1).to(device).requires_grad_(True)
    dy = (torch.rand(tokens, d_out, generator=gen) * 2 - 1).to(device)
    with torch.no_grad():
        y_base = x @ weight.t()
    steps = []
    for method in methods:
        cfg = config(method)
        adapter = Adapter(d_in, d_out, *cfg, device, gen) if cfg else None
        steps.append(make_step(method, x, weight, y_base, dy, adapter))
    for _ in range(warmup):
        for step in steps:
            clock(step)
    times = [[] for _ in steps]
    for _ in range(reps):
        for i, step in enumerate(steps):
            times[i].append(clock(step))
    return [
        {"method": m, "in": d_in, "out": d_out, "tokens": tokens, "median_ms": statistics.median(t),
         "min_ms": min(t), "max_ms": max(t), "runs": len(t)}
        for m, t in zip(methods, times)
    ]


def parse_shape(text):
    parts = text.lower().split("x")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"shape '{text}' is not INxOUTxTOKENS")
    return tuple(int(p) for p in parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads on the CPU (0: leave)")
    ap.add_argument("--shapes", required=True, help="comma-separated INxOUTxTOKENS")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args()
    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        ap.error(f"unknown methods {unknown}; known: {METHODS}")
    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    clock = timer(args.device)
    results = []
    for d_in, d_out, tokens in (parse_shape(s) for s in args.shapes.split(",")):
        results += run_shape(d_in, d_out, tokens, methods, args.device, args.reps, args.warmup, clock)
    out = {"torch": torch.__version__, "device": args.device, "threads": torch.get_num_threads(), "blas": blas_in_use(), "results": results}
    if args.device == "cuda":
        out["gpu"] = torch.cuda.get_device_name(0)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
