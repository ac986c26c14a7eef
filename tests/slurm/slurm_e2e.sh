#!/usr/bin/env bash
# A real Slurm test: starts a single-node Slurm (munge, slurmctld, slurmd) on this machine,
# submits a simulated sweep of the demo preset as an array job through `flopsfit --batch slurm
# --submit`, waits for it, runs analyze, and checks that every run is there exactly once.
# Stops the daemons it started. Needs root, a cgroup filesystem and Debian's munge + slurm-wlm;
# exits 77 (skipped) without them.
# Usage: slurm_e2e.sh FLOPSFIT_BINARY PRESETS_DIR
set -euo pipefail

flopsfit="$1"
presets="$2"
for tool in munged slurmctld slurmd sbatch squeue sinfo; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not installed (apt-get install munge slurm-wlm)"
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: starting slurmd needs root"
  exit 77
fi
if ! mountpoint -q /sys/fs/cgroup; then
  echo "SKIP: slurmd needs a cgroup filesystem at /sys/fs/cgroup (a chroot or container without one)"
  exit 77
fi

work="$(mktemp -d /tmp/flopsfit-slurm.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

host="$(hostname -s)"
cpus="$(nproc)"
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
mkdir -p "$work"/{munge,spool,state,log,run}

# munge: a fresh key and socket of our own, so nothing on the machine is touched.
dd if=/dev/urandom bs=1 count=1024 of="$work/munge/munge.key" status=none
chmod 700 "$work/munge"; chmod 400 "$work/munge/munge.key"
socket="$work/munge/munge.socket"
munged --foreground --force --key-file="$work/munge/munge.key" --socket="$socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" \
  >"$work/log/munged.out" 2>&1 &
pids+=($!)

cat > "$work/slurm.conf" <<CONF
ClusterName=flopsfit-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmdSpoolDir=$work/spool
StateSaveLocation=$work/state
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
MaxArraySize=10001
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"

for i in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
ctld=$!
pids+=($ctld)
slurmd -D -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
slurmd_pid=$!
pids+=($slurmd_pid)

daemons_alive() {
  for pid in "$ctld" "$slurmd_pid"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL: a Slurm daemon exited; its log:"; tail -n 8 "$work"/log/*.out; return 1
    fi
  done
}

# Wait for the node to come up idle.
state=""
for i in $(seq 120); do
  daemons_alive || exit 1
  state="$(timeout 10 sinfo --noheader --format=%t 2>/dev/null | head -n1 || true)"
  [ "$state" = "idle" ] && break
  sleep 0.5
done
if [ "$state" != "idle" ]; then
  echo "FAIL: the Slurm node did not come up (state '$state')"; tail -n 20 "$work"/log/*.log; exit 1
fi

study="$work/study"
"$flopsfit" --batch plan --preset "$presets/demo.jsonc" --out "$study" compute.budgets=3 model.sizes_per_budget=5 >/dev/null
runs=$(grep -c '"id"' "$study/sweep.json")
job="$("$flopsfit" --batch slurm --study "$study" --submit)"
echo "submitted job $job for $runs runs"
[ -n "$job" ] || { echo "FAIL: no job id printed"; exit 1; }

# Wait for the whole array to leave the queue.
for i in $(seq 240); do
  daemons_alive || exit 1
  [ -z "$(timeout 10 squeue --noheader --jobs="$job" 2>/dev/null)" ] && break
  sleep 0.5
done
if [ -n "$(squeue --noheader --jobs="$job")" ]; then
  echo "FAIL: the array job did not finish"; squeue; exit 1
fi

"$flopsfit" --batch status --study "$study"
"$flopsfit" --batch analyze --study "$study" --json > "$work/summary.json"

fail=0
lines=$(grep -c . "$study/results.jsonl")
files=$(ls "$study"/runs/*/result.json | wc -l)
unique=$(grep -o '"id":"[^"]*"' "$study/results.jsonl" | sort -u | wc -l)
echo "runs planned $runs, result lines $lines, distinct ids $unique, result files $files"
[ "$lines" -eq "$runs" ] || { echo "FAIL: results.jsonl has $lines lines for $runs runs"; fail=1; }
[ "$unique" -eq "$runs" ] || { echo "FAIL: $unique distinct runs in results.jsonl"; fail=1; }
[ "$files" -eq "$runs" ] || { echo "FAIL: $files per-run result files"; fail=1; }
grep -q '"runs_used": '"$runs" "$work/summary.json" || { echo "FAIL: analyze did not use all $runs runs"; cat "$work/summary.json"; fail=1; }
"$flopsfit" --batch status --study "$study" | grep -q "$runs done" || { echo "FAIL: status does not report $runs done"; fail=1; }
ls "$study"/slurm/logs/*.out >/dev/null || { echo "FAIL: no task logs"; fail=1; }
if [ $fail -ne 0 ]; then tail -n 20 "$work"/log/*.log; exit 1; fi
echo "PASS: $runs runs trained by Slurm array tasks, each recorded exactly once"
