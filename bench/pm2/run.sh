#!/bin/sh
# bench/pm2/run.sh: figures for the PM2 plugin (never part of make check).
#  (a) reading PM2's whole state over rpc.sock vs `pm2 jlist`, 10 and 100 apps
#  (b) decision latency: PM2's exit event (an app PM2 will not restart) to
#      our restartProcessId written on rpc.sock, from redundancyd's log
#  (c) redundancyd's RSS watching 100 apps next to PM2's God daemon's RSS
# Usage: BUILD=/path/to/build bench/pm2/run.sh   (default: _build)
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/_build}
PM2="$TOP/node_modules/.bin/pm2"
APPS="$TOP/tests/integration/apps"
SAMPLES=${SAMPLES:-12}
for f in "$BUILD/redundancyd" "$BUILD/plugins/pm2/.libs/pm2.so" "$PM2"; do
	[ -e "$f" ] || { echo "bench/pm2: $f missing: build first (BUILD=...)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/pm2b.XXXXXX")
chmod 0755 "$W"
export PM2_HOME="$W/h"
RPID=""
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	"$PM2" kill >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

cc -O2 -I"$TOP" -o "$W/rpc_bench" "$TOP/bench/pm2/rpc_bench.c" \
    "$TOP/plugins/pm2/amp.c" "$TOP/plugins/pm2/rpc.c" \
    "$TOP/plugins/pm2/procs.c" $(pkg-config --cflags --libs json-c) -lm

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'; }

# N sleeper apps (interpreter none: tiny, so 100 fit anywhere).
apps() {
	n=$1
	{
		echo '{"apps":['
		i=0
		while [ $i -lt "$n" ]; do
			[ $i -gt 0 ] && echo ','
			printf '{"name":"s%d","script":"/bin/sleep","args":"100000","interpreter":"none","autorestart":true}' $i
			i=$((i + 1))
		done
		echo ']}'
	} >"$W/apps$n.json"
	"$PM2" start "$W/apps$n.json" >/dev/null 2>&1
}

jlist_ms() {
	i=0
	while [ $i -lt 10 ]; do
		t0=$(date +%s%N)
		"$PM2" jlist >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
		i=$((i + 1))
	done | median | awk '{printf "%.1f", $1 / 1000}'
}

echo "bench/pm2 on $(nproc) CPUs, PM2 $("$PM2" -v 2>/dev/null | tail -n 1), node $(node -v)"
apps 10
echo "(a) 10 apps:  $("$W/rpc_bench" "$PM2_HOME" 200)"
echo "(a) 10 apps:  pm2 jlist median $(jlist_ms) ms (n=10)"
apps 100
echo "(a) 100 apps: $("$W/rpc_bench" "$PM2_HOME" 200)"
echo "(a) 100 apps: pm2 jlist median $(jlist_ms) ms (n=10)"

# (b) and (c): redundancyd watching the 100 apps plus one that exits
# with autorestart off every 2 s after each restart.
mkdir -p "$W/plugins" "$W/state" "$W/log"
chmod 0755 "$W/plugins"
install -m 0755 "$BUILD/plugins/pm2/.libs/pm2.so" "$W/plugins/"
EXIT_AFTER=2 "$PM2" start "$APPS/exit_after.js" --name exiter --no-autorestart >/dev/null 2>&1
cat >"$W/r.conf" <<CONF
daemon: { plugin_dir = "$W/plugins"; state_dir = "$W/state"; log_dir = "$W/log";
	control_socket = "$W/c.sock"; pidfile = "$W/r.pid"; http = { listen = ""; };
	startup_delay = "0"; };
recovery: { max_attempts = 3; delay = "100ms"; cooldown = "1s"; window_max = 1000; };
monitors = ( { name = "pm2"; plugin = "pm2"; interval = "30s";
	pm2_home = "$PM2_HOME"; pm2_bin = "$PM2"; verify = "300ms"; } );
CONF
"$BUILD/redundancyd" -f -c "$W/r.conf" >"$W/r.out" 2>&1 &
RPID=$!
end=$(($(date +%s) + SAMPLES * 4 + 20))
count() { c=$(grep -c 'exiter (pm_id [0-9]*): restartProcessId written' "$W/log/pm2.log" 2>/dev/null) || true; echo "${c:-0}"; }
while [ "$(count)" -lt "$SAMPLES" ] &&
    [ "$(date +%s)" -lt "$end" ]; do
	sleep 1
done
lat=$(grep -o 'exiter (pm_id [0-9]*): restartProcessId written [0-9.]* ms' "$W/log/pm2.log" |
    awk '{print $(NF-1)}')
n=$(printf '%s\n' "$lat" | grep -c . || true)
echo "(b) exit event -> restartProcessId written: median $(printf '%s\n' "$lat" | median) ms," \
    "max $(printf '%s\n' "$lat" | sort -n | tail -n 1) ms (n=$n; goal <= 10 ms median)"
sent=$(grep -o "after PM2 sent it" "$W/log/pm2.log" | wc -l)
echo "    PM2's own timestamp to our write (ms resolution): median" \
    "$(grep -o '([0-9-]* ms after PM2 sent it)' "$W/log/pm2.log" | tr -d '(' | awk '{print $1}' | median) ms (n=$sent)"
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# Since issue 8 the plugin runs in a worker, a child of the master named
# rdd:PLUGIN: redundancyd's figure is the master's plus its workers'.
m=$(rss "$RPID")
wk=$(ps --ppid "$RPID" -o pid=,comm= | awk '$2 ~ /^rdd:/ {print $1}')
w=0
for p in $wk; do w=$((w + $(rss "$p"))); done
r=$((m + w))
g=$(rss "$(cat "$PM2_HOME/pm2.pid")")
echo "(c) RSS with 101 apps: redundancyd ${r} KiB (master ${m}, pm2 worker ${w})," \
    "PM2 God daemon ${g} KiB, ratio 1/$((g / (r > 0 ? r : 1))) (goal <= 1/10)"
