#!/usr/bin/env bash
# Per-layer benchmark at the paper's shape (N=9181, D=4096, maxk=1000): landscape's analysis (one fresh JVM per
# layer, as the pipeline runs it) alternating with scikit-learn's brute-force kNN (one fresh Python each) on the
# same float32 matrix, then where the kNN's time goes (knn-time). Usage: bench/analyze/run.sh [DIR] [rounds]
# Needs: mvn -o -q -B -Dmaven.test.skip=true package -pl bench -am; apt-get install python3-sklearn python3-numpy.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${1:-/tmp/analyze-bench}
ROUNDS=${2:-3}
JAR="$ROOT/bench/target/landscape-bench.jar"
if [[ ! -f "$DIR/layer.npy" ]]; then
  java -cp "$JAR" landscape.bench.AnalyzeBenchmark generate "$DIR"
fi
echo "== $(date -u +%FT%TZ), $(nproc) cores"
for r in $(seq 1 "$ROUNDS"); do
  echo "-- round $r, load $(cut -d' ' -f1-3 /proc/loadavg)"
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 "$ROOT/bench/analyze/sklearn_knn.py" "$DIR/layer.npy" 1000 1
  echo "   load $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Dai.djl.offline=true -cp "$JAR" landscape.bench.AnalyzeBenchmark run "$DIR" cpu 1 2>&1
done
echo "-- where the kNN's time goes, load $(cut -d' ' -f1-3 /proc/loadavg)"
java -Dai.djl.offline=true -cp "$JAR" landscape.bench.AnalyzeBenchmark knn-time "$DIR" 1 2>&1
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
