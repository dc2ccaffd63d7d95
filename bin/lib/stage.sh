# shellcheck shell=bash
# The one implementation behind bin/landscape-{extract,analyze,plot} (sourced, never run), and the DJL cache rule
# that ./landscape uses too. docs/LAUNCHER.md describes it.

LANDSCAPE_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
LT_HOME=$LANDSCAPE_ROOT
# shellcheck source=bin/lib/libtorch.sh
source "$LANDSCAPE_ROOT/bin/lib/libtorch.sh"

# Where DJL unpacks its natives and caches JNIs: $DJL_CACHE_DIR when set, else ~/.djl.ai when writable (cluster
# nodes may have a read-only home), else build/djl.ai in the repository, else $TMPDIR/djl.ai-<uid>.
landscape_djl_cache_dir() {
  if [[ -n "${DJL_CACHE_DIR:-}" ]]; then
    echo "$DJL_CACHE_DIR"
  elif [[ -n "${HOME:-}" ]] && { [[ -w "$HOME/.djl.ai" ]] || { [[ ! -e "$HOME/.djl.ai" ]] && [[ -w "$HOME" ]]; }; }; then
    echo "$HOME/.djl.ai"
  elif mkdir -p "$LANDSCAPE_ROOT/build/djl.ai" 2>/dev/null && [[ -w "$LANDSCAPE_ROOT/build/djl.ai" ]]; then
    echo "$LANDSCAPE_ROOT/build/djl.ai"
  else
    echo "${TMPDIR:-/tmp}/djl.ai-$(id -u)"
  fi
}

# Takes --libtorch DIR / --libtorch=DIR and --libtorch-jni FILE / --libtorch-jni=FILE out of the arguments, wherever
# they are (up to a `--`): sets STAGE_LIBTORCH, STAGE_LIBTORCH_JNI and STAGE_ARGS (the rest, in order).
landscape_take_libtorch_args() {
  local tool=$1
  shift
  STAGE_LIBTORCH="" STAGE_LIBTORCH_JNI="" STAGE_ARGS=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      --) STAGE_ARGS+=("$@"); break ;;
      --libtorch|--libtorch-jni)
        [[ $# -ge 2 ]] || { echo "$tool: $1 needs a value" >&2; exit 2; }
        if [[ $1 == --libtorch ]]; then STAGE_LIBTORCH=$2; else STAGE_LIBTORCH_JNI=$2; fi
        shift 2 ;;
      --libtorch=*) STAGE_LIBTORCH=${1#--libtorch=}; shift ;;
      --libtorch-jni=*) STAGE_LIBTORCH_JNI=${1#--libtorch-jni=}; shift ;;
      *) STAGE_ARGS+=("$1"); shift ;;
    esac
  done
  return 0
}

# stage_main STAGE djl|nodjl ARGS...: runs <root>/<stage>/target/landscape-<stage>.jar. For a DJL stage it first picks
# DJL's cache folder and applies --libtorch DIR (or $LANDSCAPE_LIBTORCH), checked before the JVM starts.
stage_main() {
  local stage=$1 djl=$2
  shift 2
  local tool="landscape-$stage"
  local jar="$LANDSCAPE_ROOT/$stage/target/landscape-$stage.jar"
  if [[ ! -f "$jar" ]]; then
    echo "$tool: $jar is not built; run ./landscape run (it builds) or mvn -B package in $LANDSCAPE_ROOT" >&2
    exit 1
  fi
  local java=java
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    java="$JAVA_HOME/bin/java"
  fi
  local opts=()
  if [[ $djl == djl ]]; then
    DJL_CACHE_DIR=$(landscape_djl_cache_dir)
    export DJL_CACHE_DIR
    landscape_take_libtorch_args "$tool" "$@"
    set -- ${STAGE_ARGS[@]+"${STAGE_ARGS[@]}"}
    local dir=${STAGE_LIBTORCH:-${LANDSCAPE_LIBTORCH:-}}
    if [[ -n $dir ]]; then
      libtorch_use "$tool" "$dir" "${STAGE_LIBTORCH_JNI:-${LANDSCAPE_LIBTORCH_JNI:-}}" \
        "$LANDSCAPE_ROOT/$stage/target/lib" "$DJL_CACHE_DIR"
    elif [[ -n ${STAGE_LIBTORCH_JNI:-} ]]; then
      echo "$tool: --libtorch-jni needs --libtorch DIR (the libtorch it was built for)" >&2
      exit 2
    fi
    opts+=(-Dai.djl.offline=true)
  fi
  # shellcheck disable=SC2086  # LANDSCAPE_JAVA_OPTS is a list of JVM options
  exec "$java" ${opts[@]+"${opts[@]}"} ${LANDSCAPE_JAVA_OPTS:-} -jar "$jar" "$@"
}
