#!/usr/bin/env python3
"""PyTorch peer of a whole LLaMA-architecture model with PRoLoRA or LoRA adapters.

The Hugging Face LlamaForCausalLM math written out in plain torch (no transformers): RMSNorm with
its statistics in fp32 (or wider), RoPE in the rotate_half convention (inv_freq and the angles in
float32 as HF, or in float64 in a float64 run, as the reference logits were made; linear rope scaling
divides the positions), causal attention scaled by 1/sqrt(head_dim) with the softmax in
fp32 (or wider) and grouped-query kv heads repeated with repeat_interleave, the MLP
down(silu(gate(x)) * up(x)), residuals, the final norm, and lm_head or the tied embeddings.
An adapted linear is y = x W^T (+ b) + s (x A^T) B^T, with A and B built from the trainable tensors
on every call (PRoLoRA: roll/cat of the chunks as the official code does, docs/method.md), so
autograd gives the chunk/vec gradients. Adapter folders: this repository's compact PRoLoRA folder
(peft_type "PROLORA") or a PEFT LoRA folder (peft_type "LORA", rank_pattern/alpha_pattern).
Only torch, numpy and the standard library; safetensors are read and written by hand.

  llama_torch.py logits --model DIR [--adapter DIR] --tokens FILE.json --out FILE.safetensors
      writes "logits" (batch x seq x vocab, F32); prints {"loss": ...}, the mean next-token
      cross-entropy (logits[:, :-1] against ids[:, 1:])
  llama_torch.py grads --model DIR --adapter DIR --tokens FILE.json --out FILE.safetensors
      backward of that loss; writes the gradient of every adapter tensor (F32) under its
      adapter_model.safetensors name; prints {"loss": ...}
  llama_torch.py bench --model DIR (--adapter DIR | --random-adapter r,u,m,n) --batch B --seq T
                       [--threads N] [--reps R] [--warmup W] [--device cpu|cuda] [--serve]
  llama_torch.py bench --layer hidden,intermediate,heads,kv_heads,seq [--random-adapter r,u,m,n]
                       [--batch B] [--threads N] [--reps R] [--warmup W] [--device cpu|cuda]
      times training steps (forward, loss, backward; adapters trainable, base frozen; the --layer
      mode: ONE random decoder layer, PRoLoRA r=8,u=1,m=n=7 unless given on its seven linears,
      forward and backward of a random output gradient, dx included) and prints {"torch",
      "device", "threads", "tokens_per_second", "median_ms", "min_ms", "max_ms", ...}
      (a LLaMA-2-7B-shaped layer: --layer 4096,11008,32,32,512)
      --serve: after the warm-up prints {"ready": true, ...}, then times one step for each line
      "step" read from stdin and prints {"ms": ...}; "quit" or the end of stdin ends it (so a caller
      can interleave these steps with its own: tools/PRoLoRA.Bench's model group)
  llama_torch.py decode --model DIR [--random-adapter r,u,m,n] --adapters K --batch B --prompt P --max-steps S
                        [--merged] [--threads N] [--reps R] [--warmup W] [--device cpu|cuda] [--serve]
      multi-adapter serving, the PEFT way (PEFT's mixed batch with adapter_names; vLLM/Punica): K random
      PRoLoRA adapters (default r,u,m,n 8,1,7,7) on the seven linears of every layer, each materialised
      ONCE as dense A (r x in) and B (out x r); row b of the batch uses adapter b % K, and every linear is
      the base GEMM on all B rows plus, per adapter, s (x_g A^T) B^T on its rows (index_select, two
      matmuls, index_add). --merged: one adapter merged into the weights (W + s B A), no per-row work.
      A KV cache per layer (B x kv_heads x (P + S) x head_dim, preallocated); a random prompt (B x P) is
      prefilled, then one step = one greedy token of every row (argmax of its logits); when the cache is
      full the positions restart at P, untimed. No grad (inference_mode). Prints {"torch", "device",
      "threads", "dtype", "batch", "adapters" (1 when merged), "merged", "prompt", "max_steps",
      "adapter", "adapter_bytes_dense" (all K dense A and B; 0 when merged), "tokens" (= B),
      "tokens_per_second", "median_ms", "min_ms", "max_ms", "runs"} (W: 2 untimed steps unless given);
      --serve as for bench: {"ready": true, ...those fields but the timings}, then {"ms": ...} per "step"

--tokens FILE.json is {"input_ids": [[...], ...]} (equal lengths). --dtype float64 computes in
float64 (default float32). tools/peers/check_llama_torch.sh checks it on the golden checkpoints (tests/PRoLoRA.Native.Tests/Golden/llama).
"""
import argparse
import json
import math
import os
import re
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from peer_blas import blas_in_use

PREFIX = "base_model.model."
TARGETS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
NP_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16}


# ---------------------------------------------------------------- safetensors, by hand

def read_safetensors(path, dtype=torch.float32):
    """name -> tensor (float32, or float64 when dtype is) of one .safetensors file: F64, F32, F16 or BF16."""
    blob = np.memmap(path, dtype=np.uint8, mode="r")  # mapped, not read whole: checkpoints are large
    if len(blob) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (size,) = struct.unpack("<Q", blob[:8].tobytes())
    if size > len(blob) - 8:
        raise ValueError(f"{path}: header of {size} bytes runs past the end of the file")
    header = json.loads(blob[8:8 + size].tobytes())
    data = blob[8 + size:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        shape, kind = info["shape"], info["dtype"]
        count = math.prod(shape)
        if not 0 <= begin <= end <= len(data):
            raise ValueError(f"{path}: tensor '{name}' lies outside the file")
        if kind == "BF16":  # the upper 16 bits of a float32
            bits = data[begin:end].view("<u2").astype(np.uint32) << 16
            values = bits.view(np.float32)
        elif kind in NP_DTYPES:
            values = data[begin:end].view(np.dtype(NP_DTYPES[kind]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor '{name}' has dtype {kind}; F64, F32, F16 and BF16 are read")
        if values.size != count:
            raise ValueError(f"{path}: tensor '{name}' holds {values.size} values, its shape {shape} needs {count}")
        out[name] = torch.from_numpy(values.astype(np.float64 if dtype == torch.float64 else np.float32)).reshape(shape)
    return out


def write_safetensors(path, tensors):
    """Writes name -> tensor as F32, names sorted, header padded to 8 bytes."""
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        raw = tensors[name].detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


# ---------------------------------------------------------------- config and weights

def load_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    heads = c["num_attention_heads"]
    cfg = {
        "hidden": c["hidden_size"], "intermediate": c["intermediate_size"], "layers": c["num_hidden_layers"],
        "heads": heads, "kv_heads": c.get("num_key_value_heads") or heads,
        "head_dim": c.get("head_dim") or c["hidden_size"] // heads, "eps": c.get("rms_norm_eps", 1e-6),
        "theta": c.get("rope_theta", 10000.0), "rope_scale": 1.0, "vocab": c["vocab_size"],
        "tied": c.get("tie_word_embeddings", False),
        "attention_bias": c.get("attention_bias", False), "mlp_bias": c.get("mlp_bias", False),
    }
    scaling = c.get("rope_scaling") or c.get("rope_parameters")
    if scaling:
        cfg["theta"] = scaling.get("rope_theta", cfg["theta"])
        kind = scaling.get("rope_type", scaling.get("type", "default"))
        if kind == "linear":
            cfg["rope_scale"] = float(scaling["factor"])
        elif kind != "default":
            raise ValueError(f"{model_dir}/config.json: rope scaling '{kind}' is not supported (only linear)")
    if cfg["heads"] % cfg["kv_heads"] or cfg["head_dim"] % 2:
        raise ValueError(f"{model_dir}/config.json: kv heads must divide heads and head_dim must be even")
    return cfg


def load_weights(model_dir, dtype):
    """Parameter name -> frozen tensor, from model.safetensors or a sharded model.safetensors.index.json."""
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if not os.path.exists(index):
        return read_safetensors(os.path.join(model_dir, "model.safetensors"), dtype)
    with open(index) as f:
        shards = sorted(set(json.load(f)["weight_map"].values()))
    weights = {}
    for shard in shards:
        if os.path.basename(shard) != shard:
            raise ValueError(f"{index}: shard '{shard}' is not a file name inside the folder")
        weights.update(read_safetensors(os.path.join(model_dir, shard), dtype))
    return weights


# ---------------------------------------------------------------- adapters

class ProLoRA:
    """PRoLoRA's four trainable tensors; A and B are materialised on every call (docs/method.md)."""

    def __init__(self, chunk_a, vec_a, chunk_b, vec_b, d_in, d_out, m, n, shift_a, shift_b, scaling):
        self.chunk_a, self.vec_a, self.chunk_b, self.vec_b = chunk_a, vec_a, chunk_b, vec_b
        self.d_in, self.d_out, self.m, self.n = d_in, d_out, m, n
        self.rs, self.shift_a, self.shift_b, self.scaling = chunk_a.shape[0], shift_a, shift_b, scaling

    def tensors(self):
        """adapter_model.safetensors suffix -> trainable tensor."""
        return {"lora_A.weight": self.chunk_a, "lora_A_vec": self.vec_a, "lora_B.weight": self.chunk_b, "lora_B_vec": self.vec_b}

    def full_a(self):
        """A (r x in): rolled copies of chunk_a along in, the last one cut, then vec_a's rows."""
        if self.rs == 0:
            return self.vec_a
        copies = [torch.roll(self.chunk_a, shifts=-k * self.shift_a, dims=0) for k in range(self.m)]
        return torch.cat([torch.cat(copies, dim=1)[:, : self.d_in], self.vec_a], dim=0)

    def full_b(self):
        """B (out x r): rolled copies of chunk_b along out, the last one cut, then vec_b as columns."""
        if self.rs == 0:
            return self.vec_b.t()
        copies = [torch.roll(self.chunk_b, shifts=-k * self.shift_b, dims=1) for k in range(self.n)]
        return torch.cat([torch.cat(copies, dim=0)[: self.d_out, :], self.vec_b.t()], dim=1)


class LoRA:
    """A PEFT LoRA module: A (r x in) and B (out x r) are the trainable tensors."""

    def __init__(self, a, b, scaling):
        self.a, self.b, self.scaling = a, b, scaling

    def tensors(self):
        return {"lora_A.weight": self.a, "lora_B.weight": self.b}

    def full_a(self):
        return self.a

    def full_b(self):
        return self.b


def scaling(alpha, r, rslora):
    return alpha / math.sqrt(r) if rslora else alpha / r


def load_adapter(adapter_dir, dtype, device="cpu"):
    """module path -> ProLoRA or LoRA, from a compact PRoLoRA folder or a PEFT LoRA folder."""
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        c = json.load(f)
    weights = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), dtype)
    get = lambda module, key: weights[PREFIX + module + "." + key].to(device).requires_grad_(True)
    adapters = {}
    if c.get("peft_type") == "PROLORA":
        for module, entry in c["modules"].items():
            f = lambda key, default=None: entry.get(key, c.get(key, default))
            d_in, d_out, r, u, m, n = entry["in_features"], entry["out_features"], f("r"), f("unshared_r"), f("reduce_lora_A_x"), f("reduce_lora_B_x")
            rs = r - u
            rot = f("enable_lora_rotation")
            shift_a = (f("lora_A_shift_size") if f("lora_A_shift_size") is not None else max(rs // m, 1)) if rot else 0
            shift_b = (f("lora_B_shift_size") if f("lora_B_shift_size") is not None else max(rs // n, 1)) if rot else 0
            a = ProLoRA(get(module, "lora_A.weight"), get(module, "lora_A_vec"), get(module, "lora_B.weight"), get(module, "lora_B_vec"),
                        d_in, d_out, m, n, shift_a, shift_b, scaling(f("lora_alpha"), r, f("use_rslora", False)))
            expected = {"lora_A.weight": (rs, math.ceil(d_in / m)), "lora_A_vec": (u, d_in), "lora_B.weight": (math.ceil(d_out / n), rs), "lora_B_vec": (u, d_out)}
            for key, t in a.tensors().items():
                if tuple(t.shape) != expected[key]:
                    raise ValueError(f"{adapter_dir}: {module}.{key} has shape {tuple(t.shape)}, the config makes it {expected[key]}")
            adapters[module] = a
    elif c.get("peft_type") == "LORA":
        if c.get("use_dora") or c.get("fan_in_fan_out"):
            raise ValueError(f"{adapter_dir}: DoRA and fan_in_fan_out are not supported")

        def pattern(field, module, default):  # PEFT: the first key that matches the end of the path
            for key, value in (c.get(field) or {}).items():
                if re.fullmatch(rf"(.*\.)?({key})", module):
                    return value
            return default

        for name in sorted(weights):
            if name.endswith(".lora_A.weight"):
                module = name[len(PREFIX): -len(".lora_A.weight")]
                r = pattern("rank_pattern", module, c["r"])
                alpha = pattern("alpha_pattern", module, c.get("lora_alpha", 8))
                adapters[module] = LoRA(get(module, "lora_A.weight"), get(module, "lora_B.weight"), scaling(alpha, r, c.get("use_rslora", False)))
                if adapters[module].a.shape[0] != r or adapters[module].b.shape[1] != r:
                    raise ValueError(f"{adapter_dir}: {module} is not of rank {r}")
    else:
        raise ValueError(f"{adapter_dir}: peft_type {c.get('peft_type')!r} is neither PROLORA nor LORA")
    return adapters


def random_prolora(d_in, d_out, r, u, m, n, dtype, device, gen, alpha=16.0):
    """A PRoLoRA module with random chunks (B not zero, so its products do real work)."""
    rs = r - u
    bound = 1.0 / math.sqrt(d_in)
    t = lambda rows, cols, s: ((torch.rand(rows, cols, generator=gen, dtype=torch.float64) * 2 - 1) * s).to(device, dtype).requires_grad_(True)
    return ProLoRA(t(rs, math.ceil(d_in / m), bound), t(u, d_in, bound), t(math.ceil(d_out / n), rs, 0.01), t(u, d_out, 0.01),
                   d_in, d_out, m, n, max(rs // m, 1), max(rs // n, 1), alpha / r)


# ---------------------------------------------------------------- the model

class Llama:
    def __init__(self, cfg, weights, adapters=None):
        self.cfg, self.w, self.adapters = cfg, weights, adapters or {}

    def linear(self, name, x):
        y = x @ self.w[name + ".weight"].t()
        if name + ".bias" in self.w:
            y = y + self.w[name + ".bias"]
        a = self.adapters.get(name)
        if a is not None:
            y = y + ((x @ a.full_a().t()) @ a.full_b().t()) * a.scaling
        return y

    def norm(self, name, x):
        wide = torch.promote_types(x.dtype, torch.float32)
        h = x.to(wide)
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.cfg["eps"])
        return self.w[name + ".weight"] * h.to(x.dtype)

    def rope(self, seq, dtype, device):
        """cos and sin (seq x head_dim) of the angles pos / factor / theta^(2i/d), in float32 (as HF)
        or, for a float64 run, in float64 (the reference logits' angles are float64)."""
        d, wide = self.cfg["head_dim"], torch.promote_types(dtype, torch.float32)
        inv_freq = 1.0 / (self.cfg["theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).to(wide) / d))
        pos = torch.arange(seq, dtype=wide) / self.cfg["rope_scale"]
        freqs = pos[:, None] * inv_freq[None, :]
        emb = torch.cat([freqs, freqs], dim=-1)
        return emb.cos().to(device, dtype), emb.sin().to(device, dtype)

    @staticmethod
    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat([-x[..., half:], x[..., :half]], dim=-1)

    def qkv(self, p, x, cos, sin):
        """q (b x heads x t x head_dim) and k, v (b x kv_heads x t x head_dim) of x (b x t x hidden),
        q and k rotated by cos and sin (t x head_dim)."""
        c = self.cfg
        b, t, _ = x.shape
        hd, nh, nkv = c["head_dim"], c["heads"], c["kv_heads"]
        q = self.linear(p + "q_proj", x).view(b, t, nh, hd).transpose(1, 2)
        k = self.linear(p + "k_proj", x).view(b, t, nkv, hd).transpose(1, 2)
        v = self.linear(p + "v_proj", x).view(b, t, nkv, hd).transpose(1, 2)
        q = q * cos + self.rotate_half(q) * sin
        k = k * cos + self.rotate_half(k) * sin
        return q, k, v

    def attend(self, p, q, k, v, mask):
        """o_proj of softmax(q k^T / sqrt(head_dim)) v, the kv heads repeated, mask (t x keys, True: hidden) or None."""
        c = self.cfg
        b, nh, t, hd = q.shape
        k = k.repeat_interleave(nh // c["kv_heads"], dim=1)
        v = v.repeat_interleave(nh // c["kv_heads"], dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        probs = torch.softmax(scores.to(torch.promote_types(q.dtype, torch.float32)), dim=-1).to(q.dtype)
        out = (probs @ v).transpose(1, 2).reshape(b, t, nh * hd)
        return self.linear(p + "o_proj", out)

    def attention(self, p, x, cos, sin):
        q, k, v = self.qkv(p, x, cos, sin)
        t = x.shape[1]
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        return self.attend(p, q, k, v, mask)

    def mlp(self, p, x):
        return self.linear(p + "down_proj", F.silu(self.linear(p + "gate_proj", x)) * self.linear(p + "up_proj", x))

    def layer(self, i, h, cos, sin):
        p = f"model.layers.{i}."
        h = h + self.attention(p + "self_attn.", self.norm(p + "input_layernorm", h), cos, sin)
        return h + self.mlp(p + "mlp.", self.norm(p + "post_attention_layernorm", h))

    def forward(self, ids):
        emb = self.w["model.embed_tokens.weight"]
        h = emb[ids]
        cos, sin = self.rope(ids.shape[1], emb.dtype, emb.device)
        for i in range(self.cfg["layers"]):
            h = self.layer(i, h, cos, sin)
        return self.logits(h)

    def logits(self, h):
        """The final norm and the head (lm_head or the tied embeddings) of hidden states h."""
        h = self.norm("model.norm", h)
        head = self.w["model.embed_tokens.weight"] if self.cfg["tied"] else self.w["lm_head.weight"]
        return h @ head.t()


class Decoder(Llama):
    """Decoding with a KV cache for a batch whose rows use different adapters, the PEFT way (PEFT's
    mixed-batch inference with adapter_names; vLLM/Punica's grouping): every adapter is held as dense
    LoRA A (r x in) and B (out x r), materialised once; a linear is the base GEMM on all rows, then for
    each adapter group its rows index_select-ed, s (x_g A^T) B^T, index_add-ed back. dense: module ->
    [(A, B, scaling) per adapter] (empty: plain base, e.g. merged weights); groups: [(adapter, rows)].
    The cache: per layer k and v of batch x kv_heads x capacity x head_dim, preallocated; every row
    is at the same position (one prompt length)."""

    def __init__(self, cfg, weights, dense, groups, batch, capacity):
        super().__init__(cfg, weights)
        self.dense, self.groups, self.start = dense, groups, 0
        emb = weights["model.embed_tokens.weight"]
        self.cos, self.sin = self.rope(capacity, emb.dtype, emb.device)
        shape = (batch, cfg["kv_heads"], capacity, cfg["head_dim"])
        self.cache = {f"model.layers.{i}.self_attn.": (torch.zeros(shape, dtype=emb.dtype, device=emb.device),
                                                        torch.zeros(shape, dtype=emb.dtype, device=emb.device))
                      for i in range(cfg["layers"])}

    def linear(self, name, x):
        y = super().linear(name, x)  # the base (self.adapters is empty)
        per = self.dense.get(name)
        if per:
            for k, rows in self.groups:
                a, b, s = per[k]
                y.index_add_(0, rows, ((x.index_select(0, rows) @ a.t()) @ b.t()) * s)
        return y

    def attention(self, p, x, cos, sin):
        """x's k and v written to the cache at self.start..; its queries attend to the cache up to them."""
        q, k, v = self.qkv(p, x, cos, sin)
        ck, cv = self.cache[p]
        t = x.shape[1]
        end = self.start + t
        ck[:, :, self.start:end] = k
        cv[:, :, self.start:end] = v
        mask = torch.ones(t, end, dtype=torch.bool, device=x.device).triu(self.start + 1) if t > 1 else None
        return self.attend(p, q, ck[:, :, :end], cv[:, :, :end], mask)

    def next_logits(self, ids, start):
        """Logits (batch x vocab) after the last of ids (batch x t), which stand at positions start..start+t-1
        (the cache holds the positions before start): the prefill (start 0) or one decode step (t = 1)."""
        self.start, t = start, ids.shape[1]
        h = self.w["model.embed_tokens.weight"][ids]
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]
        for i in range(self.cfg["layers"]):
            h = self.layer(i, h, cos, sin)
        return self.logits(h[:, -1])


def next_token_loss(logits, ids):
    """Mean cross-entropy of logits[:, :-1] against ids[:, 1:], in fp32 (or wider)."""
    flat = logits[:, :-1].reshape(-1, logits.shape[-1]).to(torch.promote_types(logits.dtype, torch.float32))
    return F.cross_entropy(flat, ids[:, 1:].reshape(-1))


# ---------------------------------------------------------------- commands

def read_tokens(path, vocab):
    with open(path) as f:
        rows = json.load(f)["input_ids"]
    if not rows or len({len(r) for r in rows}) != 1 or len(rows[0]) < 2:
        raise ValueError(f"{path}: input_ids must be rows of one length >= 2")
    ids = torch.tensor(rows, dtype=torch.int64)
    if ids.min() < 0 or ids.max() >= vocab:
        raise ValueError(f"{path}: token ids must lie in [0, {vocab})")
    return ids


def required_weights(cfg):
    names = ["model.embed_tokens.weight", "model.norm.weight"] + ([] if cfg["tied"] else ["lm_head.weight"])
    for i in range(cfg["layers"]):
        p = f"model.layers.{i}."
        names += [p + "input_layernorm.weight", p + "post_attention_layernorm.weight"] + [p + t + ".weight" for t in TARGETS]
        names += [p + t + ".bias" for t in TARGETS[:4] if cfg["attention_bias"]] + [p + t + ".bias" for t in TARGETS[4:] if cfg["mlp_bias"]]
    return names


def open_model(args, dtype, device="cpu"):
    cfg = load_config(args.model)
    weights = {k: v.to(device) for k, v in load_weights(args.model, dtype).items()}
    missing = [n for n in required_weights(cfg) if n not in weights]
    if missing:
        raise ValueError(f"{args.model}: the checkpoint lacks {len(missing)} tensors the config needs, first '{missing[0]}'")
    adapters = load_adapter(args.adapter, dtype, device) if args.adapter else {}
    for module, a in adapters.items():
        w = weights.get(module + ".weight")
        if w is None or w.dim() != 2:
            raise ValueError(f"{args.adapter}: module '{module}' is not a linear of the model")
        with torch.no_grad():
            d_in, d_out = a.full_a().shape[1], a.full_b().shape[0]
        if (d_out, d_in) != tuple(w.shape):
            raise ValueError(f"{args.adapter}: module '{module}' is {d_in} -> {d_out}, the model's linear {w.shape[1]} -> {w.shape[0]}")
    return cfg, weights, adapters


def cmd_logits(args, dtype):
    cfg, weights, adapters = open_model(args, dtype)
    ids = read_tokens(args.tokens, cfg["vocab"])
    with torch.no_grad():
        logits = Llama(cfg, weights, adapters).forward(ids)
        loss = next_token_loss(logits, ids)
    write_safetensors(args.out, {"logits": logits})
    return {"loss": loss.item()}


def cmd_grads(args, dtype):
    cfg, weights, adapters = open_model(args, dtype)
    if not adapters:
        raise ValueError("grads needs --adapter")
    ids = read_tokens(args.tokens, cfg["vocab"])
    loss = next_token_loss(Llama(cfg, weights, adapters).forward(ids), ids)
    loss.backward()
    grads = {PREFIX + m + "." + k: t.grad if t.grad is not None else torch.zeros_like(t)
             for m, a in adapters.items() for k, t in a.tensors().items()}
    write_safetensors(args.out, grads)
    return {"loss": loss.item()}


def timer(device):
    if device == "cuda":
        def time_cuda(call):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            call()
            torch.cuda.synchronize()
            return (time.perf_counter() - t0) * 1e3
        return time_cuda

    def time_cpu(call):
        t0 = time.perf_counter()
        call()
        return (time.perf_counter() - t0) * 1e3
    return time_cpu


def cmd_bench(args, dtype):
    device = args.device
    gen = torch.Generator().manual_seed(1)
    shape = [int(v) for v in args.random_adapter.split(",")] if args.random_adapter else [8, 1, 7, 7]
    info = {}
    if args.layer:
        hidden, inter, heads, kv_heads, seq = (int(v) for v in args.layer.split(","))
        cfg = {"hidden": hidden, "intermediate": inter, "layers": 1, "heads": heads, "kv_heads": kv_heads,
               "head_dim": hidden // heads, "eps": 1e-6, "theta": 10000.0, "rope_scale": 1.0}
        sizes = {"self_attn.q_proj": (hidden, heads * cfg["head_dim"]), "self_attn.k_proj": (hidden, kv_heads * cfg["head_dim"]),
                 "self_attn.v_proj": (hidden, kv_heads * cfg["head_dim"]), "self_attn.o_proj": (heads * cfg["head_dim"], hidden),
                 "mlp.gate_proj": (hidden, inter), "mlp.up_proj": (hidden, inter), "mlp.down_proj": (inter, hidden)}
        rand = lambda *s, scale: ((torch.rand(*s, generator=gen) * 2 - 1) * scale).to(device, dtype)
        weights = {f"model.layers.0.{k}.weight": rand(o, i, scale=1 / math.sqrt(i)) for k, (i, o) in sizes.items()}
        weights.update({f"model.layers.0.{k}.weight": torch.ones(hidden, device=device, dtype=dtype) for k in ("input_layernorm", "post_attention_layernorm")})
        adapters = {f"model.layers.0.{k}": random_prolora(i, o, *shape, dtype, device, gen) for k, (i, o) in sizes.items()}
        model = Llama(cfg, weights, adapters)
        x = rand(args.batch, seq, hidden, scale=1.0).requires_grad_(True)
        dy = rand(args.batch, seq, hidden, scale=1.0)
        cos, sin = model.rope(seq, dtype, device)
        leaves = [x] + [t for a in adapters.values() for t in a.tensors().values()]
        tokens = args.batch * seq
        info["layer"] = {"hidden": hidden, "intermediate": inter, "heads": heads, "kv_heads": kv_heads, "seq": seq, "batch": args.batch}

        def step():
            for t in leaves:
                t.grad = None
            model.layer(0, x, cos, sin).backward(dy)
    else:
        if not args.model:
            raise ValueError("bench needs --model (or --layer)")
        cfg, weights, adapters = open_model(args, dtype, device)
        if not args.adapter:
            adapters = {}
            for i in range(cfg["layers"]):
                for t in TARGETS:
                    w = weights[f"model.layers.{i}.{t}.weight"]
                    adapters[f"model.layers.{i}.{t}"] = random_prolora(w.shape[1], w.shape[0], *shape, dtype, device, gen)
        model = Llama(cfg, weights, adapters)
        ids = torch.randint(0, cfg["vocab"], (args.batch, args.seq), generator=gen).to(device)
        leaves = [t for a in adapters.values() for t in a.tensors().values()]
        tokens = args.batch * args.seq
        info["batch"], info["seq"] = args.batch, args.seq

        def step():
            for t in leaves:
                t.grad = None
            next_token_loss(model.forward(ids), ids).backward()
    clock = timer(device)
    for _ in range(1 if args.warmup is None else args.warmup):
        clock(step)
    if args.serve:
        return serve(step, clock, {"torch": torch.__version__, "device": device, "threads": torch.get_num_threads(), "blas": blas_in_use(), "tokens": tokens, **info})
    times = [clock(step) for _ in range(args.reps)]
    median = statistics.median(times)
    out = {"torch": torch.__version__, "device": device, "threads": torch.get_num_threads(), "dtype": str(dtype).removeprefix("torch."),
           "adapter": args.adapter or "prolora r,u,m,n=" + ",".join(map(str, shape)),
           "trainable": sum(t.numel() for a in adapters.values() for t in a.tensors().values()), "tokens": tokens,
           "tokens_per_second": tokens / (median / 1e3), "median_ms": median, "min_ms": min(times), "max_ms": max(times), "runs": len(times)}
    out.update(info)
    if device == "cuda":
        out["gpu"] = torch.cuda.get_device_name(0)
    return out


def parse_prolora_shape(text):
    """r,u,m,n of --random-adapter: r >= 1 ranks, 0 <= u <= r of them unshared, m, n >= 1 chunks."""
    try:
        r, u, m, n = (int(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--random-adapter {text!r}: expected r,u,m,n (four integers)") from None
    if r < 1 or not 0 <= u <= r or m < 1 or n < 1:
        raise ValueError(f"--random-adapter {text!r}: needs r >= 1, 0 <= u <= r, m >= 1 and n >= 1")
    return [r, u, m, n]


def cmd_decode(args, dtype):
    """Multi-adapter serving: B rows, row b with adapter b % K (dense A and B, grouped; see Decoder), or
    --merged: one adapter merged into the weights. Prefill of a random prompt, then one step = one token
    of every row."""
    device, batch, prompt = args.device, args.batch, args.prompt
    shape = parse_prolora_shape(args.random_adapter or "8,1,7,7")
    count = 1 if args.merged else args.adapters
    if args.adapter:
        raise ValueError("decode builds random adapters (--random-adapter); --adapter is not used")
    if count < 1 or batch < 1 or prompt < 1 or args.max_steps is None or args.max_steps < 1:
        raise ValueError("decode needs --adapters >= 1, --batch >= 1, --prompt >= 1 and --max-steps >= 1")
    if not args.model:
        raise ValueError("decode needs --model")
    capacity = prompt + args.max_steps
    cfg, weights, _ = open_model(args, dtype, device)
    gen = torch.Generator().manual_seed(1)
    dense = {}  # module -> [(A, B, scaling)]: materialised once, what PEFT keeps
    with torch.no_grad():
        for _ in range(count):
            for i in range(cfg["layers"]):
                for t in TARGETS:
                    w = weights[f"model.layers.{i}.{t}.weight"]
                    a = random_prolora(w.shape[1], w.shape[0], *shape, dtype, device, gen)
                    dense.setdefault(f"model.layers.{i}.{t}", []).append((a.full_a().detach().contiguous(), a.full_b().detach().contiguous(), a.scaling))
    dense_bytes = sum(a.numel() * a.element_size() + b.numel() * b.element_size() for per in dense.values() for a, b, _ in per)
    if args.merged:  # W + s B A, no per-row adapter work
        weights = dict(weights)
        for module, [(a, b, s)] in dense.items():
            weights[module + ".weight"] = weights[module + ".weight"] + s * (b @ a)
        dense, groups, dense_bytes = {}, [], 0
    else:
        groups = [(k, torch.arange(k, batch, count, device=device)) for k in range(min(count, batch))]
    ids = torch.randint(0, cfg["vocab"], (batch, prompt), generator=gen).to(device)
    with torch.inference_mode():
        model = Decoder(cfg, weights, dense, groups, batch, capacity)
        state = {"pos": prompt, "tokens": model.next_logits(ids, 0).argmax(-1)}

        def step():
            state["tokens"] = model.next_logits(state["tokens"][:, None], state["pos"]).argmax(-1)
            state["pos"] += 1

        timed = timer(device)

        def clock(call):
            if state["pos"] == capacity:  # the cache is full: decode on from the prompt's end (untimed)
                state["pos"] = prompt
            return timed(call)

        for _ in range(2 if args.warmup is None else args.warmup):
            clock(step)
        info = {"torch": torch.__version__, "device": device, "threads": torch.get_num_threads(), "blas": blas_in_use(),
                "dtype": str(dtype).replace("torch.", ""), "batch": batch, "adapters": count, "merged": args.merged,
                "prompt": prompt, "max_steps": args.max_steps, "adapter": "prolora r,u,m,n=" + ",".join(map(str, shape)),
                "adapter_bytes_dense": dense_bytes, "tokens": batch}
        if device == "cuda":
            info["gpu"] = torch.cuda.get_device_name(0)
        if args.serve:
            return serve(step, clock, info)
        times = [clock(step) for _ in range(args.reps)]
    median = statistics.median(times)
    return {**info, "tokens_per_second": batch / (median / 1e3), "median_ms": median, "min_ms": min(times),
            "max_ms": max(times), "runs": len(times)}


def serve(step, clock, info):
    """--serve: after the warm-up, one line {"ready": true, ...} on stdout; then, for each line "step" on stdin,
    one timed step and a line {"ms": ...}; "quit" or the end of stdin ends it. The caller interleaves these
    steps with its own, so both meet the same machine (the benchmark's model group)."""
    print(json.dumps({"ready": True, **info}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command != "step":
            print(json.dumps({"error": f"unknown command {command!r}; use step or quit"}), flush=True)
            continue
        print(json.dumps({"ms": clock(step)}), flush=True)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["logits", "grads", "bench", "decode"])
    ap.add_argument("--model")
    ap.add_argument("--adapter")
    ap.add_argument("--tokens")
    ap.add_argument("--out")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--random-adapter", help="r,u,m,n of random PRoLoRA adapters on the seven linears (bench)")
    ap.add_argument("--layer", help="hidden,intermediate,heads,kv_heads,seq: bench one random decoder layer")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads on the CPU (0: leave)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, help="untimed steps first (bench: 1, decode: 2)")
    ap.add_argument("--adapters", type=int, default=1, help="decode: K random adapters, row b uses adapter b %% K")
    ap.add_argument("--prompt", type=int, default=16, help="decode: prompt length P")
    ap.add_argument("--max-steps", type=int, help="decode: S, cache capacity P + S (then it restarts at P)")
    ap.add_argument("--merged", action="store_true", help="decode: one adapter merged into the weights")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--serve", action="store_true", help="bench, decode: time one step per 'step' line on stdin (see serve)")
    args = ap.parse_args()
    if args.command in ("logits", "grads"):
        missing = [o for o in ("model", "tokens", "out") if getattr(args, o) is None] + (["adapter"] if args.command == "grads" and not args.adapter else [])
        if missing:
            ap.error(f"{args.command} needs " + ", ".join("--" + m for m in missing))
    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    run = {"logits": cmd_logits, "grads": cmd_grads, "bench": cmd_bench, "decode": cmd_decode}[args.command]
    try:
        out = run(args, dtype)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if out is not None:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
