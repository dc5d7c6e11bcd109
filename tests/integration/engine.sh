#!/bin/sh
# engine: dependencies block recovery, a slow check is an overrun and never
# runs twice at once, a hung check times out to UNKNOWN, the global limit
# queues recoveries, and an operator's recover gets its answer.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
cat >"$WS/slowfix.sh" <<'FIX'
#!/bin/sh
# a recovery that takes a while and records how many run at once
d=$1
mkdir "$d/lock.$$" 2>/dev/null
n=$(ls -d "$d"/lock.* 2>/dev/null | wc -l)
[ "$n" -gt "$(cat "$d/max" 2>/dev/null || echo 0)" ] && echo "$n" >"$d/max"
sleep 0.5
rmdir "$d/lock.$$"
echo ran >>"$d/runs.$2"
touch "$d/fixed.$2"
FIX
chmod +x "$WS/slowfix.sh"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "db"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "test -e '$WS/db.up' || { echo 'DB CRITICAL: down'; exit 2; }; echo 'DB OK'"]; },
	{ name = "api"; plugin = "exec"; interval = "200ms"; depends_on = ["db"];
	  command = ["/bin/sh", "-c", "echo 'API CRITICAL'; exit 2"];
	  recover = ( ["/usr/bin/touch", "$WS/api.recovered"] ); },
	{ name = "slow"; plugin = "exec"; interval = "100ms"; timeout = "5s";
	  command = ["/bin/sh", "-c", "sleep 0.6; echo 'SLOW OK'"]; },
	{ name = "hung"; plugin = "exec"; interval = "1s"; timeout = "300ms";
	  check_timeout = "30s"; command = ["/bin/sleep", "20"]; },
	{ name = "a"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "test -e '$WS/fixed.a' || exit 2"];
	  recover = ( ["$WS/slowfix.sh", "$WS", "a"] ); },
	{ name = "b"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "test -e '$WS/fixed.b' || exit 2"];
	  recover = ( ["$WS/slowfix.sh", "$WS", "b"] ); }
);
CONF
} >"$WS/redundancyd.conf"
sed -i 's/max_attempts = 3;/max_attempts = 3; window_max = 50;/' "$WS/redundancyd.conf"
sed -i 's/shutdown_deadline = "5s";/shutdown_deadline = "5s"; max_concurrent_recoveries = 1;/' "$WS/redundancyd.conf"

start_daemon
json() { ctl --json status 2>/dev/null; }
check "api is blocked while db is down" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' --json health api | grep -q '\"blocked\":true'"
check "a blocked target is not recovered" test ! -e "$WS/api.recovered"
check "the block is journaled" grep -q '"kind":"blocked"' "$WS/log/journal.jsonl"
touch "$WS/db.up"
check "once db is up, api is recovered" wait_for 10 test -e "$WS/api.recovered"

check "a check slower than its interval is an overrun" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' --json health slow | grep -q '\"overruns\":[1-9]'"
check "the overrun is logged" grep -q "check still running" "$WS/log/slow.log"
check "a hung check turns the monitor UNKNOWN" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' --json health hung | grep -q 'check timed out after 300 ms'"

check "both queued recoveries finish" wait_for 15 sh -c "test -e '$WS/fixed.a' && test -e '$WS/fixed.b'"
check "never more than one at once (max_concurrent_recoveries = 1)" test "$(cat "$WS/max")" -eq 1
check "the wait for a slot is logged" grep -q "waiting for a recovery slot" "$WS/log/system.log"

# The fix script's file appears just before its recovery is reported done:
# wait for the slot to be free, or the operator's try is only queued.
check "no recovery in flight" wait_for 10 sh -c "! '$CTL' -s '$WS/control.sock' --json status | grep -q '\"recovering\":true'"
# a stays OK (fixed.a is kept): had the file gone, the engine's own
# recovery could start first and the operator's would be refused as one
# already running (seen under ASan on a loaded machine). --force runs the
# action on an OK target; runs.a counts that it did.
runs0=$(wc -l <"$WS/runs.a")
out=$(ctl recover --force --wait a a 2>&1)
check "recover --wait MONITOR TARGET answers when the action is done ($(echo "$out" | head -n 2 | tr '\n' ' '))" sh -c "echo '$out' | grep -q 'succeeded'"
check "and the action ran once more" test "$(wc -l <"$WS/runs.a")" -eq $((runs0 + 1))
check "the operator's recovery is journaled with the uid" grep -q '"kind":"control","monitor":"a","target":"a","msg":"recover a a --force","uid":' "$WS/log/journal.jsonl"
ctl recover nosuch >"$WS/r.out" 2>&1
check "recover of an unknown monitor fails with a message" sh -c "test $? -ne 0 && grep -q \"no monitor named 'nosuch'\" '$WS/r.out'"
check "the daemon stops cleanly with a check in flight" stop_daemon
finish
