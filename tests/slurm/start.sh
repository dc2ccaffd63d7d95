#!/usr/bin/env bash
# Starts a throwaway single-node Slurm on this machine: munged, slurmctld and slurmd as root, on loopback, with
# every file (config, munge key and socket, state, logs, pid files, job completion log) under STATE_DIR.
# Partitions: cpu (default) and gpu, both on the one node. The node declares 4 GPUs of type "fake" (GRES that Slurm
# counts and allocates, backed by no device: a job asking for --gres=gpu[:fake]:N is scheduled and runs, with
# SLURM_GPUS_ON_NODE=N and no real GPU), so tests can check what GPU jobs request (`scontrol show job` lists it as
# TresPerNode for 10 minutes after the job, MinJobAge). Finished jobs are logged with their partition in
# STATE_DIR/jobcomp.txt (JobCompType=jobcomp/filetxt), so tests need no accounting database.
#
#   tests/slurm/start.sh STATE_DIR        then: export SLURM_CONF=STATE_DIR/slurm.conf
#   tests/slurm/stop.sh STATE_DIR
#
# Ports: SLURM_TEST_PORT (slurmctld) and SLURM_TEST_PORT+1 (slurmd), default 26817/26818.
set -euo pipefail

STATE=${1:?usage: start.sh STATE_DIR}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
[[ $(id -u) == 0 ]] || { echo "start.sh: must run as root (slurmd runs jobs as their users)" >&2; exit 1; }
for bin in munged slurmctld slurmd sinfo; do
  command -v "$bin" >/dev/null 2>&1 || [[ -x "/usr/sbin/$bin" ]] || { echo "start.sh: $bin not installed (tests/slurm/install.sh)" >&2; exit 1; }
done
export PATH="$PATH:/usr/sbin"

PORT=${SLURM_TEST_PORT:-26817}
HOST=$(hostname -s)
# slurmd makes Unix sockets STATE/spool/<host>_<jobid>.<stepid> and munged STATE/munge/munge.socket: a socket path
# has at most 108 bytes, so the state dir must be short (e.g. under /tmp)
probe="$STATE/spool/${HOST}_9999999.4294967291"
if (( ${#probe} > 100 )); then
  echo "start.sh: state dir path too long for Slurm's Unix sockets (${#probe} > 100 bytes): use a shorter one, e.g. mktemp -d /tmp/slurm.XXXX" >&2
  exit 1
fi
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
mkdir -p "$STATE/ctld" "$STATE/spool" "$STATE/munge"
chmod 700 "$STATE/munge"

# munge: our own key, socket and daemon, so a system munge (if any) is never touched
if [[ ! -s "$STATE/munge/munge.key" ]]; then
  dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$STATE/munge/munge.key"
fi
munged --force --key-file="$STATE/munge/munge.key" --socket="$STATE/munge/munge.socket" \
  --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/munge/munged.log" --seed-file="$STATE/munge/munged.seed"

cat > "$STATE/slurm.conf" <<CONF
# throwaway test cluster (tests/slurm/start.sh)
ClusterName=landscape-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
AuthInfo=socket=$STATE/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
DefMemPerCPU=1024
KillWait=5
Waittime=0
GresTypes=gpu
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB Gres=gpu:fake:4 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$HOST Default=NO MaxTime=INFINITE State=UP
CONF

# the fake GPUs: links to /dev/null stand in for their device files (slurmd wants character devices; gres.conf is
# read from slurm.conf's folder)
for i in 0 1 2 3; do ln -sfn /dev/null "$STATE/fake-gpu$i"; done
cat > "$STATE/gres.conf" <<CONF
AutoDetect=off
NodeName=$HOST Name=gpu Type=fake File=$STATE/fake-gpu[0-3]
CONF

export SLURM_CONF="$STATE/slurm.conf"
slurmctld -c -f "$SLURM_CONF"
slurmd -c -f "$SLURM_CONF"

# wait until the node takes jobs
for _ in $(seq 1 60); do
  state=$(sinfo -h -n "$HOST" -o '%T' 2>/dev/null | head -n 1 || true)
  case "$state" in
    idle*|mixed*|allocated*) echo "start.sh: Slurm is up (node $HOST $state; SLURM_CONF=$SLURM_CONF)"; exit 0 ;;
    drain*|down*) scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
echo "start.sh: the Slurm node did not come up; see $STATE/slurmctld.log and $STATE/slurmd.log" >&2
sinfo >&2 || true
exit 1
