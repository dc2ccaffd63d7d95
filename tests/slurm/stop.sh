#!/usr/bin/env bash
# Stops the throwaway Slurm of tests/slurm/start.sh STATE_DIR: cancels its jobs, then stops slurmd, slurmctld and
# munged by their pid files (TERM, then KILL after 10 s). The state dir is left for inspection.
set -uo pipefail
STATE=${1:?usage: stop.sh STATE_DIR}
export PATH="$PATH:/usr/sbin"
if [[ -f "$STATE/slurm.conf" ]]; then
  SLURM_CONF="$STATE/slurm.conf" scancel --full --quiet --user="$(id -un)" >/dev/null 2>&1 || true
fi
stop_pid_file() {
  local f=$1 pid
  [[ -s "$f" ]] || return 0
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_pid_file "$STATE/slurmd.pid"
stop_pid_file "$STATE/slurmctld.pid"
stop_pid_file "$STATE/munge/munged.pid"
echo "stop.sh: Slurm stopped ($STATE)"
