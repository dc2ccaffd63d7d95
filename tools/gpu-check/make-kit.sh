#!/usr/bin/env bash
# Assembles the GPU check kit: what tools/gpu-check/run.sh needs on a GPU machine that has Python's torch but no
# Java and no network, small enough to send in one go (at most 64 MiB with the repository's tracked files).
#
#   tools/gpu-check/make-kit.sh --djl-src DJL_DIR [--kit DIR] [--baseline REV]
#
# DJL_DIR  a DJL checkout at the stage jars' version (git clone --depth 1 -b v0.36.0
#          https://github.com/deepjavalibrary/djl), or a bare clone holding the tag v<version>; only its PyTorch JNI
#          sources are copied into the kit.
# --kit    the kit folder, default build/gpu-kit (ignored by git; send it along, e.g. as a carried path).
# --baseline REV  also the extract (and core) jar of commit REV of this repository, built here from `git archive`
#          (offline Maven, nothing installed): run.sh then runs the f16 throughput once more with it and compares
#          the layer files byte for byte (ours_f16_baseline, ours_f16_vs_baseline), to judge the commits since REV.
#
# Needs the stage jars built with the default profile (./landscape build, or mvn -B -Dmaven.test.skip=true package
# -pl core,extract,analyze,plot) and a JDK 17 (javac, jlink). The kit holds:
#   jre.tar.xz            a jlink runtime of this JDK (with include/jni.h for the JNI build), libjvm stripped
#   bin/, tools/          copies of the launchers and tools/build-djl-jni.sh, so the kit is a root of its own
#   extract/target/, analyze/target/   the stage jars and their libraries, without the PyTorch natives and JNI jars
#                         (the HF tokenizers jar keeps its linux-x86_64 natives only), and without the jars that
#                         only read MMLU as parquet (parquet-*, hadoop-*, aircompressor, jts-core,
#                         javax.annotation-api: 16 MB; the check reads its prompts from JSONL)
#   djl/                  DJL's JNI sources (engines/pytorch/pytorch-native, api/src/main/native,
#                         gradle/libs.versions.toml) with the JNI header generated here by javac -h
#   KIT.txt               what went in: commit, DJL version, sizes
# The golden models and analysis sets are not copied: run.sh reads them from the repository (tests/golden).
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
die() { echo "make-kit: $*" >&2; exit 1; }
DJL_SRC="" KIT=$ROOT/build/gpu-kit BASELINE=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --djl-src) DJL_SRC=${2:-}; shift 2 || die "--djl-src needs a folder" ;;
    --baseline) BASELINE=${2:-}; shift 2 || die "--baseline needs a commit" ;;
    --kit) KIT=${2:-}; shift 2 || die "--kit needs a folder" ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-kit: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $DJL_SRC ]] || die "--djl-src DJL_DIR is required (git clone --depth 1 -b v0.36.0 https://github.com/deepjavalibrary/djl)"
BASE_REV=""
if [[ -n $BASELINE ]]; then
  BASE_REV=$(git -C "$ROOT" rev-parse --verify --quiet "$BASELINE^{commit}") || die "--baseline $BASELINE: not a commit of $ROOT"
fi
T0=$(date +%s)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gpu-kit.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

for stage in extract analyze; do
  [[ -f $ROOT/$stage/target/landscape-$stage.jar ]] \
    || die "$ROOT/$stage/target/landscape-$stage.jar is not built (./landscape build)"
done
djl=""
for a in "$ROOT"/extract/target/lib/api-*.jar; do djl=$(basename "$a" .jar); djl=${djl#api-}; done
ls "$ROOT"/extract/target/lib/pytorch-native-cpu-*.jar >/dev/null 2>&1 \
  || die "the stage jars are not the default build (no pytorch-native-cpu jar in extract/target/lib)"
if [[ ! -d $DJL_SRC/engines && -f $DJL_SRC/HEAD && -d $DJL_SRC/objects ]]; then
  # a bare clone: the files of tag v<djl>
  mkdir -p "$TMP/djl"
  git --git-dir="$DJL_SRC" archive "v$djl" gradle/libs.versions.toml engines/pytorch/pytorch-native \
      api/src/main/native engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java \
    | tar -x -C "$TMP/djl" || die "--djl-src $DJL_SRC: no tag v$djl in this bare clone"
  DJL_ORIGIN="$DJL_SRC (bare clone, tag v$djl)"
  DJL_SRC=$TMP/djl
fi
[[ -d $DJL_SRC/engines/pytorch/pytorch-native/src/main/native ]] || die "--djl-src $DJL_SRC: not a DJL checkout"
src_djl=$(sed -n 's/^djl *= *"\([^"]*\)".*/\1/p' "$DJL_SRC/gradle/libs.versions.toml" 2>/dev/null | head -n 1)
[[ $src_djl == "$djl" ]] || die "--djl-src $DJL_SRC holds DJL ${src_djl:-?}, the stage jars use DJL $djl"
command -v jlink >/dev/null && command -v javac >/dev/null || die "a JDK 17 (jlink, javac) is needed"

# a kit folder this script made (KIT.txt) is replaced; anything else is refused
if [[ -e $KIT ]]; then
  [[ -f $KIT/KIT.txt ]] || die "--kit $KIT exists and is not a kit made by this script: remove it or choose another"
  rm -rf "$KIT"
fi
mkdir -p "$KIT"

# ---- launchers and the JNI build script, so that the kit is a root of its own
mkdir -p "$KIT/bin/lib" "$KIT/tools"
cp "$ROOT"/bin/landscape-extract "$ROOT"/bin/landscape-analyze "$KIT/bin/"
cp "$ROOT"/bin/lib/*.sh "$KIT/bin/lib/"
cp "$ROOT/tools/build-djl-jni.sh" "$KIT/tools/"

# ---- stage jars without the PyTorch natives and JNI jars (the JNI is built on the GPU machine)
for stage in extract analyze; do
  mkdir -p "$KIT/$stage/target/lib"
  cp "$ROOT/$stage/target/landscape-$stage.jar" "$KIT/$stage/target/"
  for j in "$ROOT/$stage/target/lib/"*.jar; do
    case $(basename "$j") in
      pytorch-native-*|pytorch-jni-*) ;;
      parquet-*|hadoop-*|aircompressor-*|jts-core-*|javax.annotation-api-*) ;;
      *) cp "$j" "$KIT/$stage/target/lib/" ;;
    esac
  done
done
for t in "$KIT"/extract/target/lib/tokenizers-*.jar; do
  zip -q -d "$t" 'native/lib/win-*' 'native/lib/osx-*' 'native/lib/linux-aarch64/*' >/dev/null 2>&1 || true
done

# ---- the baseline's extract and core jars, built from its files (git archive: no worktree, nothing installed)
if [[ -n $BASE_REV ]]; then
  mkdir -p "$TMP/base" "$KIT/baseline"
  git -C "$ROOT" archive "$BASE_REV" | tar -x -C "$TMP/base"
  (cd "$TMP/base" && mvn -B -o -q -Dmaven.test.skip=true package -pl extract -am) > "$TMP/base.log" 2>&1 \
    || die "--baseline $BASELINE: the build failed: $(tail -n 3 "$TMP/base.log")"
  cp "$TMP/base/extract/target/landscape-extract.jar" "$KIT/baseline/"
  cp "$TMP"/base/extract/target/lib/landscape-core-*.jar "$KIT/baseline/"
  echo "$BASE_REV $(git -C "$ROOT" log -1 --format=%s "$BASE_REV" | cut -c1-80)" > "$KIT/baseline/COMMIT"
fi

# ---- DJL's JNI sources and the generated JNI header
for p in gradle/libs.versions.toml engines/pytorch/pytorch-native/CMakeLists.txt \
         engines/pytorch/pytorch-native/src/main/native api/src/main/native; do
  mkdir -p "$KIT/djl/$(dirname "$p")"
  cp -R "$DJL_SRC/$p" "$KIT/djl/$p"
done
mkdir -p "$KIT/djl/engines/pytorch/pytorch-native/build/include"
javac -h "$KIT/djl/engines/pytorch/pytorch-native/build/include" -d "$TMP/classes" \
  "$DJL_SRC/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java"

# ---- a runtime for a machine without Java (modules the stage jars use; headers kept for jni.h)
jlink --add-modules java.base,java.compiler,java.desktop,java.sql,jdk.management,java.logging,java.naming,jdk.unsupported,java.xml,jdk.crypto.ec \
      --output "$TMP/jre" --strip-debug --no-man-pages --compress=0
strip --strip-unneeded "$TMP/jre/lib/server/libjvm.so" 2>/dev/null || true
(cd "$TMP" && XZ_OPT=-9 tar -cJf "$KIT/jre.tar.xz" jre)

{
  echo "made=$(date -u +%Y-%m-%dT%H:%M:%SZ) by tools/gpu-check/make-kit.sh"
  echo "commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "djl=$djl (sources: ${DJL_ORIGIN:-$DJL_SRC, $(git -C "$DJL_SRC" describe --tags --always 2>/dev/null || echo 'not a git checkout')})"
  echo "java=$(javac -version 2>&1)"
  [[ -z $BASE_REV ]] || echo "baseline=$BASE_REV"
} > "$KIT/KIT.txt"
bytes=$(du -sb "$KIT" | cut -f1)
# what travels is the kit plus the working tree git sees (tracked files and untracked ones it does not ignore) and a
# shared/ folder where the checkout has one: keep the sum under 60 MiB (64 MiB less a margin)
tracked=$(cd "$ROOT" && { git ls-files -z; git ls-files -z --others --exclude-standard; } 2>/dev/null \
  | xargs -0 du -cb 2>/dev/null | awk '$2 == "total" { s += $1 } END { print s + 0 }')
[[ -d $ROOT/shared ]] && tracked=$(( tracked + $(du -sbL "$ROOT/shared" | cut -f1) ))
tracked=${tracked:-0}
mib() { echo "$(( ($1 + 1048575) / 1048576 ))"; }
echo "make-kit: $KIT: $(mib "$bytes") MiB in $(( $(date +%s) - T0 )) s; with the working tree's files $(mib $(( bytes + tracked ))) MiB" >&2
(( bytes + tracked < 60 * 1024 * 1024 )) \
  || die "the kit ($(mib "$bytes") MiB) and the working tree's files ($(mib "$tracked") MiB) make more than 60 MiB: too much to send in one go"
