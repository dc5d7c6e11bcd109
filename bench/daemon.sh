#!/bin/sh
# bench/daemon.sh: the host daemon's figures, each a median of repeated runs:
# exec to first completed check, idle RSS, RSS at 100 and 1,000 exec
# targets, and `redundancyctl status --json` latency. Prints; never fails.
#   usage: bench/daemon.sh [BUILD_DIR]   (default: _build)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$TOP/_build}" && pwd)
RDD="$B/redundancyd"
CTL="$B/redundancyctl"
WS=$(mktemp -d /tmp/rdd-bench.XXXXXX)
chmod 755 "$WS"
trap 'kill $pid 2>/dev/null; rm -rf "$WS"' EXIT
mkdir -p "$WS/plugins"
chmod 755 "$WS/plugins"
install -m 0755 "$B/plugins/exec/.libs/exec.so" "$WS/plugins/"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

conf() { # conf N: N exec monitors running /bin/true once an hour
	{
		cat <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$WS/state"; log_dir = "$WS/log";
  control_socket = "$WS/ctl.sock"; pidfile = "$WS/pid"; http = { listen = ""; };
  startup_delay = "0"; max_children = 32; };
monitors = (
CONF
		i=1
		while [ "$i" -le "$1" ]; do
			[ "$i" -gt 1 ] && echo ","
			printf '{ name = "m%d"; plugin = "exec"; interval = "1h"; command = ["/bin/true"]; }' "$i"
			i=$((i + 1))
		done
		echo ");"
	} >"$WS/redundancyd.conf"
}

start() {
	rm -rf "$WS/log" "$WS/state"
	t0=$(now_ms)
	"$RDD" -f -c "$WS/redundancyd.conf" >/dev/null 2>&1 &
	pid=$!
}

wait_checked() { # wait until N targets report OK
	n=$1
	end=$(($(now_ms) + 60000))
	while [ "$(now_ms)" -lt "$end" ]; do
		c=$(grep -c -- '-> OK' "$WS/log/system.log" 2>/dev/null)
		c=${c:-0}
		[ "$c" -ge "$n" ] && return 0
		sleep 0.01
	done
	return 1
}

stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null; }

echo "redundancyd bench on $(nproc) cores, $(uname -r); medians"
conf 1
: >"$WS/first"
: >"$WS/idle"
for r in 1 2 3 4 5 6 7 8 9 10 11; do
	start
	wait_checked 1
	# the log line's own timestamp marks the completed check
	ts=$(grep -m1 -- '-> OK' "$WS/log/system.log" | cut -c1-23)
	done_ms=$(date -d "${ts}Z" +%s%3N 2>/dev/null || echo 0)
	echo $((done_ms - t0)) >>"$WS/first"
	sleep 0.5 # settle before measuring memory (not synchronisation)
	rss_kb "$pid" >>"$WS/idle"
	stop
done
echo "exec to first completed check: $(median <"$WS/first") ms (goal <= 30; Monit 35 ms)"
echo "idle RSS, 1 monitor: $(median <"$WS/idle") kB (goal <= 3584; Monit 7.6 MB)"

for n in 100 1000; do
	conf "$n"
	: >"$WS/rss"
	: >"$WS/lat"
	for r in 1 2 3; do
		start
		wait_checked "$n" || echo "  (not all $n checked within 60 s)"
		rss_kb "$pid" >>"$WS/rss"
		i=0
		while [ $i -lt 10 ]; do
			a=$(date +%s%N)
			"$CTL" -s "$WS/ctl.sock" --json status >/dev/null 2>&1
			b=$(date +%s%N)
			echo $(((b - a) / 1000)) >>"$WS/lat"
			i=$((i + 1))
		done
		stop
	done
	echo "RSS with $n exec targets: $(median <"$WS/rss") kB"
	echo "redundancyctl status --json at $n targets: $(median <"$WS/lat") us (process start included)"
done
exit 0
