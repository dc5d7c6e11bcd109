#!/bin/sh
# bench/floods.sh: the daemon under connection floods (issue 9): CPU seconds
# it spends over a 10 s flood of idle connections, the latency of
# redundancyctl status during it, and its log growth. Prints; never fails.
#   usage: bench/floods.sh [BUILD_DIR]   (default: _build)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$TOP/_build}" && pwd)
RDD="$B/redundancyd"
CTL="$B/redundancyctl"
FLOOD="$TOP/tests/faults/flood.py"
WS=$(mktemp -d /tmp/rdd-bench.XXXXXX)
chmod 755 "$WS"
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$WS"' EXIT
mkdir -p "$WS/plugins"
chmod 755 "$WS/plugins"
install -m 0755 "$B/plugins/exec/.libs/exec.so" "$WS/plugins/"
cat >"$WS/rdd.conf" <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$WS/state"; log_dir = "$WS/log";
  control_socket = "$WS/ctl.sock"; pidfile = "$WS/pid";
  http = { listen = "127.0.0.1:0"; }; startup_delay = "0"; };
monitors = ( { name = "true"; plugin = "exec"; interval = "1s"; command = ["/bin/true"]; } );
CONF

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'; }
hz=$(getconf CLK_TCK)

# start FDS: the daemon with ulimit -n FDS; sets pid and port.
start() {
	rm -rf "$WS/log" "$WS/state"
	(ulimit -n "$1" && exec "$RDD" -f -c "$WS/rdd.conf") >"$WS/out" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 200 ] && ! grep -q "status page on" "$WS/log/system.log" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	port=$(sed -n 's|.*status page on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WS/log/system.log" 2>/dev/null | tail -n 1)
}

stop() { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""; }

# flood FDS KIND N: a 10 s flood of N idle connections of KIND (tcp, unix).
flood() {
	start "$1"
	if [ -z "$port" ]; then
		echo "  (the daemon did not start with ulimit -n $1)"
		stop
		return
	fi
	addr="127.0.0.1:$port"
	[ "$2" = unix ] && addr="$WS/ctl.sock"
	t0=$(ticks)
	# the client needs more descriptors than it opens connections
	(ulimit -n 4096 2>/dev/null; exec python3 "$FLOOD" hold "$2" "$addr" "$3" 10 \
	    "$WS/ready") >"$WS/flood" 2>&1 &
	fp=$!
	: >"$WS/lat"
	worst=0
	sleep 1
	for i in 1 2 3 4 5 6 7 8; do
		a=$(date +%s%N)
		timeout 20 "$CTL" -s "$WS/ctl.sock" status >/dev/null 2>&1
		rc=$?
		ms=$((($(date +%s%N) - a) / 1000000))
		[ "$rc" -eq 0 ] || ms="$ms(exit $rc)"
		echo "$ms" >>"$WS/lat"
		[ "${ms%%(*}" -gt "$worst" ] && worst=${ms%%(*}
		sleep 1 # spread over the flood (not synchronisation)
	done
	wait "$fp"
	t1=$(ticks)
	bytes=$(cat "$WS"/log/* "$WS/out" 2>/dev/null | wc -c)
	cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
	echo "$2 flood, $3 idle connections, ulimit -n $1: daemon CPU ${cpu} s over 10 s;" \
	    "status median $(sed 's/(.*//' "$WS/lat" | median) ms, worst $worst ms" \
	    "($(grep -c exit "$WS/lat") failed); log +$bytes bytes; client: $(cat "$WS/flood")"
	stop
}

echo "redundancyd flood bench on $(nproc) cores, $(uname -r)"
flood 64 tcp 100
flood 1024 tcp 1100
flood 1024 unix 150
exit 0
