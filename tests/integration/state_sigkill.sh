#!/bin/sh
# state_sigkill: SIGKILL of the daemon in the middle of a recovery loses no
# recovery state: after a restart the engine goes on from the attempt it
# had reached and gives up on time, instead of starting the ladder again.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
cat >"$WS/fix.sh" <<'FIX'
#!/bin/sh
# a recovery that never works; the second attempt hangs until killed
n=$(( $(cat "$1/count" 2>/dev/null || echo 0) + 1 ))
echo $n >"$1/count"
if [ $n -eq 2 ]; then
	echo $$ >"$1/hang.pid"
	exec sleep 1000
fi
echo "fix $n failed"
exit 1
FIX
chmod +x "$WS/fix.sh"
EXTRA_CLEANUP='[ -f "$WS/hang.pid" ] && kill -9 "$(cat "$WS/hang.pid")" 2>/dev/null'
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "svc"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "echo 'SVC CRITICAL: down'; exit 2"];
	  recover = ( ["$WS/fix.sh", "$WS"] ); }
);
CONF
} >"$WS/redundancyd.conf"

start_daemon
check "the second attempt is running" wait_for 15 test -s "$WS/hang.pid"
check "the state file holds attempt 2" wait_for 10 grep -q '"attempts": *"2"' "$WS/state/state.json"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
kill -9 "$(cat "$WS/hang.pid")" 2>/dev/null
mv "$WS/log/journal.jsonl" "$WS/journal.first"

start_daemon
check "after the restart the engine gives up" wait_for 15 grep -q '"kind":"giveup"' "$WS/log/journal.jsonl"
check "it went on with attempt 3" grep -q '"attempt 3: recover-3"' "$WS/log/journal.jsonl"
check "it did not start again at attempt 1" sh -c "! grep -q 'attempt 1:' '$WS/log/journal.jsonl'"
check "exactly three fixes ran in all" test "$(cat "$WS/count")" -eq 3
ctl --json status >"$WS/status.json" 2>/dev/null
check "status shows the give-up" grep -q '"gave_up":true' "$WS/status.json"
check "the daemon stops cleanly" stop_daemon
finish
