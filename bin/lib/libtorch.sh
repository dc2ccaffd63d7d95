# shellcheck shell=bash
# Using an installed libtorch instead of the natives inside the stage jars (`--libtorch DIR`). Sourced by
# bin/lib/stage.sh, ./landscape and tools/build-djl-jni.sh; never run. docs/EXTRACT.md ("GPU set-ups") explains it.
#
#   libtorch_probe DIR          what DIR holds: sets LT_ROOT LT_LIBDIR LT_LAYOUT LT_OWNED LT_VERSION LT_VERSION_FROM
#                               LT_BASE LT_CUDA LT_FLAVOR LT_ABI LT_KEY; on failure returns 1 with LT_ERROR set
#   libtorch_find_jni STAGE_LIB [JNI_FILE]
#                               the DJL JNI for the probed libtorch: sets LT_JNI (a file, or empty when DJL takes it
#                               from the pytorch-jni jar), LT_JNI_FROM, LT_DJL, LT_DJL_FLAVOR; 1 with LT_ERROR
#   libtorch_use TOOL DIR JNI_FILE STAGE_LIB CACHE
#                               probe + find + a folder of links for DJL + the environment DJL reads; exits 1 with
#                               one line on failure
#
# Nothing here runs anything found in DIR: versions are read with sed from version.py, build-version, version.h or
# the library file names.

LT_HOME=${LT_HOME:-$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)}

# Where tools/build-djl-jni.sh puts the JNIs it builds, and where the launchers look for them.
libtorch_jni_home() {
  echo "${LANDSCAPE_JNI_DIR:-$LT_HOME/build/djl-jni}"
}

# "X.Y.Z" of a version string like 2.7.1+cu128, 1.13.0, 2.11.0a0+git1234
_lt_base() {
  sed -n 's/^\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' <<<"$1"
}

# 0 when version $1 (X.Y.Z) is older than $2
_lt_older() {
  local a b
  IFS=. read -r -a a <<<"$1"
  IFS=. read -r -a b <<<"$2"
  local i
  for i in 0 1 2; do
    (( 10#${a[i]:-0} < 10#${b[i]:-0} )) && return 0
    (( 10#${a[i]:-0} > 10#${b[i]:-0} )) && return 1
  done
  return 1
}

libtorch_probe() {
  local dir=$1
  LT_ERROR="" LT_ROOT="" LT_LIBDIR="" LT_LAYOUT="" LT_OWNED=0 LT_VERSION="" LT_VERSION_FROM="" LT_BASE=""
  LT_CUDA=0 LT_FLAVOR="" LT_ABI="" LT_KEY="" LT_CUDA_VERSION=""
  if [[ -z $dir ]]; then
    LT_ERROR="--libtorch: empty folder name"
    return 1
  fi
  if [[ ! -d $dir ]]; then
    LT_ERROR="--libtorch $dir: no such folder"
    return 1
  fi
  dir=$(cd "$dir" && pwd -P)
  if [[ -f $dir/lib/libtorch.so ]]; then
    LT_ROOT=$dir LT_LIBDIR=$dir/lib
  elif [[ -f $dir/libtorch.so ]]; then
    LT_LIBDIR=$dir
    # torch/lib of a pip wheel or libtorch/lib of a zip, given directly: the version files are one level up
    if [[ $(basename "$dir") == lib ]] && [[ -f $dir/../version.py || -f $dir/../build-version ]]; then
      LT_ROOT=$(dirname "$dir")
    else
      LT_ROOT=$dir
    fi
  else
    local seen
    seen=$(cd "$dir" && ls -d lib*.so* lib/lib*.so* 2>/dev/null | head -n 4 | tr '\n' ' ' || true)
    LT_ERROR="--libtorch $dir: no libtorch.so in $dir/lib or $dir (found: ${seen:-no shared libraries}); need a libtorch folder: a pip torch/ folder, an unpacked libtorch zip, or a folder holding libtorch.so"
    return 1
  fi
  # layout and version: pip wheel (version.py), libtorch zip (build-version), headers, versioned file names
  local f
  if [[ -f $LT_ROOT/version.py ]]; then
    LT_LAYOUT=pip
    LT_VERSION=$(sed -n "s/^__version__ *= *['\"]\([^'\"]*\)['\"].*/\1/p" "$LT_ROOT/version.py" | head -n 1)
    LT_VERSION_FROM=version.py
    LT_CUDA_VERSION=$(sed -n "s/^cuda *\(:[^=]*\)\{0,1\}= *['\"]\([0-9.]*\)['\"].*/\2/p" "$LT_ROOT/version.py" | head -n 1)
  elif [[ -f $LT_ROOT/build-version ]]; then
    LT_LAYOUT=zip
    LT_VERSION=$(head -n 1 "$LT_ROOT/build-version" | tr -d '[:space:]')
    LT_VERSION_FROM=build-version
  else
    LT_LAYOUT=flat
  fi
  if [[ -z $(_lt_base "$LT_VERSION") ]]; then
    f=$LT_ROOT/include/torch/csrc/api/include/torch/version.h
    if [[ -f $f ]]; then
      local major minor patch
      major=$(sed -n 's/^#define TORCH_VERSION_MAJOR \([0-9]*\).*/\1/p' "$f")
      minor=$(sed -n 's/^#define TORCH_VERSION_MINOR \([0-9]*\).*/\1/p' "$f")
      patch=$(sed -n 's/^#define TORCH_VERSION_PATCH \([0-9]*\).*/\1/p' "$f")
      [[ -n $major && -n $minor && -n $patch ]] && LT_VERSION=$major.$minor.$patch LT_VERSION_FROM=include/torch/version.h
    fi
  fi
  if [[ -z $(_lt_base "$LT_VERSION") ]]; then
    for f in libtorch.so libtorch_cpu.so libc10.so; do
      local real
      real=$(basename "$(readlink -f "$LT_LIBDIR/$f" 2>/dev/null)")
      if [[ $real =~ ^lib[a-z0-9_]+\.so\.([0-9]+\.[0-9]+\.[0-9]+)$ ]]; then
        LT_VERSION=${BASH_REMATCH[1]} LT_VERSION_FROM="file name $real"
        break
      fi
    done
  fi
  LT_BASE=$(_lt_base "$LT_VERSION")
  if [[ -z $LT_BASE ]]; then
    LT_ERROR="--libtorch $dir: libtorch.so found in $LT_LIBDIR, but not its version (no version.py, build-version, include/torch/csrc/api/include/torch/version.h, nor a file name like libtorch.so.X.Y.Z); need one of them"
    return 1
  fi
  # the libtorch folder of a pip wheel or zip holds torch's libraries only; a system folder (Debian's
  # /usr/lib/x86_64-linux-gnu) holds everything, and DJL loads every library of the folder it is given
  [[ $LT_LAYOUT != flat || $LT_ROOT != "$LT_LIBDIR" ]] && LT_OWNED=1
  # CUDA or CPU
  if [[ -f $LT_LIBDIR/libtorch_cuda.so || -f $LT_LIBDIR/libc10_cuda.so ]]; then
    LT_CUDA=1
    local cu=""
    if [[ -n $LT_CUDA_VERSION ]]; then
      cu=$(sed -n 's/^\([0-9]*\)\.\([0-9]\).*/\1\2/p' <<<"$LT_CUDA_VERSION")
    elif [[ $LT_VERSION =~ \+cu([0-9]+) ]]; then
      cu=${BASH_REMATCH[1]}
    fi
    LT_FLAVOR=cu${cu:-da}
  else
    LT_FLAVOR=cpu
  fi
  # C++ ABI of the libraries (a JNI must be compiled with the same one): std::__cxx11 names in libc10
  if grep -q __cxx11 "$LT_LIBDIR/libc10.so" 2>/dev/null; then LT_ABI=cxx11; else LT_ABI=precxx11; fi
  LT_KEY="torch-$LT_BASE-$LT_FLAVOR-$LT_ABI"
  return 0
}

# the DJL version of the stage jars (lib/api-<version>.jar)
_lt_djl_version() {
  local a
  for a in "$1"/api-*.jar; do
    [[ -f $a ]] || continue
    a=$(basename "$a" .jar)
    echo "${a#api-}"
    return 0
  done
  return 1
}

libtorch_find_jni() {
  local lib=$1 explicit=${2:-}
  LT_JNI="" LT_JNI_FROM="" LT_DJL_FLAVOR="" LT_ERROR=""
  LT_DJL=$(_lt_djl_version "$lib") || { LT_ERROR="no DJL api jar in $lib: build the stage jars first"; return 1; }
  if [[ -n $explicit ]]; then
    if [[ ! -f $explicit ]]; then
      LT_ERROR="--libtorch-jni $explicit: no such file"
      return 1
    fi
    LT_JNI=$(readlink -f "$explicit") LT_JNI_FROM="--libtorch-jni" LT_DJL_FLAVOR=$LT_FLAVOR
    return 0
  fi
  local built
  built="$(libtorch_jni_home)/djl-$LT_DJL/$LT_KEY/libdjl_torch.so"
  if [[ -f $built ]]; then
    LT_JNI=$built LT_JNI_FROM="built by tools/build-djl-jni.sh" LT_DJL_FLAVOR=$LT_FLAVOR
    return 0
  fi
  # the JNIs inside the pytorch-jni jar (pytorch-jni-<torch>-<djl>.jar): DJL extracts the one of the flavour it is
  # told (jnilib/linux-x86_64/<flavour>/libdjl_torch.so). Zip entry names are stored uncompressed, so grep finds them.
  local jar jar_torch="" flavours=""
  for jar in "$lib"/pytorch-jni-*.jar; do
    [[ -f $jar ]] || continue
    jar_torch=$(basename "$jar" .jar)
    jar_torch=${jar_torch#pytorch-jni-}
    jar_torch=${jar_torch%-"$LT_DJL"}
    flavours=$(grep -a -o 'jnilib/linux-x86_64/[a-z0-9-]*/libdjl_torch\.so' "$jar" | cut -d/ -f3 | sort -u | paste -sd, - || true)
    break
  done
  if [[ -n $jar_torch && $LT_BASE == "$jar_torch" && $LT_ABI == cxx11 ]]; then
    local want="" fl
    for fl in ${flavours//,/ }; do
      if [[ $LT_CUDA == 1 && $fl == cu* && $fl != *precxx11 ]] || [[ $LT_CUDA == 0 && $fl == cpu ]]; then
        want=$fl
        break
      fi
    done
    if [[ -n $want ]]; then
      LT_JNI_FROM="pytorch-jni-$jar_torch-$LT_DJL.jar (flavour $want)" LT_DJL_FLAVOR=$want
      return 0
    fi
  fi
  local kind=CPU
  [[ $LT_CUDA == 1 ]] && kind="CUDA ($LT_FLAVOR)"
  LT_ERROR="--libtorch $LT_ROOT: torch $LT_VERSION ($kind, $LT_ABI ABI) found, but no DJL $LT_DJL JNI for it: the stage jars carry one for torch ${jar_torch:-?} only (${flavours:-none}); build one with tools/build-djl-jni.sh --libtorch $LT_ROOT (it lands in $built), or pass --libtorch-jni FILE"
  return 1
}

# Links to the libraries DJL should load, plus the JNI, in a folder of their own under the DJL cache.
_lt_link_folder() {
  local cache=$1 jni=$2
  local sig key base dest
  sig="$LT_LIBDIR|$LT_VERSION|$LT_FLAVOR|$LT_ABI|$jni"
  [[ -n $jni ]] && sig="$sig|$(stat -c '%s %Y' "$jni")"
  key=$(printf '%s' "$sig" | sha256sum | cut -c1-16)
  base=$cache/landscape-libtorch
  dest=$base/$key
  if [[ -f $dest/complete ]]; then
    echo "$dest"
    return 0
  fi
  mkdir -p "$base" || return 1
  local tmp f name
  tmp="$base/.tmp.$$.$RANDOM"   # mkdir, not mktemp: the usual permissions, so a shared DJL cache stays usable
  mkdir "$tmp" || return 1
  mkdir "$tmp/lib"
  if [[ $LT_OWNED == 1 ]]; then
    for f in "$LT_LIBDIR"/*; do
      name=$(basename "$f")
      [[ -d $f || $name == *libdjl_torch.so ]] && continue
      ln -s "$f" "$tmp/lib/$name"
    done
  else
    for f in "$LT_LIBDIR"/libtorch.so "$LT_LIBDIR"/libtorch_*.so "$LT_LIBDIR"/libc10.so "$LT_LIBDIR"/libc10_*.so \
             "$LT_LIBDIR"/libshm.so "$LT_LIBDIR"/libcaffe2_nvrtc.so "$LT_LIBDIR"/libfbgemm.so; do
      [[ -e $f ]] || continue
      name=$(basename "$f")
      [[ $name == libtorch_python.so ]] && continue
      ln -s "$f" "$tmp/lib/$name"
    done
  fi
  [[ -n $jni ]] && ln -s "$jni" "$tmp/lib/libdjl_torch.so"
  printf '%s\n' "$sig" > "$tmp/complete"
  if ! mv -T "$tmp" "$dest" 2>/dev/null; then
    rm -rf "$tmp"   # another launch made the same folder meanwhile
    [[ -f $dest/complete ]] || return 1
  fi
  echo "$dest"
}

# CUDA: the dynamic linker must find torch's CUDA libraries (a pip wheel keeps them in site-packages/nvidia/*/lib,
# reached through $ORIGIN-relative run paths that links do not preserve), and DJL counts GPUs by loading "cudart"
# through JNA, which needs a plain libcudart.so on the search path.
_lt_cuda_paths() {
  local folder=$1 d f rt=""
  local paths=()
  [[ $LT_OWNED == 1 ]] && paths+=("$LT_LIBDIR")
  if [[ -d $LT_ROOT/../nvidia ]]; then
    for d in "$LT_ROOT"/../nvidia/*/lib; do
      [[ -d $d ]] && paths+=("$(cd "$d" && pwd -P)")
    done
  fi
  for d in ${CUDA_HOME:+"$CUDA_HOME/lib64"} /usr/local/cuda/lib64; do
    [[ -d $d ]] && paths+=("$d")
  done
  for d in ${paths[@]+"${paths[@]}"}; do
    for f in "$d"/libcudart.so "$d"/libcudart.so.[0-9]* "$d"/libcudart-*.so*; do
      [[ -f $f ]] && { rt=$f; break 2; }
    done
  done
  if [[ -n $rt ]]; then
    mkdir -p "$folder/cudart" && ln -sfn "$rt" "$folder/cudart/libcudart.so" && paths=("$folder/cudart" ${paths[@]+"${paths[@]}"})
  else
    echo "$LT_TOOL: note: no libcudart found beside $LT_ROOT or in /usr/local/cuda: DJL will see no GPU" >&2
  fi
  local joined
  joined=$(IFS=:; echo "${paths[*]}")
  [[ -n $joined ]] && export LD_LIBRARY_PATH="$joined${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  return 0
}

libtorch_use() {
  local tool=$1 dir=$2 jni=$3 lib=$4 cache=$5
  LT_TOOL=$tool
  libtorch_probe "$dir" || { echo "$tool: $LT_ERROR" >&2; exit 1; }
  libtorch_find_jni "$lib" "$jni" || { echo "$tool: $LT_ERROR" >&2; exit 1; }
  local folder
  folder=$(_lt_link_folder "$cache" "$LT_JNI") \
    || { echo "$tool: --libtorch $dir: cannot make the folder of links under $cache/landscape-libtorch" >&2; exit 1; }
  export PYTORCH_LIBRARY_PATH=$folder/lib
  # DJL's names for the torch version and flavour: with the jar's JNI they must be the jar's (DJL picks
  # jnilib/<platform>/<flavour>/ by them); a CUDA flavour also makes DJL load the CUDA libraries
  export PYTORCH_VERSION=$LT_BASE PYTORCH_FLAVOR=$LT_DJL_FLAVOR
  [[ $LT_CUDA == 1 ]] && _lt_cuda_paths "$folder"
  local from=$LT_JNI_FROM
  [[ -n $LT_JNI ]] && from="$LT_JNI ($LT_JNI_FROM)"
  echo "$tool: libtorch $LT_VERSION ($LT_FLAVOR, $LT_ABI ABI, version from $LT_VERSION_FROM) in $LT_LIBDIR; DJL JNI: $from; links in $folder/lib" >&2
}
