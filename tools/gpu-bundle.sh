#!/usr/bin/env bash
# Builds the GPU bundle: a self-contained linux-x64 folder (no .NET SDK or network needed on the
# target) with the GPU tests as an executable, the `prolora` CLI, the benchmarks when
# tools/PRoLoRA.Bench exists, the official golden vectors and run-gpu.sh, packed as one tar.xz.
#
#   tools/gpu-bundle.sh [OUTPUT_DIR]        (default: artifacts/gpu-bundle)
#
# On the GPU machine:  tar xf prolora-gpu-bundle.tar.xz && prolora-gpu-bundle/run-gpu.sh
# Results go to $OUT if set, else ./gpu-results.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/artifacts/gpu-bundle}" && cd "${1:-$root/artifacts/gpu-bundle}" && pwd)
name=prolora-gpu-bundle
stage=$out/$name
archive=$out/$name.tar.xz
max_bytes=$((60 * 1024 * 1024))
golden=${PROLORA_GOLDEN:-$root/tests/PRoLoRA.Native.Tests/Golden/prolora_official.json}

rm -rf "$stage" "$archive"
mkdir -p "$stage/bin"

publish() {
  echo "== publishing $1"
  dotnet publish "$root/$1" -c Release -r linux-x64 --self-contained -o "$stage/bin" -p:DebugType=none -p:GenerateDocumentationFile=false -nologo -v quiet
}
# All apps share one folder (and one copy of the runtime): they target the same runtime version.
publish tests/PRoLoRA.Native.GpuTests/PRoLoRA.Native.GpuTests.csproj
publish tools/PRoLoRA.Cli/PRoLoRA.Cli.csproj
if [ -d "$root/tools/PRoLoRA.Bench" ]; then
  publish tools/PRoLoRA.Bench
  mkdir -p "$stage/peers" && cp "$root"/tools/peers/*.py "$stage/peers/"   # the PyTorch peers (layer and LLaMA), found as bin/../peers
else
  echo "== tools/PRoLoRA.Bench does not exist yet: the bundle has no benchmarks"
fi
rm -rf "$stage"/bin/{cs,de,es,fr,it,ja,ko,pl,pt-BR,ru,tr,zh-Hans,zh-Hant}

if [ -f "$golden" ]; then
  cp "$golden" "$stage/golden.json"
else
  echo "warning: no golden vectors at $golden (set PROLORA_GOLDEN); run-gpu.sh will report verify-golden as failed" >&2
fi
git -C "$root" log -1 --format='%H %s' > "$stage/COMMIT" 2>/dev/null || echo unknown > "$stage/COMMIT"

cat > "$stage/run-gpu.sh" <<'RUN'
#!/usr/bin/env bash
# Runs every GPU check of PRoLoRA.Native on this machine and writes all results into one folder:
# $OUT if set, else ./gpu-results. Needs an NVIDIA driver and CUDA 13 (or 12/11.2+) NVRTC and cuBLAS,
# found in /usr/local/cuda/lib64, /usr/local/cuda-X.Y/lib64, pip's nvidia/*/lib folders, the system
# loader's path, or the folders of PROLORA_CUDA_LIBRARY_PATH. Exit 0 only when every step passed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
results=${OUT:-$PWD/gpu-results}
mkdir -p "$results"
results=$(cd "$results" && pwd)
export PROLORA_REQUIRE_GPU=1                  # a missing GPU fails the tests instead of skipping them
export PROLORA_KERNEL_CACHE=${PROLORA_KERNEL_CACHE:-$here/kernel-cache}
export PROLORA_RESULTS=$results               # for the benchmarks
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 TESTINGPLATFORM_TELEMETRY_OPTOUT=1
summary=$results/summary.txt
: > "$summary"
status=0

step() {  # step NAME COMMAND...: output to NAME.log, one line per step in summary.txt; its exit code in $last_rc
  local name=$1; shift
  local start=$SECONDS
  echo "== $name: $*"
  "$@" > "$results/$name.log" 2>&1
  last_rc=$?
  echo "$name: exit $last_rc ($((SECONDS - start)) s)" | tee -a "$summary"
  tail -n 15 "$results/$name.log"
  [ "$last_rc" -eq 0 ] || status=1
}

failed_tests() {  # failed_tests TRX: a --filter value matching every test that failed (Class.Method, parameters left off), or nothing
  [ -f "$1" ] || return 0
  awk '
    function attr(line, name) { return match(line, " " name "=\"[^\"]*\"") ? substr(line, RSTART + length(name) + 3, RLENGTH - length(name) - 4) : "" }
    /<UnitTestResult / && attr($0, "outcome") == "Failed" { failed[attr($0, "testId")] = 1 }
    /<UnitTest / { id = attr($0, "id") }
    /<TestMethod / && (id in failed) { name = attr($0, "name"); sub(/\(.*/, "", name); tests[attr($0, "className") "." name] = 1 }
    END { sep = ""; for (t in tests) { printf "%sFullyQualifiedName~%s", sep, t; sep = "|" } }
  ' "$1"
}

blocking() {  # blocking COMMAND...: COMMAND with every kernel launch synchronous
  CUDA_LAUNCH_BLOCKING=1 "$@"
}

have_libssl() {  # .NET's cryptography loads OpenSSL's libssl (.so.3, .so.1.1, ...) from the loader's path
  local dir path=${LD_LIBRARY_PATH:-}
  for dir in ${path//:/ } /lib64 /usr/lib64 /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /usr/local/lib; do
    compgen -G "$dir/libssl.so.*" > /dev/null && return 0
  done
  { ldconfig -p || /sbin/ldconfig -p; } 2> /dev/null | grep -q 'libssl\.so\.'
}

gpu_tests() {  # gpu_tests TRX_NAME [ARGS...]: the NUnit GPU tests, TRX report into the results folder (where libssl is)
  local trx=$1; shift
  local report=(--report-trx --report-trx-filename "$trx")
  [ "$libssl" = yes ] || report=()
  "$here/bin/PRoLoRA.Native.GpuTests" --results-directory "$results" ${report[@]+"${report[@]}"} \
    --output Detailed --no-ansi --no-progress "$@"
}

cli_checks() {  # the CLI on the GPU: a short main job trains; greedy generate equals the CPU's; serve answers that text
  local p="$here/bin/prolora" base="$here/bin/Data/llama-base" work="$results/cli" adapter rc=0
  mkdir -p "$work"
  "$p" train --device cuda --steps 60 --out "$work/train" || { echo "train --device cuda failed"; return 1; }
  adapter="$work/train/prolora/date"
  generated() {  # generated DEVICE [ADAPTER]: greedy continuation of the prompt
    "$p" generate --model "$base" ${2:+--adapter "$2"} --prompt "Convert 2021-03-04 to words:" --max-new-tokens 24 --device "$1"
  }
  local base_cpu base_gpu tuned_cpu tuned_gpu lora_cpu
  base_cpu=$(generated cpu) && base_gpu=$(generated cuda) && tuned_cpu=$(generated cpu "$adapter") && tuned_gpu=$(generated cuda "$adapter") &&
    lora_cpu=$(generated cpu "$work/train/lora/date") || return 1
  printf 'generate base  cpu [%s] cuda [%s]\ngenerate tuned cpu [%s] cuda [%s]\n' "$base_cpu" "$base_gpu" "$tuned_cpu" "$tuned_gpu"
  [ "$base_cpu" = "$base_gpu" ] && [ "$tuned_cpu" = "$tuned_gpu" ] || { echo "greedy generate differs between cpu and cuda"; rc=1; }
  # One adapter on the GPU at a time (--max-loras 1): the two are swapped in from host memory in turn.
  # SIGTERM, not SIGINT, stops it: a non-interactive shell starts background jobs with SIGINT ignored.
  "$p" serve --device cuda --adapter "date=$adapter" --adapter "lora=$work/train/lora/date" --max-loras 1 --port 18437 > "$work/serve.log" 2>&1 &
  local server=$! served
  served=$(python3 - <<'PY'
import json, time, urllib.request
url = "http://127.0.0.1:18437"
for _ in range(150):
    try:
        urllib.request.urlopen(url + "/health", timeout=1); break
    except Exception:
        time.sleep(0.2)
base = json.load(urllib.request.urlopen(url + "/v1/models", timeout=10))["data"][0]["id"]
for model in (base, "date", "lora", "date"):
    body = json.dumps({"model": model, "prompt": "Convert 2021-03-04 to words:", "max_tokens": 24, "temperature": 0}).encode()
    req = urllib.request.Request(url + "/v1/completions", body, {"Content-Type": "application/json"})
    print(json.load(urllib.request.urlopen(req, timeout=60))["choices"][0]["text"].replace("\n", " ") + "|")
PY
  ) || rc=1
  kill -TERM $server; timeout 60 tail --pid=$server -f /dev/null || kill -KILL $server; wait $server; local served_rc=$?
  echo "serve cuda: [$served] (server exit $served_rc)"
  tail -n 3 "$work/serve.log"
  local expected
  expected=$(printf '%s|\n%s|\n%s|\n%s|' "${base_cpu//$'\n'/ }" "${tuned_cpu//$'\n'/ }" "${lora_cpu//$'\n'/ }" "${tuned_cpu//$'\n'/ }")
  [ "$served_rc" -eq 0 ] && [ "$served" = "$expected" ] || { echo "serve --device cuda differs from generate or did not exit 0"; rc=1; }
  return $rc
}

{ cat "$here/COMMIT"; date -u; uname -a; } > "$results/environment.txt"
# The kernel cache hashes without OpenSSL, but the test runner's TRX report uses .NET's cryptography, which
# needs libssl: without it the GPU tests run with no TRX (and a failure reruns all of them).
if have_libssl; then libssl=yes; else libssl=no; fi
echo "libssl: $libssl" | tee -a "$results/environment.txt"
[ "$libssl" = yes ] || echo "warning: no libssl here: the GPU tests run without gpu-tests.trx (install libssl3 for it)" >&2
command -v nvidia-smi >/dev/null && nvidia-smi > "$results/nvidia-smi.txt" 2>&1

step doctor "$here/bin/prolora" doctor
rm -f "$results/gpu-tests.trx" "$results/gpu-tests-rerun.trx"   # a rerun reads this run's TRX, never an older one
# A crashed kernel ends CUDA for the rest of its process: those tests (category PoisonsCuda) run last, alone.
step gpu-tests gpu_tests gpu-tests.trx --filter "TestCategory!=PoisonsCuda"
if [ "$last_rc" -ne 0 ]; then
  # Once more with every launch synchronous (an asynchronous kernel error is then reported by the call that
  # caused it, not by a later one): the failed tests, or all of them when the run left no TRX (a crash).
  filter=$(failed_tests "$results/gpu-tests.trx")
  if [ -n "$filter" ]; then
    step gpu-tests-rerun blocking gpu_tests gpu-tests-rerun.trx --filter "$filter"
  else
    step gpu-tests-rerun blocking gpu_tests gpu-tests-rerun.trx --filter "TestCategory!=PoisonsCuda"
  fi
fi
step gpu-sticky env PROLORA_ISOLATED_STICKY_TEST=1 "$here/bin/PRoLoRA.Native.GpuTests" --results-directory "$results" \
  --output Detailed --no-ansi --no-progress --filter "TestCategory=PoisonsCuda"
step verify-golden "$here/bin/prolora" verify-golden "$here/golden.json" --device cuda
step cli cli_checks
if [ -x "$here/bin/PRoLoRA.Bench" ]; then
  # Quick sizes by default (PROLORA_BENCH_ARGS="all --device cuda" for the full ones); the JSON report is
  # rewritten after every group, so a run cut short still leaves what it measured.
  # shellcheck disable=SC2086
  step bench "$here/bin/PRoLoRA.Bench" ${PROLORA_BENCH_ARGS:-all --device cuda --quick}
fi
echo "results in $results"; cat "$summary"
exit $status
RUN
chmod +x "$stage/run-gpu.sh"

cat > "$stage/README.md" <<'README'
# PRoLoRA.Native GPU bundle

Self-contained (linux-x64, .NET runtime included): no .NET SDK and no network needed.

    tar xf prolora-gpu-bundle.tar.xz
    OUT=/some/folder prolora-gpu-bundle/run-gpu.sh     # results in $OUT, else ./gpu-results

run-gpu.sh sets PROLORA_REQUIRE_GPU=1 (a missing GPU is a failure, not a skip) and runs, each into
`<step>.log` with one line per step in `summary.txt`:

1. `bin/prolora doctor`: runtime, SIMD, every CUDA library path tried and the one found with its
   version, the driver's CUDA version, the devices, the kernel cache, every kernel compiled for the GPU.
2. `bin/PRoLoRA.Native.GpuTests`: the NUnit GPU tests (backend parity GPU vs CPU for every op, driver
   memory/module leak checks, out-of-memory recovery, NVRTC compile and cache tests); `gpu-tests.trx`
   lists every test with its outcome and skip/failure reason. Pass NUnit filters through by running the
   executable directly, e.g. `bin/PRoLoRA.Native.GpuTests --filter "FullyQualifiedName~CudaGpu"`.
   When a test fails, `gpu-tests-rerun` runs the failed tests once more with `CUDA_LAUNCH_BLOCKING=1`
   (every kernel launch synchronous, so an asynchronous kernel error is reported by the call that
   caused it): `gpu-tests-rerun.log` and `gpu-tests-rerun.trx`; all the tests when the first run left
   no TRX (it crashed). The first run's failure stands either way. The tests that crash a kernel on purpose
   (category PoisonsCuda: on real drivers CUDA stays unusable in that process) run alone afterwards, as
   `gpu-sticky`.
3. `bin/prolora verify-golden golden.json --device cuda`: the official implementation's vectors on the GPU.
   Then `cli`: a 60-step main job (`prolora train --device cuda`), greedy `generate` of its add adapter on
   the CPU and on the GPU (must be equal), and `serve --device cuda --max-loras 1` answering the same text over
   HTTP for the base and two adapters in turn (swapped in from host memory).
4. `bin/PRoLoRA.Bench $PROLORA_BENCH_ARGS` (default `all --device cuda --quick`; `all --device cuda` for the full
   sizes) when the bundle has the benchmarks: the JSON report goes to `bench-cuda.json` in the results folder
   (PROLORA_RESULTS), rewritten after every group, so a run cut short still leaves what it measured; the PyTorch
   peers (`peers/prolora_torch.py`, and `peers/llama_torch.py` for the model group) run with the first `python3` that
   has PyTorch with CUDA (or PROLORA_PYTHON).

Also `environment.txt` (commit, date, kernel, whether libssl is here) and `nvidia-smi.txt`. Exit status 0 only
when every step passed. Nothing needs OpenSSL but the test runner's TRX report (.NET's cryptography loads
libssl): without libssl the GPU tests run without `gpu-tests.trx`, with a warning, and a failure reruns them all.

CUDA libraries are looked for in PROLORA_CUDA_LIBRARY_PATH (folders), the system loader's path,
/usr/local/cuda/lib64, every /usr/local/cuda-X.Y/lib64 (newest first) and Python's site-packages
nvidia/*/lib under lib/ and lib64/ (pip's nvidia-cuda-nvrtc-cu13,
nvidia-cublas-cu13), newest version first (libnvrtc.so.13/.12/.11.2, libcublas.so.13/.12/.11), skipping
those of a CUDA major newer than the driver's (doctor.log says which and why).
Compiled kernels are cached in PROLORA_KERNEL_CACHE (default: kernel-cache/ next to run-gpu.sh).
README
cp "$stage/README.md" "$out/README.md"

echo "== packing $archive"
XZ_OPT="-9 -T0" tar -C "$out" -cJf "$archive" "$name"
size=$(stat -c %s "$archive")
echo "$archive: $((size / 1024 / 1024)) MiB ($(du -sh "$stage" | cut -f1) unpacked)"
if [ "$size" -ge "$max_bytes" ]; then
  echo "error: the bundle is $size bytes, over the 60 MB limit" >&2
  exit 1
fi
