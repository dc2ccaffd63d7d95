#!/usr/bin/env bash
# The GPU check, in one run on a GPU machine that has Python's torch (and transformers), g++, and no Java and no
# network. From the repository root, with the kit made by tools/gpu-check/make-kit.sh:
#
#   bash tools/gpu-check/run.sh [--kit build/gpu-kit] [--out DIR] [--work DIR] [--batch-tokens N] [--budget S]
#   bash tools/gpu-check/run.sh --cpu-dry-run [...]      # the same steps on this machine's CPU, GPU parts left out
#   --reuse-jni: keep a JNI that an earlier run left in WORK/djl-jni for the same torch (repeated dry runs)
#
# Steps (each one is recorded in OUT/results.json; a failed step is recorded and the next one runs):
#   1. the machine: GPU, driver, torch, CUDA, transformers, cores
#   2. DJL's JNI built against the machine's torch (the kit's tools/build-djl-jni.sh), into WORK/djl-jni, where the
#      launchers find it: every stage run below goes through the kit's bin/landscape-{extract,analyze} with
#      LANDSCAPE_LIBTORCH=<that torch>, the path users take with --libtorch
#   3. every golden model (tests/golden/models) in f32 and f16, compared with its expected.json: f32 within 1e-4 and
#      f16 within 2e-2 of max(1, max|expected|) (f16 keeps 11 significant bits; 2e-2 is the CPU f16 bound of
#      extract's tests)
#   4. every golden analysis set with --device gpu, with the golden tests' tolerances; a 9181 x 4096 layer on the GPU
#      and on the CPU (time, same results)
#   5. throughput (bench.py): transformers bf16 batch 1 with output_hidden_states (the anchor) and f32, the stage jars
#      in f16 and f32, on one Llama-3-8B-shaped random checkpoint and the same MMLU-length prompts; model FLOP/s as a
#      fraction of the bf16 matmul peak measured in the same run; with a baseline in the kit (make-kit.sh --baseline
#      REV), the f16 run again with REV's extract jar, its layer files compared byte for byte with ours; then
#      `plan --json` for that checkpoint and the f16 run again with --placement stream (weights read one layer at a
#      time), compared with the resident one
# --cpu-dry-run: the JNI is built against a CPU libtorch found here (Debian's libtorch-dev, or Python's torch),
# everything runs with --device cpu, the 9181 x 4096 layer of step 4 is left out, and step 5 runs the stage jars on
# a small random Llama without transformers.
# --budget S (default 480): steps 4-5 leave out their optional parts once the run nears S seconds.
set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
HERE=$REPO/tools/gpu-check
KIT=$REPO/build/gpu-kit OUTDIR=${OUT:-} WORK="" DRY=0 BATCH_TOKENS=8192 BUDGET=480 REUSE_JNI=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --kit) KIT=$2; shift 2 ;;
    --out) OUTDIR=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --batch-tokens) BATCH_TOKENS=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    --cpu-dry-run) DRY=1; shift ;;
    --reuse-jni) REUSE_JNI=1; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $OUTDIR ]] || { echo "run.sh: --out DIR (or \$OUT) is required" >&2; exit 2; }
KIT=$(cd "$KIT" 2>/dev/null && pwd) || { echo "run.sh: no kit at $KIT (tools/gpu-check/make-kit.sh)" >&2; exit 1; }
[[ -f $KIT/KIT.txt ]] || { echo "run.sh: $KIT is not a kit made by make-kit.sh" >&2; exit 1; }
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=${WORK:-${TMPDIR:-/tmp}/gpu-check}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
GOLDEN=$REPO/tests/golden
R=$OUTDIR/results.json
T0=$(date +%s)
DEADLINE=$(( T0 + BUDGET ))
exec > >(tee "$OUTDIR/log.txt") 2>&1

el() { echo $(( $(date +%s) - T0 )); }
note() { echo "[$(el)s] $*"; }
# put KEY.SUB JSON: sets results[KEY][SUB] (or results[KEY]) to the JSON value
put() {
  python3 - "$R" "$1" "$2" <<'PY'
import json, os, sys
path, key, value = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.load(open(path)) if os.path.exists(path) else {}
try:
    v = json.loads(value)
except ValueError:
    v = value
d = r
parts = key.split(".")
for p in parts[:-1]:
    d = d.setdefault(p, {})
d[parts[-1]] = v
# written aside and renamed: a run killed at its time limit leaves the previous complete file, never a truncated one
with open(path + ".tmp", "w") as f:
    json.dump(r, f, indent=1)
os.replace(path + ".tmp", path)
PY
}
tail1() { tail -n 1 "$1" 2>/dev/null | tr '"\\' "''" | cut -c1-300; }

echo '{}' > "$R"
put kit_bytes "$(du -sb "$KIT" | cut -f1)"
put kit "$(python3 -c 'import json,sys;print(json.dumps(dict(l.rstrip("\n").split("=",1) for l in open(sys.argv[1]) if "=" in l)))' "$KIT/KIT.txt")"
put mode "$([[ $DRY == 1 ]] && echo cpu-dry-run || echo gpu)"
put tolerances '{"golden_f32": 1e-4, "golden_f16": 2e-2, "note": "deviation / max(1, max|expected|) per point and row"}'

# ---------------------------------------------------------------- 1. the machine
note "machine"
put machine.cores "$(nproc)"
if [[ $DRY == 0 ]]; then
  put machine.gpu "\"$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n 1 | tr -d '"')\""
fi
put machine.python "$(python3 - <<'PY'
import json
r = {}
try:
    import torch
    r.update(torch=torch.__version__, cuda=torch.version.cuda, cxx11abi=torch.compiled_with_cxx11_abi(),
             gpus=torch.cuda.device_count())
except Exception as e:
    r["torch"] = f"not importable: {e.__class__.__name__}"
try:
    import transformers
    r["transformers"] = transformers.__version__
except Exception as e:
    r["transformers"] = f"not importable: {e.__class__.__name__}"
print(json.dumps(r))
PY
)"
command -v g++ >/dev/null && put machine.gxx "\"$(g++ --version | head -n 1)\""

# without Java or a JNI, steps 3-4 and our runs cannot run; transformers' side of step 5 and the matmul peak still can
# (bench.py --hf-only), so that the one GPU run returns those numbers all the same
hf_only() {
  note "$1: steps 3-4 and our runs left out; transformers' side of the throughput step only"
  python3 "$HERE/bench.py" --mode gpu --hf-only --kit "$KIT" --work "$WORK/bench" --results "$R" \
    --mmlu "$REPO/assets/test-data/mmlu-mini" --tokenizer "$GOLDEN/models/tiny-llama3" --deadline "$DEADLINE" \
    || note "bench.py failed (exit $?)"
  put elapsed_s "$(el)"
  exit 1
}

rm -rf "$WORK/jre"
if ! tar -xJf "$KIT/jre.tar.xz" -C "$WORK" || ! "$WORK/jre/bin/java" -version >/dev/null 2>&1; then
  put jre '"failed"'
  [[ $DRY == 0 ]] && hf_only "cannot unpack or start the kit's runtime"
  note "cannot unpack or start the kit's runtime"; exit 1
fi
export JAVA_HOME=$WORK/jre
put machine.java "\"$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1 | tr -d '"')\""

# ---------------------------------------------------------------- 2. libtorch and the JNI
if [[ $DRY == 0 ]]; then
  TORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
  DEVICE=gpu
else
  DEVICE=cpu
  TORCH=""
  if [[ -f /usr/lib/x86_64-linux-gnu/libtorch.so && -f /usr/include/torch/script.h ]]; then
    TORCH=/usr/lib/x86_64-linux-gnu
  elif python3 -c 'import torch' 2>/dev/null; then
    TORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
  fi
  [[ -n $TORCH ]] || { note "no CPU libtorch with headers here (apt-get install libtorch-dev): nothing to run"; put libtorch '"none found"'; exit 1; }
fi
put libtorch "\"$TORCH\""
export LANDSCAPE_JNI_DIR=$WORK/djl-jni DJL_CACHE_DIR=$WORK/djl-cache LANDSCAPE_LIBTORCH=$TORCH
note "JNI for $TORCH"
s=$(date +%s)
LT_HOME=$KIT source "$KIT/bin/lib/libtorch.sh"
if ! libtorch_probe "$TORCH"; then
  put libtorch_probe "\"$LT_ERROR\""
  [[ $DRY == 0 ]] && hf_only "$LT_ERROR"
  note "$LT_ERROR"; exit 1
fi
put libtorch_probe "{\"version\": \"$LT_VERSION\", \"flavor\": \"$LT_FLAVOR\", \"abi\": \"$LT_ABI\", \"from\": \"$LT_VERSION_FROM\"}"
if [[ $REUSE_JNI == 1 ]] && ls "$LANDSCAPE_JNI_DIR"/djl-*/"$LT_KEY"/libdjl_torch.so >/dev/null 2>&1; then
  put jni '{"built": "reused from an earlier run (--reuse-jni)"}'
elif "$KIT/tools/build-djl-jni.sh" --libtorch "$TORCH" --djl-src "$KIT/djl" --jobs "$(nproc)" > "$OUTDIR/jni-build.log" 2>&1; then
  put jni "{\"built\": true, \"seconds\": $(( $(date +%s) - s )), \"log\": \"$(tail1 "$OUTDIR/jni-build.log")\"}"
else
  put jni "{\"built\": false, \"seconds\": $(( $(date +%s) - s )), \"log\": \"$(tail1 "$OUTDIR/jni-build.log")\"}"
  note "JNI build failed: $(tail -n 5 "$OUTDIR/jni-build.log")"
  [[ $DRY == 0 ]] && hf_only "no JNI"
  exit 1
fi
# f16 on the CPU needs a torch with half-precision CPU kernels (Debian's 1.13 has no f16 matmul on the CPU)
HALF=f16
if [[ $DRY == 1 ]] && _lt_older "$LT_BASE" 2.0.0; then HALF=f32; fi
EX="$KIT/bin/landscape-extract"
AN="$KIT/bin/landscape-analyze"

# ---------------------------------------------------------------- 3. golden models
for m in "$GOLDEN"/models/*/; do
  m=${m%/}
  name=$(basename "$m")
  [[ -f $m/expected.json ]] || continue
  python3 - "$m/expected.json" > "$WORK/prompts-$name.jsonl" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    print(json.dumps({"prompt": c["prompt"]}))
PY
  for dt in f32 f16; do
    tol=1e-4; [[ $dt == f16 ]] && tol=2e-2
    if [[ $dt == f16 && $HALF != f16 ]]; then
      put "golden.$name.$dt" "{\"skipped\": \"torch $LT_BASE has no f16 matmul on the CPU\"}"
      continue
    fi
    out=$WORK/golden-$name-$dt
    rm -rf "$out"
    if "$EX" run --model "$m" --prompts "$WORK/prompts-$name.jsonl" --device "$DEVICE" --dtype "$dt" --no-progress \
         --out "$out" > "$OUTDIR/golden-$name-$dt.log" 2>&1; then
      c=$(python3 "$HERE/golden_compare.py" "$m/expected.json" "$out" "$tol")
      put "golden.$name.$dt" "$c"
      note "golden $name $dt: $c"
    else
      put "golden.$name.$dt" "{\"failed\": \"$(tail1 "$OUTDIR/golden-$name-$dt.log")\"}"
      note "golden $name $dt failed: $(tail -n 1 "$OUTDIR/golden-$name-$dt.log")"
    fi
  done
done

# ---------------------------------------------------------------- 4. analysis
for set in "$GOLDEN"/analysis/*/; do
  set=${set%/}
  name=$(basename "$set")
  mask=()
  [[ -f $set/mask.npy ]] && mask=(--mask "$set/mask.npy")
  s=$(date +%s.%N)
  if "$AN" --layer "$set/layer.npy" --samples "$set/samples.csv" ${mask[@]+"${mask[@]}"} --arrays --device "$DEVICE" \
       --out "$WORK/analysis-$name.json" > "$OUTDIR/analysis-$name.log" 2>&1; then
    c=$(python3 "$HERE/analysis_compare.py" "$set/expected.json" "$WORK/analysis-$name.json")
    put "analysis.golden.$name" "$c"
    note "analysis $name ($DEVICE): $c"
  else
    put "analysis.golden.$name" "{\"failed\": \"$(tail1 "$OUTDIR/analysis-$name.log")\"}"
  fi
done
if [[ $DRY == 0 && $(date +%s) -lt $(( DEADLINE - 300 )) ]]; then
  note "analysis of a 9181 x 4096 layer, GPU and CPU"
  python3 - "$WORK" <<'PY'
import csv, sys
import numpy as np
w = sys.argv[1]
rng = np.random.default_rng(7)
n, d, c = 9181, 4096, 57
centres = rng.normal(0, 3.0, (c, 24))
lab = rng.integers(0, c, n)
x = (centres[lab] + rng.normal(0, 1.0, (n, 24))) @ (rng.normal(0, 1, (24, d)) / np.sqrt(24)) + 0.05 * rng.normal(0, 1, (n, d))
np.save(f"{w}/layer9181.npy", x.astype(np.float32))
with open(f"{w}/samples9181.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["row", "subject", "answer"])
    for i in range(n):
        out.writerow([i, f"s{lab[i]}", "ABCD"[i % 4]])
PY
  for dev in gpu cpu; do
    s=$(date +%s.%N)
    if "$AN" --layer "$WORK/layer9181.npy" --samples "$WORK/samples9181.csv" --device "$dev" \
         --out "$WORK/st9181-$dev.json" > "$OUTDIR/analysis9181-$dev.log" 2>&1; then
      put "analysis.layer9181.${dev}_s" "$(python3 -c "import time; print(round(time.time() - $s, 2))")"
    else
      put "analysis.layer9181.${dev}_s" "{\"failed\": \"$(tail1 "$OUTDIR/analysis9181-$dev.log")\"}"
    fi
  done
  put analysis.layer9181.gpu_vs_cpu "$(python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
try:
    a, b = json.load(open(f"{w}/st9181-gpu.json")), json.load(open(f"{w}/st9181-cpu.json"))
    print(json.dumps({"ids_max_rel": max(abs(x - y) / abs(y) for x, y in zip(a["ids"], b["ids"])),
                      "same_n_clusters": a["n_clusters"] == b["n_clusters"],
                      "ari_subjects": [a["ari_subjects"], b["ari_subjects"]],
                      "core_fraction": [a["core_fraction"], b["core_fraction"]]}))
except Exception as e:
    print(json.dumps({"failed": str(e)}))
PY
)"
fi

# ---------------------------------------------------------------- 5. throughput
note "throughput"
python3 "$HERE/bench.py" --mode "$([[ $DRY == 1 ]] && echo dry || echo gpu)" --kit "$KIT" --work "$WORK/bench" \
  --results "$R" --mmlu "$REPO/assets/test-data/mmlu-mini" --tokenizer "$GOLDEN/models/tiny-llama3" \
  --batch-tokens "$BATCH_TOKENS" --half "$HALF" --deadline "$DEADLINE" || note "bench.py failed (exit $?)"
cp "$WORK"/bench/*.log "$OUTDIR/" 2>/dev/null
put elapsed_s "$(el)"
note "done in $(el) s: $R"
