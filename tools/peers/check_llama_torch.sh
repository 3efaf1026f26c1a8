#!/usr/bin/env bash
# Checks tools/peers/llama_torch.py against the tiny LLaMA reference cases (README.md of the folder):
#   - `logits` for every case (mha, gqa8x2) bare, with prolora/ and with peft_lora/, in float64 and
#     float32, against logits_*.safetensors (max |error| <= tol * max |expected| and, per element,
#     |error| <= tol * (1 + |expected|); tol 1e-4 in float64, 1e-3 in float32) and the printed loss
#     against expected_loss.json (|error| <= tol * |expected|);
#   - `grads` (no reference file exists): every adapter tensor present with its shape, the float64
#     gradients against central finite differences of the loss on a few entries of each tensor
#     (relative 1e-6), and the float32 gradients against the float64 ones (relative 1e-3).
# Runs through the CLI, as a user would. Exit 0 only if everything passes.
#
#   tools/peers/check_llama_torch.sh [GOLDEN_DIR]     (default: the repository's copy, tests/PRoLoRA.Native.Tests/Golden/llama)
#   PYTHON=/usr/bin/python3 by default (Debian's python3-torch)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
golden="${1:-$here/../../tests/PRoLoRA.Native.Tests/Golden/llama}"
python="${PYTHON:-/usr/bin/python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

exec "$python" - "$here" "$golden" "$work" <<'EOF'
import json, os, subprocess, sys
import torch
here, golden, work = sys.argv[1:4]
sys.path.insert(0, here)
sys.dont_write_bytecode = True  # no __pycache__ left in the tree
import llama_torch as L

script = os.path.join(here, "llama_torch.py")
expected_loss = json.load(open(os.path.join(golden, "expected_loss.json")))
failures = 0


def cli(*args):
    done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"llama_torch.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def report(ok, line):
    global failures
    failures += not ok
    print(("ok   " if ok else "FAIL ") + line)


print("logits and loss (max_rel = max|err| / max|expected|, elem = max |err| / (1 + |expected|))")
for case in ("mha", "gqa8x2"):
    d = os.path.join(golden, case)
    for run in ("base", "prolora", "peft_lora"):
        for dtype, tol in (("float64", 1e-4), ("float32", 1e-3)):
            out = os.path.join(work, f"{case}_{run}_{dtype}.safetensors")
            args = ["logits", "--model", os.path.join(d, "model"), "--tokens", os.path.join(d, "tokens.json"), "--out", out, "--dtype", dtype]
            if run != "base":
                args += ["--adapter", os.path.join(d, run)]
            loss = cli(*args)["loss"]
            got = L.read_safetensors(out, torch.float64)["logits"]
            exp = L.read_safetensors(os.path.join(d, f"logits_{run}.safetensors"), torch.float64)["logits"]
            if got.shape != exp.shape:
                report(False, f"{case}/{run} {dtype}: logits {tuple(got.shape)}, expected {tuple(exp.shape)}")
                continue
            err = (got - exp).abs()
            rel, elem = (err.max() / exp.abs().max()).item(), (err / (1 + exp.abs())).max().item()
            want = expected_loss[f"{case}/{run}"]
            loss_rel = abs(loss - want) / abs(want)
            report(rel <= tol and elem <= tol and loss_rel <= tol,
                   f"{case:6} {run:9} {dtype}: logits {tuple(got.shape)} max_rel {rel:.2e} elem {elem:.2e}; "
                   f"loss {loss:.10f} expected {want:.10f} rel {loss_rel:.2e} (tol {tol:g})")

print("gradients (finite differences in float64, h = 1e-6; float32 against float64)")
for case in ("mha", "gqa8x2"):
    d = os.path.join(golden, case)
    model, tokens = os.path.join(d, "model"), os.path.join(d, "tokens.json")
    cfg, weights = L.load_config(model), L.load_weights(model, torch.float64)
    ids = L.read_tokens(tokens, cfg["vocab"])
    for run in ("prolora", "peft_lora"):
        adapter = os.path.join(d, run)
        grads = {}
        for dtype in ("float64", "float32"):
            out = os.path.join(work, f"{case}_{run}_{dtype}_grads.safetensors")
            cli("grads", "--model", model, "--adapter", adapter, "--tokens", tokens, "--out", out, "--dtype", dtype)
            grads[dtype] = L.read_safetensors(out, torch.float64)
        stored = L.read_safetensors(os.path.join(adapter, "adapter_model.safetensors"), torch.float64)
        names_ok = sorted(grads["float64"]) == sorted(stored) and all(grads["float64"][k].shape == stored[k].shape for k in stored)
        adapters = L.load_adapter(adapter, torch.float64)
        net = L.Llama(cfg, weights, adapters)
        gen = torch.Generator().manual_seed(0)
        worst = 0.0
        for module, a in adapters.items():
            for key, t in a.tensors().items():
                g = grads["float64"][L.PREFIX + module + "." + key]
                if t.numel() == 0:
                    continue
                scale = g.abs().max().item() + 1e-12
                for flat in torch.randint(0, t.numel(), (2,), generator=gen).tolist():
                    with torch.no_grad():
                        v = t.view(-1)[flat].item()
                        t.view(-1)[flat] = v + 1e-6
                        up = L.next_token_loss(net.forward(ids), ids).item()
                        t.view(-1)[flat] = v - 1e-6
                        down = L.next_token_loss(net.forward(ids), ids).item()
                        t.view(-1)[flat] = v
                    worst = max(worst, abs((up - down) / 2e-6 - g.view(-1)[flat].item()) / scale)
        f32 = max(((grads["float32"][k] - g).abs().max() / (g.abs().max() + 1e-12)).item() for k, g in grads["float64"].items())
        report(names_ok and worst <= 1e-6 and f32 <= 1e-3,
               f"{case:6} {run:9}: {len(grads['float64'])} tensors, names and shapes {'match' if names_ok else 'DIFFER'}; "
               f"finite differences max_rel {worst:.2e} (tol 1e-6); float32 vs float64 max_rel {f32:.2e} (tol 1e-3)")

print("all passed" if failures == 0 else f"{failures} failed")
sys.exit(1 if failures else 0)
EOF
