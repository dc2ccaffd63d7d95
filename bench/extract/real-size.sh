#!/usr/bin/env bash
# Real-size extraction (docs/BENCHMARKS.md, "Extraction of models larger than memory"): a random-weight checkpoint
# with Llama-3.1-8B's configuration in bf16, 4 shards (made once, 16 GB, ~3 min), then
#   cpu: a streamed run in f32 against same-run matmuls, and the attention peak at T = 8192;
#   gpu: a streamed run and a resident run in f16 (build first with -Pcuda; see docs/EXTRACT.md).
# usage: bench/extract/real-size.sh WORKDIR [cpu|gpu]      (WORKDIR needs 16 GB; delete it afterwards)
set -euo pipefail
ROOT=$(dirname "$(dirname "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")")")
WORK=${1:?usage: real-size.sh WORKDIR [cpu|gpu]}
DEVICE=${2:-cpu}
LENGTHS=512,640,900,1400,2100,3000   # tokens: the span of 5-shot MMLU prompts with the Llama-3 tokenizer
MODEL="$WORK/llama-3.1-8b-bf16"
JAVA=(java -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.log.ai.djl=error)
BENCH=(-cp "$ROOT/bench/target/landscape-bench.jar:$ROOT/bench/target/lib/*" landscape.bench.StreamBenchmark)
[[ -f "$ROOT/bench/target/landscape-bench.jar" ]] || { echo "build first: mvn -o -q -B -Dmaven.test.skip=true package -pl bench -am" >&2; exit 1; }
mkdir -p "$WORK"
if [[ ! -f "$MODEL/model.safetensors.index.json" ]]; then
  "${JAVA[@]}" -jar "$ROOT/extract/target/landscape-extract.jar" make-model --like llama-3.1-8b \
      --weights-dtype BF16 --shards 4 --seed 1 --out "$MODEL"
fi
if [[ "$DEVICE" == cpu ]]; then
  "${JAVA[@]}" "${BENCH[@]}" run "$MODEL" "$LENGTHS" 4096 stream cpu
  "${JAVA[@]}" "${BENCH[@]}" attention llama-3.1-8b 8192
else
  "${JAVA[@]}" "${BENCH[@]}" run "$MODEL" "$LENGTHS" 16384 stream gpu
  "${JAVA[@]}" "${BENCH[@]}" run "$MODEL" "$LENGTHS" 16384 resident gpu
fi
