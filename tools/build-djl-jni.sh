#!/usr/bin/env bash
# Builds DJL's PyTorch JNI (libdjl_torch.so) for an installed libtorch, from DJL's own sources at the tag the stage
# jars use, so that `landscape-extract --libtorch DIR` can run on a torch the stage jars carry no JNI for.
#
#   tools/build-djl-jni.sh --libtorch DIR --djl-src DJL_DIR [--out FILE] [--jobs N]
#
# DIR      a pip wheel's torch/ folder, an unpacked libtorch zip, or a folder holding libtorch.so (as for --libtorch)
# DJL_DIR  a checkout of DJL at the stage jars' version, downloaded once:
#            git clone --depth 1 -b v0.36.0 https://github.com/deepjavalibrary/djl
#          (or a folder with the same sub-paths: engines/pytorch/pytorch-native/src/main/native, api/src/main/native,
#          gradle/libs.versions.toml, and either engines/pytorch/pytorch-engine/.../PyTorchLibrary.java or the JNI
#          header already generated in engines/pytorch/pytorch-native/build/include)
# --out    where to write the JNI (and FILE.info, what it was built from and for). Default: build/djl-jni/djl-<djl>/torch-<version>-<cpu|cuXYZ>-<abi>/libdjl_torch.so,
#          the folder the launchers look in (LANDSCAPE_JNI_DIR replaces build/djl-jni).
#
# Needs g++ (C++17), the libtorch headers (DIR/include, or /usr/include for Debian's libtorch-dev), jni.h (a JDK, or
# JAVA_HOME pointing at a runtime with include/), javac unless the header is already generated, and for a CUDA
# libtorch the CUDA runtime headers (CUDA_HOME/include, /usr/local/cuda/include or a pip wheel's nvidia/*/include).
# It compiles DJL's .cc files in parallel with plain g++ (the flags of DJL's CMakeLists: C++17, the libtorch's C++
# ABI, USE_CUDA for a CUDA libtorch, V1_13_X for torch older than 2.2) and links against torch, torch_cpu, c10 (and
# torch_cuda, c10_cuda). Nothing of DJL is copied into this repository.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
LT_HOME=$ROOT
# shellcheck source=../bin/lib/libtorch.sh
source "$ROOT/bin/lib/libtorch.sh"

die() { echo "build-djl-jni: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

LIBTORCH="" DJL_SRC="" OUT="" JOBS=$(nproc 2>/dev/null || echo 2)
while [[ $# -gt 0 ]]; do
  case $1 in
    --libtorch) LIBTORCH=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --libtorch=*) LIBTORCH=${1#*=}; shift ;;
    --djl-src) DJL_SRC=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --djl-src=*) DJL_SRC=${1#*=}; shift ;;
    --out) OUT=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --out=*) OUT=${1#*=}; shift ;;
    --jobs) JOBS=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-djl-jni: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n $LIBTORCH && -n $DJL_SRC ]] || { usage >&2; exit 2; }
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs: expected a positive number, got '$JOBS'"
T0=$(date +%s)

libtorch_probe "$LIBTORCH" || die "$LT_ERROR"

# ---- DJL sources at the stage jars' version
[[ -d $DJL_SRC ]] || die "--djl-src $DJL_SRC: no such folder"
DJL_SRC=$(cd "$DJL_SRC" && pwd -P)
NATIVE=$DJL_SRC/engines/pytorch/pytorch-native
ls "$NATIVE"/src/main/native/*.cc >/dev/null 2>&1 \
  || die "--djl-src $DJL_SRC: no engines/pytorch/pytorch-native/src/main/native/*.cc (not a DJL checkout?)"
[[ -f $DJL_SRC/api/src/main/native/djl/utils.h ]] || die "--djl-src $DJL_SRC: no api/src/main/native/djl/utils.h"
SRC_DJL=$(sed -n 's/^djl *= *"\([^"]*\)".*/\1/p' "$DJL_SRC/gradle/libs.versions.toml" 2>/dev/null | head -n 1)
WANT_DJL=$(_lt_djl_version "$ROOT/extract/target/lib" 2>/dev/null \
  || sed -n 's:.*<djl.version>\(.*\)</djl.version>.*:\1:p' "$ROOT/pom.xml" | head -n 1)
[[ -n $SRC_DJL ]] || die "--djl-src $DJL_SRC: cannot read DJL's version from gradle/libs.versions.toml"
[[ $SRC_DJL == "$WANT_DJL" ]] \
  || die "--djl-src $DJL_SRC: DJL $SRC_DJL sources, but the stage jars use DJL $WANT_DJL (git clone --depth 1 -b v$WANT_DJL https://github.com/deepjavalibrary/djl)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/build-djl-jni.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/include" "$WORK/obj" "$WORK/classes"

# ---- the JNI header, generated from PyTorchLibrary.java (javac -h), unless already there
HEADER_DIR=$NATIVE/build/include
if [[ ! -f $HEADER_DIR/ai_djl_pytorch_jni_PyTorchLibrary.h ]]; then
  JAVA_SRC=$DJL_SRC/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java
  [[ -f $JAVA_SRC ]] || die "--djl-src $DJL_SRC: neither the JNI header nor PyTorchLibrary.java to generate it from"
  JAVAC=${JAVA_HOME:+$JAVA_HOME/bin/}javac
  command -v "$JAVAC" >/dev/null || die "javac not found (a JDK is needed to generate the JNI header)"
  "$JAVAC" -h "$WORK/include" -d "$WORK/classes" "$JAVA_SRC" || die "javac -h $JAVA_SRC failed"
  HEADER_DIR=$WORK/include
fi

# ---- include folders
JNI_INC=""
for j in ${JAVA_HOME:+"$JAVA_HOME"} "$(dirname "$(dirname "$(readlink -f "$(command -v javac || command -v java || echo /nonexistent/x/y)")")")"; do
  [[ -f $j/include/jni.h ]] && { JNI_INC="-I$j/include -I$j/include/linux"; break; }
done
[[ -n $JNI_INC ]] || die "jni.h not found: set JAVA_HOME to a JDK"
TORCH_INC=""
for d in "$LT_ROOT/include" "$LT_LIBDIR/../include" "$LT_LIBDIR/../../include" /usr/include; do
  if [[ -f $d/torch/csrc/api/include/torch/version.h && -f $d/torch/script.h ]]; then
    d=$(cd "$d" && pwd -P)
    TORCH_INC="-I$d -I$d/torch/csrc/api/include"
    HDR_VERSION=$(sed -n 's/^#define TORCH_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' "$d/torch/csrc/api/include/torch/version.h" | paste -sd. -)
    [[ $HDR_VERSION == "$LT_BASE" ]] || die "the torch headers in $d are version $HDR_VERSION, the libraries in $LT_LIBDIR $LT_BASE"
    break
  fi
done
[[ -n $TORCH_INC ]] || die "--libtorch $LIBTORCH: no torch headers (include/torch/script.h) beside it or in /usr/include (Debian: apt-get install libtorch-dev)"
DEFS="-D_GLIBCXX_USE_CXX11_ABI=$([[ $LT_ABI == cxx11 ]] && echo 1 || echo 0)"
_lt_older "$LT_BASE" 2.2.0 && DEFS="$DEFS -DV1_13_X"
LIBS="-ltorch -ltorch_cpu -lc10"
CUDA_INC=""
if [[ $LT_CUDA == 1 ]]; then
  DEFS="$DEFS -DUSE_CUDA"
  LIBS="$LIBS -ltorch_cuda -lc10_cuda"
  for d in ${CUDA_HOME:+"$CUDA_HOME/include"} /usr/local/cuda/include "$LT_ROOT"/../nvidia/*/include; do
    [[ -d $d ]] && CUDA_INC="$CUDA_INC -I$(cd "$d" && pwd -P)"
  done
  [[ -n $CUDA_INC ]] || die "a CUDA libtorch, but no CUDA headers (set CUDA_HOME)"
fi
FLAGS="-O2 -std=c++17 -fPIC $DEFS -I$HEADER_DIR -I$DJL_SRC/api/src/main/native $JNI_INC $TORCH_INC$CUDA_INC"

echo "build-djl-jni: DJL $SRC_DJL JNI for torch $LT_VERSION ($LT_FLAVOR, $LT_ABI ABI) in $LT_LIBDIR; $JOBS parallel g++" >&2
export FLAGS WORK
# shellcheck disable=SC2016  # expanded by the inner shell
ls "$NATIVE"/src/main/native/*.cc | xargs -P "$JOBS" -I{} sh -c '
  o=$WORK/obj/$(basename "$1" .cc)
  g++ $FLAGS -c "$1" -o "$o.o" 2> "$o.err" || { echo "FAILED $1"; head -c 4000 "$o.err"; exit 1; }' sh {} \
  || die "compilation failed (above: the first errors of each failed file)"
g++ -shared -o "$WORK/libdjl_torch.so" "$WORK"/obj/*.o -L"$LT_LIBDIR" $LIBS -Wl,-rpath,"$LT_LIBDIR" \
  || die "linking failed"

if [[ -z $OUT ]]; then
  OUT="$(libtorch_jni_home)/djl-$SRC_DJL/$LT_KEY/libdjl_torch.so"
fi
mkdir -p "$(dirname "$OUT")"
{
  echo "djl=$SRC_DJL"
  echo "djl_source=$DJL_SRC ($(git -C "$DJL_SRC" describe --tags --always 2>/dev/null || echo 'not a git checkout'))"
  echo "torch=$LT_VERSION"
  echo "torch_flavor=$LT_FLAVOR"
  echo "torch_abi=$LT_ABI"
  echo "libtorch=$LT_LIBDIR"
  echo "compiler=$(g++ --version | head -n 1)"
  echo "flags=$DEFS"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "seconds=$(( $(date +%s) - T0 ))"
} > "$WORK/build-info.txt"
cp "$WORK/libdjl_torch.so" "$OUT.tmp.$$" && mv -f "$OUT.tmp.$$" "$OUT"
cp "$WORK/build-info.txt" "$OUT.info"
echo "build-djl-jni: wrote $OUT in $(( $(date +%s) - T0 )) s" >&2
