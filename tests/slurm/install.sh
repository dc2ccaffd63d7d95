#!/usr/bin/env bash
# Installs what the throwaway test Slurm needs (Debian/Ubuntu packages): munge, slurmctld, slurmd, slurm-client.
# Does nothing when they are already there. Needs root; otherwise says why and exits 1 (the Slurm test then
# reports itself skipped, or failed when CI=true).
set -euo pipefail

missing=()
for bin in munged slurmctld slurmd sbatch squeue; do
  command -v "$bin" >/dev/null 2>&1 || [[ -x "/usr/sbin/$bin" ]] || missing+=("$bin")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "tests/slurm/install.sh: munge and Slurm are installed"
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "tests/slurm/install.sh: missing ${missing[*]} and not root: cannot apt-get install munge slurmctld slurmd slurm-client" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "tests/slurm/install.sh: missing ${missing[*]} and no apt-get on this system" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends munge slurmctld slurmd slurm-client \
  || { apt-get update && apt-get install -y --no-install-recommends munge slurmctld slurmd slurm-client; }
echo "tests/slurm/install.sh: installed munge slurmctld slurmd slurm-client"
