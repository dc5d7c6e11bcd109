#!/bin/sh
# bench/alerts.sh: the alerts outbox (issue 10): 1,000 notifications queued
# and delivered to a loopback webhook, the RSS of the master and of the
# alerts worker before and after, and the time from outbox_put to the
# request at the receiver. Prints figures; never fails.
#   usage: bench/alerts.sh [BUILD_DIR]   (default: _build)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$TOP/_build}" && pwd)
RDD="$B/redundancyd"
CTL="$B/redundancyctl"
SINK="$TOP/tests/integration/alert_sink.py"
# BENCH_TMP=/dev/shm: the outbox on tmpfs, to see the cost of fsync apart.
WS=$(mktemp -d "${BENCH_TMP:-/tmp}/rdd-bench.XXXXXX")
chmod 755 "$WS"
pid=""
spid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$WS"' EXIT
mkdir -p "$WS/plugins"
chmod 755 "$WS/plugins"
install -m 0755 "$B/plugins/exec/.libs/exec.so" "$WS/plugins/"

python3 "$SINK" --port-file "$WS/port" --log "$WS/hook.log" &
spid=$!
i=0
while [ ! -s "$WS/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$WS/port" 2>/dev/null)
cat >"$WS/rdd.conf" <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$WS/state"; log_dir = "$WS/log";
  control_socket = "$WS/ctl.sock"; pidfile = "$WS/pid"; startup_delay = "0"; };
monitors = ( { name = "true"; plugin = "exec"; interval = "10s"; command = ["/bin/true"]; } );
alerts = { receivers = (
  { name = "hook"; type = "webhook"; url = "http://127.0.0.1:$port/hook"; }
); };
CONF
"$RDD" -f -c "$WS/rdd.conf" >"$WS/out" 2>&1 &
pid=$!
i=0
while [ $i -lt 200 ] && ! "$CTL" -s "$WS/ctl.sock" ping >/dev/null 2>&1; do
	sleep 0.05
	i=$((i + 1))
done

ctl() { "$CTL" -s "$WS/ctl.sock" "$@" >/dev/null 2>&1; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
worker() {
	for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
		[ "$(cat /proc/"$c"/comm 2>/dev/null)" = "rdd:alerts" ] && echo "$c"
	done
}
got() { if [ -f "$WS/hook.log" ]; then wc -l <"$WS/hook.log" | tr -d " "; else echo 0; fi; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# wait_got N: until the receiver logged N requests (at most 120 s).
wait_got() {
	end=$(($(now_ms) + 120000))
	while [ "$(got)" -lt "$1" ] && [ "$(now_ms)" -lt "$end" ]; do
		sleep 0.02
	done
}

# Warm up: the worker forked, its loop and plain HTTP path in use.
ctl alerts test hook
wait_got 1
w=$(worker)
m0=$(rss "$pid")
w0=$(rss "${w:-0}")

# Latency: 50 single notifications, one at a time; the key holds the
# master's wall clock (ms) at outbox_put, the receiver its arrival time.
n=1
for i in $(seq 1 50); do
	ctl alerts test hook
	n=$((n + 1))
	wait_got $n
done
lat=$(python3 - "$WS/hook.log" <<'PY'
import json, sys
v = []
for l in list(open(sys.argv[1]))[1:]:
    r = json.loads(l)
    put_ms = int(r["headers"]["idempotency-key"].split(":")[2])
    v.append(r["t"] * 1000 - put_ms)
v.sort()
print("median %.2f ms, p90 %.2f ms, max %.2f ms" % (v[len(v) // 2], v[int(len(v) * 0.9)], v[-1]))
PY
)

# 1,000 at once: queued (each fsynced) by one control command, then sent.
t0=$(now_ms)
ctl alerts test hook 1000
t1=$(now_ms)
wait_got $((n + 1000))
t2=$(now_ms)
m1=$(rss "$pid")
w1=$(rss "${w:-0}")
left=$(ls "$WS/state/outbox" 2>/dev/null | wc -l)
# Once more: the memory a first batch took is reused, not added to.
ctl alerts test hook 1000
wait_got $((n + 2000))
m2=$(rss "$pid")
w2=$(rss "${w:-0}")

echo "alerts bench ($(nproc) cpus, state_dir on $(df -T "$WS" | awk 'NR==2 { print $2 }'))"
echo "  outbox_put -> request at the receiver: $lat"
echo "  1000 queued (written + fsynced) in $((t1 - t0)) ms, all delivered after $((t2 - t0)) ms ($(got) requests, $left left in the outbox)"
echo "  master RSS: ${m0} kB before, ${m1} kB after 1000, ${m2} kB after 2000"
echo "  alerts worker RSS: ${w0} kB before, ${w1} kB after 1000, ${w2} kB after 2000 (pid ${w:-none})"
echo "  master maps libcurl: $(grep -c libcurl /proc/$pid/maps 2>/dev/null) lines (want 0)"
exit 0
