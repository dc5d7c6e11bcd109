#!/bin/sh
# alerts_outbox: a receiver down then up gets every notification once and
# in order; SIGKILL of the daemon mid-outbox loses nothing (duplicates only
# of the one in flight); a crash of the alerts worker loses nothing.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"

HTTP_LISTEN=127.0.0.1:0
export HTTP_LISTEN
touch "$WS/down"
http_sink hook --down "$WS/down" --delay 0.02 || exit 1
P=$(cat "$WS/hook.port")
alerts_conf "
	{ name = \"hook\"; type = \"webhook\"; url = \"http://127.0.0.1:$P/hook\";
	  retry_min = \"100ms\"; retry_max = \"400ms\"; timeout = \"5s\"; }" || exit 1

# keys LOG: the keys of the requests answered 200, in order.
keys() {
	"$PY3" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if not r["down"]: print(r["headers"]["idempotency-key"])' "$1"
}
# tries: the requests refused while down, all of the first notification.
down_keys() {
	"$PY3" -c 'import json,sys
print("\n".join(sorted(set(json.loads(l)["headers"]["idempotency-key"] for l in open(sys.argv[1]) if json.loads(l)["down"]))))' "$1"
}
delivered() {
	[ "$(keys "$WS/hook.log" | sort -u | wc -l)" -ge "$1" ]
}
down_tries() {
	[ "$(lines "$WS/hook.log")" -ge "$1" ]
}

start_daemon || { not_ok "daemon starts"; finish; exit 1; }
check "5 notifications queued while the receiver is down" ctl alerts test hook 5
check "the receiver is retried with backoff" wait_for 10 down_tries 4
check "5 files wait in the outbox" test "$(ls "$WS/state/outbox" | wc -l)" -eq 5
check "only the first notification was tried (FIFO)" test "$(down_keys "$WS/hook.log" | wc -l)" -eq 1
rm -f "$WS/down"
check "up again: all 5 delivered" wait_for 15 delivered 5
keys "$WS/hook.log" >"$WS/keys1"
check "each once" test "$(sort -u "$WS/keys1" | wc -l)" -eq "$(wc -l <"$WS/keys1")"
check "in order" sh -c "sort -t: -k4,4n '$WS/keys1' | cmp -s - '$WS/keys1'"
check "the outbox is empty" wait_for 5 sh -c "[ -z \"\$(ls '$WS/state/outbox')\" ]"
ctl logs -n 200 >"$WS/logs1" 2>&1
check "the failure is logged with the receiver" grep -q "receiver hook: notification test:hook:.* not delivered (attempt 1): HTTP 503" "$WS/logs1"
check "and the recovery journaled" grep -q "alert-receiver-up" "$WS/log/journal.jsonl"
PORT=$(sed -n 's/.*status page on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' \
    "$WS/log/system.log" | tail -n 1)
curl -s "http://127.0.0.1:$PORT/metrics" >"$WS/metrics" 2>/dev/null
check "/metrics: 5 sent" grep -qx 'redundancyd_alerts_sent_total{receiver="hook"} 5' "$WS/metrics"
check "/metrics: the failed attempts" grep -q 'redundancyd_alerts_failed_total{receiver="hook"} [1-9]' "$WS/metrics"
check "/metrics: the outbox is empty" grep -qx 'redundancyd_alerts_outbox_depth 0' "$WS/metrics"

# SIGKILL mid-outbox: 40 queued, killed after some were delivered.
: >"$WS/hook.log"
check "40 more queued" ctl alerts test hook 40
check "some delivered" wait_for 15 delivered 8
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
left=$(ls "$WS/state/outbox" | wc -l)
check "files left in the outbox after SIGKILL ($left)" test "$left" -gt 0
start_daemon || { not_ok "daemon restarts"; finish; exit 1; }
check "after the restart all 40 delivered" wait_for 30 delivered 40
keys "$WS/hook.log" >"$WS/keys2"
total=$(wc -l <"$WS/keys2")
uniq_n=$(sort -u "$WS/keys2" | wc -l)
check "duplicates: at most the one in flight ($total requests, $uniq_n keys)" test $((total - uniq_n)) -le 1
awk '!seen[$0]++' "$WS/keys2" >"$WS/first2"
check "first deliveries in order" sh -c "sort -t: -k4,4n '$WS/first2' | cmp -s - '$WS/first2'"
check "the outbox is empty again" wait_for 5 sh -c "[ -z \"\$(ls '$WS/state/outbox')\" ]"

# The alerts worker killed: what it held goes back to the outbox.
alerts_pid() {
	for p in $(cat /proc/"$DPID"/task/*/children 2>/dev/null); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = "rdd:alerts" ] && echo "$p"
	done
}
: >"$WS/hook.log"
touch "$WS/down"
check "3 queued while down" ctl alerts test hook 3
check "tried" wait_for 10 down_tries 1
AP=$(alerts_pid)
check "the alerts worker is a child of the daemon ($AP)" test -n "$AP"
# TERM, HUP and USR1 (as pkill -f redundancyd sends them) are the master's.
n0=$(lines "$WS/hook.log")
[ -n "$AP" ] && kill -TERM "$AP" && kill -HUP "$AP" && kill -USR1 "$AP"
check "tried again after TERM, HUP and USR1 to it" wait_for 30 down_tries $((n0 + 1))
check "by the same alerts worker: it did not obey them" test "$(alerts_pid)" = "$AP"
[ -n "$AP" ] && kill -9 "$AP"
rm -f "$WS/down"
check "after its crash all 3 delivered" wait_for 20 delivered 3
ctl logs -n 50 >"$WS/logs2" 2>&1
check "the crash is logged" grep -q "alerts worker" "$WS/logs2"
check "the daemon stops cleanly" stop_daemon
finish
