#!/bin/sh
# bench/exec_cost.sh: the daemon's own CPU per exec check (master and
# workers, not the checks' children): N exec monitors run /bin/true every
# second for a window. Prints; never fails.
# Then the floor: what one bare spawn costs its parent on this machine.
#   usage: bench/exec_cost.sh [BUILD_DIR] [N=100] [WINDOW_S=10] [RUNS=3]
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$TOP/_build}" && pwd)
N=${2:-100}
W=${3:-10}
RUNS=${4:-3}
RDD="$B/redundancyd"
CTL="$B/redundancyctl"
WS=$(mktemp -d "${TMPDIR:-/tmp}/rdd-bench.XXXXXX")
chmod 755 "$WS"
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$WS"' EXIT
mkdir -p "$WS/plugins"
chmod 755 "$WS/plugins"
install -m 0755 "$B/plugins/exec/.libs/exec.so" "$WS/plugins/"
{
	cat <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$WS/state"; log_dir = "$WS/log";
  control_socket = "$WS/ctl.sock"; pidfile = "$WS/pid"; http = { listen = ""; };
  startup_delay = "0"; max_children = 32; };
monitors = (
CONF
	i=1
	while [ "$i" -le "$N" ]; do
		[ "$i" -gt 1 ] && echo ","
		printf '{ name = "m%d"; plugin = "exec"; interval = "1s"; command = ["/bin/true"]; }' "$i"
		i=$((i + 1))
	done
	echo ");"
} >"$WS/redundancyd.conf"

# On-CPU time of the daemon's processes (master + workers, every thread), in
# ns from schedstat: ticks (10 ms) would be too coarse for ~0.1 ms a check.
# Children's time is theirs, not the daemon's.
cpu_ns() {
	t=0
	for p in $pid $(pgrep -P "$pid"); do
		for f in /proc/$p/task/*/schedstat; do
			read -r ns _ <"$f" 2>/dev/null || continue
			t=$((t + ns))
		done
	done
	echo $t
}
checks() {
	"$CTL" -s "$WS/ctl.sock" --json status 2>/dev/null |
	    python3 -c 'import json,sys; print(sum(m["checks"] for m in json.load(sys.stdin)["monitors"]))'
}
: >"$WS/per"
r=1
while [ "$r" -le "$RUNS" ]; do
	rm -rf "$WS/log" "$WS/state"
	"$RDD" -f -c "$WS/redundancyd.conf" >/dev/null 2>&1 &
	pid=$!
	i=0
	until [ "$(checks 2>/dev/null || echo 0)" -ge "$((N * 2))" ] || [ $i -ge 200 ]; do
		sleep 0.1; i=$((i + 1))
	done
	c0=$(checks); t0=$(cpu_ns)
	sleep "$W" # the measurement window, not synchronisation
	c1=$(checks); t1=$(cpu_ns)
	kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=""
	awk -v dt=$((t1 - t0)) -v dc=$((c1 - c0)) \
	    'BEGIN { if (dc > 0) printf "%.4f\n", dt / 1e6 / dc }' >>"$WS/per"
	r=$((r + 1))
done
echo "exec: $N checks/s over ${W} s, $RUNS runs: daemon CPU per check (median): $(sort -n "$WS/per" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') ms (runs: $(tr '\n' ' ' <"$WS/per"))"
# The floor: a bare clone + exec /bin/true + waitpid, paced as the checks
# are (one each 10 ms). Its cost is the kernel's and the hypervisor's (a
# VM with paravirtual page tables pays several times bare metal's), and no
# exec check can cost less: the figure above over this one is our share.
if ${CC:-cc} -O2 -o "$WS/spawn_floor" "$TOP/bench/spawn_floor.c" 2>/dev/null; then
	"$WS/spawn_floor" 500 10 >"$WS/floor"
	echo "exec: the kernel's floor on this machine (bench/spawn_floor.c): $(cat "$WS/floor") ms per bare spawn of /bin/true"
fi
