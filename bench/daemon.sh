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
# What starting any process costs here: the floor under every CLI figure.
a=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do /bin/true; done
b=$(date +%s%N)
floor=$(((b - a) / 20000))
echo "starting /bin/true: $floor us (floor of the CLI figures below)"
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
		# 20 calls between two clock reads, so `date` is not measured
		a=$(date +%s%N)
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			"$CTL" -s "$WS/ctl.sock" --json status >/dev/null 2>&1
		done
		b=$(date +%s%N)
		echo $(((b - a) / 20000)) >>"$WS/lat"
		stop
	done
	goal=5120
	[ "$n" -eq 1000 ] && goal=8192
	echo "RSS with $n exec targets: $(median <"$WS/rss") kB (goal <= $goal; Monit 12.9 MB at 100)"
	goal=2000
	[ "$n" -eq 1000 ] && goal=5000
	lat=$(median <"$WS/lat")
	echo "redundancyctl status --json at $n targets: $lat us per call, $((${lat%.*} - floor)) us above the floor (goal <= $goal; Monit 17.6 ms at 100)"
done
exit 0
