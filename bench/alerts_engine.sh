#!/bin/sh
# bench/alerts_engine.sh: the alert engine (issue 10) at scale. N exec
# monitors (default 1,000) fail at once: N firing alerts, one group each,
# delivered to a loopback webhook; then they all recover (N resolved
# notices) and fail again, twice. Prints the master's RSS at each step
# (flat: the second round costs no more than the first) and the time from
# the alert decision (its startsAt, the engine's clock when it fired, in
# whole ms: figures read up to 1 ms high) to the request's first byte at
# the receiver. Prints figures; never fails.
#   usage: bench/alerts_engine.sh [BUILD_DIR] [N]   (default: _build 1000)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$TOP/_build}" && pwd)
N=${2:-1000}
RDD="$B/redundancyd"
CTL="$B/redundancyctl"
# Stamps each request at its first byte: http.server's thread and header
# parsing would add a millisecond or two that is not ours.
SINK="$TOP/bench/first_byte_sink.py"
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
# The check fails while $WS/down exists; no recover: a give-up per target,
# dropped by a rule so that N alerts fire, not 2N.
cat >"$WS/check" <<CHK
#!/bin/sh
[ -e "$WS/down" ] && { echo "BENCH CRITICAL: down"; exit 2; }
echo "BENCH OK"
CHK
sed "s|$WS/down|$WS/probe-down|" "$WS/check" >"$WS/probe"
chmod 755 "$WS/check" "$WS/probe"
{
	cat <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$WS/state"; log_dir = "$WS/log";
  control_socket = "$WS/ctl.sock"; pidfile = "$WS/pid"; startup_delay = "0"; };
monitors = (
CONF
	i=1
	while [ $i -le "$N" ]; do
		[ $i -gt 1 ] && echo ","
		printf '{ name = "m%d"; plugin = "exec"; interval = "10s"; command = ["%s"]; }' \
		    "$i" "$WS/check"
		i=$((i + 1))
	done
	cat <<CONF
,
{ name = "probe"; plugin = "exec"; interval = "500ms"; command = ["$WS/probe"]; }
);
alerts = {
  receivers = ( { name = "hook"; type = "webhook"; url = "http://127.0.0.1:$port/hook"; } );
  route = { receivers = [ "hook" ]; group_wait = "0s"; group_interval = "1s";
    repeat_interval = "4h"; };
  rules = ( { event = "gave-up"; severity = "none"; },
    { event = "lifecycle"; severity = "none"; } );
};
CONF
} >"$WS/rdd.conf"

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# count STATUS: requests of that status at the receiver.
count() {
	python3 -c 'import json,sys
n = 0
try:
    for l in open(sys.argv[1]):
        n += json.loads(json.loads(l)["body"])["status"] == sys.argv[2]
except OSError:
    pass
print(n)' "$WS/hook.log" "$1"
}
# wait_count STATUS N: until the receiver has N of them (at most 180 s).
wait_count() {
	end=$(($(now_ms) + 180000))
	while [ "$(count "$1")" -lt "$2" ] && [ "$(now_ms)" -lt "$end" ]; do
		sleep 0.5
	done
}

"$RDD" -f -c "$WS/rdd.conf" >"$WS/out" 2>&1 &
pid=$!
i=0
while [ $i -lt 400 ] && ! "$CTL" -s "$WS/ctl.sock" ping >/dev/null 2>&1; do
	sleep 0.05
	i=$((i + 1))
done
# Every monitor checked once and OK: the baseline.
end=$(($(now_ms) + 60000))
while [ "$(now_ms)" -lt "$end" ] &&
    ! "$CTL" -s "$WS/ctl.sock" status >/dev/null 2>&1; do
	sleep 0.5
done
m0=$(rss "$pid")
rounds=""
for r in 1 2 3; do
	: >"$WS/down"
	t0=$(now_ms)
	wait_count firing $((N * r))
	t1=$(now_ms)
	mf=$(rss "$pid")
	rm -f "$WS/down"
	wait_count resolved $((N * r))
	mr=$(rss "$pid")
	rounds="$rounds
  round $r: $N firing delivered $((t1 - t0)) ms after the failure (checks every 10 s); RSS ${mf} kB firing, ${mr} kB resolved"
done
# One alert alone, PROBES times (default 30): the probe fails, fires,
# recovers.
PROBES=${PROBES:-30}
r=0
while [ $r -lt "$PROBES" ]; do
	r=$((r + 1))
	: >"$WS/probe-down"
	wait_count firing $((N * 3 + r))
	rm -f "$WS/probe-down"
	wait_count resolved $((N * 3 + r))
done
# lat MONITOR-TEST: decision -> request for the firing alerts of those.
lat() {
	python3 - "$WS/hook.log" "$1" <<'PY'
import datetime, json, sys
v = []
for l in open(sys.argv[1]):
    r = json.loads(l)
    d = json.loads(r["body"])
    if d["status"] != "firing":
        continue
    if (d["alerts"][0]["labels"]["monitor"] == "probe") != (sys.argv[2] == "probe"):
        continue
    s = d["alerts"][0]["startsAt"]
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    v.append((r["t"] - t) * 1000)
v.sort()
if v:
    print("median %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms over %d" % (
        v[len(v) // 2], v[int(len(v) * 0.9)], v[int(len(v) * 0.99)], v[-1], len(v)))
else:
    print("no firing request arrived")
PY
}
metrics=$("$CTL" -s "$WS/ctl.sock" --json alerts 2>/dev/null | python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j.get("firing",[])), "firing,", j.get("outbox_depth"), "in the outbox")' 2>/dev/null)

echo "alerts engine bench ($(nproc) cpus, $N exec monitors)"
echo "  master RSS: ${m0} kB with $N monitors OK, before any alert$rounds"
echo "  alert decision (startsAt) -> request at the receiver, one alert alone: $(lat probe) (goal <= 5 ms)"
echo "  the same in bursts of $N (queued behind each other): $(lat burst)"
echo "  at the end: $metrics"
exit 0
