#!/usr/bin/env bash
# Turn this machine into a single-node SLURM cluster (Debian slurm-wlm 22.05 +
# munge) so that `snakemake --executor slurm` can be tested for real.
# Usage: cluster/local_slurm.sh start|stop|status    (run as root; no systemd needed)
set -euo pipefail

BASE=${BOOM_SLURM_DIR:-/var/lib/boom-slurm}   # state, spool, logs, pid files
CONF=/etc/slurm/slurm.conf                    # default path for sbatch/squeue/...
MARK="# managed by boom cluster/local_slurm.sh"
NODE=$(hostname -s 2>/dev/null || echo localhost)
CONF_CHANGED=0

log() { echo "[local_slurm] $*"; }
die() { echo "[local_slurm] ERROR: $*" >&2; exit 1; }
alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_pkgs() {
  local missing=()
  for p in slurm-wlm munge; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || { log "packages present"; return; }
  log "installing ${missing[*]} (apt)"; export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_conf() {
  # Refuse to clobber a slurm.conf that we did not write (real cluster!).
  [[ -f $CONF ]] && ! grep -qF "$MARK" "$CONF" && die "$CONF exists and is not ours"
  local hw mem lim new
  # CPU topology exactly as slurmd detects it (avoids INVALID/DRAIN on mismatch).
  hw=$(slurmd -C | head -n1 | grep -o 'CPUs=.*ThreadsPerCore=[0-9]*')
  mem=$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)   # MiB
  lim=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || echo max)  # container limit?
  [[ $lim =~ ^[0-9]+$ ]] && ((lim / 1048576 < mem)) && mem=$((lim / 1048576))
  mem=$((mem * 95 / 100))   # headroom for the daemons
  mkdir -p /etc/slurm "$BASE"/{state,spool,log}
  new=$(mktemp)
  cat >"$new" <<EOF
$MARK
ClusterName=boom
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/slurmctld.pid
SlurmdPidFile=$BASE/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
# Containers have no systemd/cgroup v2 delegation: track processes via /proc.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: snakemake must use status_command=squeue, which needs finished
# jobs to stay visible in slurmctld for a while (MinJobAge, seconds).
AccountingStorageType=accounting_storage/none
MinJobAge=3600
# Start a job the moment it is submitted or a CPU frees (the default holds batch jobs up to 3 s
# to schedule them together): on this cluster every job is short, and seconds a job add up.
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
NodeName=$NODE NodeAddr=127.0.0.1 $hw RealMemory=$mem State=UNKNOWN
PartitionName=boom Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  if cmp -s "$new" "$CONF"; then rm -f "$new"; log "$CONF unchanged"; return; fi
  mv "$new" "$CONF"; chmod 644 "$CONF"; CONF_CHANGED=1
  log "wrote $CONF (node $NODE: $hw RealMemory=${mem}M, partition boom)"
}

start_munge() {
  # Key is normally created by the munge postinst; make one if it is missing.
  if [[ ! -s /etc/munge/munge.key ]]; then
    log "creating munge key"; mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 755 /run/munge
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged already running"; return
  fi
  runuser -u munge -- munged   # daemonizes itself
  touch "$BASE/started-munged"  # so that `stop` only kills what we started
  for _ in $(seq 20); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.5; done
  log "started munged"
}

start_slurm() {
  if alive "$BASE/slurmctld.pid"; then log "slurmctld already running"
    if ((CONF_CHANGED)); then scontrol reconfigure; log "reloaded changed config"; fi
  else slurmctld && log "started slurmctld"; fi   # both daemonize themselves
  if alive "$BASE/slurmd.pid"; then log "slurmd already running"
  else slurmd -N "$NODE" && log "started slurmd"; fi
  local t=0 state=""
  until [[ $state == idle* || $state == mix* || $state == alloc* ]]; do
    ((t++ < 60)) || { echo "--- slurmctld.log"; tail -n 20 "$BASE/log/slurmctld.log" || true
      echo "--- slurmd.log"; tail -n 20 "$BASE/log/slurmd.log" || true
      die "node $NODE not idle after 60s (state: '${state:-none}')"; }
    sleep 1; state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    # A node left DRAINED/DOWN by an earlier (killed) run must be resumed by hand.
    [[ $state == drain* || $state == down* ]] && scontrol update NodeName="$NODE" State=RESUME || true
  done
  log "node $NODE is $state after ${t}s"
}

stop_pid() {  # $1=name $2=pidfile
  if alive "$2"; then local pid; pid=$(cat "$2"); kill "$pid"
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    log "stopped $1 ($pid)"; fi
  rm -f "$2"
}

case ${1:-} in
  start)
    [[ $(id -u) == 0 ]] || die "must run as root"
    install_pkgs; mkdir -p "$BASE"; write_conf; start_munge; start_slurm
    sinfo ;;
  stop)
    # Cancel leftover jobs first, else their slurmstepd processes outlive slurmd.
    if alive "$BASE/slurmctld.pid"; then squeue -h -o %A | xargs -r scancel; sleep 1; fi
    stop_pid slurmd "$BASE/slurmd.pid"; stop_pid slurmctld "$BASE/slurmctld.pid"
    if [[ -f $BASE/started-munged ]]; then
      stop_pid munged /run/munge/munged.pid; rm -f "$BASE/started-munged"
    fi ;;
  status)
    command -v sinfo >/dev/null || die "slurm not installed"
    sinfo; squeue --states=all ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
