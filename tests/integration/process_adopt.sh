#!/bin/sh
# process_adopt: an owned process with detach = true outlives redundancyd
# and is adopted by the next one (no second copy); one without detach goes
# with the daemon; a crashed or signalled worker's successor adopts its
# processes back (a SIGTERM is said to be sent, not a crash); a recorded
# pid that now belongs to another process (other start time) is not ours.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" process
cp /bin/sleep "$WS/keepsleep"
cp /bin/sleep "$WS/gonesleep"
cp /bin/sleep "$WS/decoy"
EXTRA_CLEANUP='for p in $(pgrep -f "^$WS/"); do kill -KILL $p; done 2>/dev/null'
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "keep"; plugin = "process"; interval = "1h";
	  command = ["$WS/keepsleep", "1000"]; detach = true; },
	{ name = "gone"; plugin = "process"; interval = "1h";
	  command = ["$WS/gonesleep", "1000"]; }
);
CONF
} >"$WS/redundancyd.conf"

n() { pgrep -f "^$WS/$1" | wc -l; }
pid_of() { ctl run "$1" status | sed -n 's/^pid \([0-9]*\).*/\1/p'; }
start_daemon
check "keep is OK" wait_for 10 ctl health keep
check "gone is OK" wait_for 10 ctl health gone
k1=$(pid_of keep)
check "one keep process" test "$(n keepsleep)" -eq 1

check "daemon stops on SIGTERM with status 0" stop_daemon
check "detach = true: the process outlived the daemon" kill -0 "$k1"
check "detach = false: the process went with it" wait_for 5 test "$(n gonesleep)" -eq 0

start_daemon
check "keep is OK after the restart" wait_for 10 ctl health keep
check "the same pid was adopted" test "$(pid_of keep)" = "$k1"
check "no second copy" test "$(n keepsleep)" -eq 1
check "the adoption is journaled" grep -q '"kind":"process-adopt".*"monitor":"keep"' "$WS/log/journal.jsonl"
check "gone was started again, once" wait_for 5 test "$(n gonesleep)" -eq 1

# The worker dies; its successor must adopt, not start copies. Ours only
# (pgrep -P): other tests run their own workers beside this one.
wk=$(pgrep -P "$DPID" -x 'rdd:process')
check "the plugin worker is found" test -n "$wk"
kill -9 $wk
check "a new worker runs" wait_for 10 sh -c "p=\$(pgrep -P $DPID -x 'rdd:process'); [ -n \"\$p\" ] && [ \"\$p\" != '$wk' ]"
check "keep OK under the new worker" wait_for 10 sh -c "[ \"\$('$CTL' -s '$WS/control.sock' run keep status | cut -d' ' -f2)\" = '$k1' ]"
check "no second keep after the worker crash" test "$(n keepsleep)" -eq 1
check "no second gone after the worker crash" wait_for 5 test "$(n gonesleep)" -eq 1
g1=$(pgrep -f "^$WS/gonesleep")
kill -9 "$g1"
check "the new worker still sees exits at once" wait_for 5 sh -c "p=\$(pgrep -f '^$WS/gonesleep'); [ -n \"\$p\" ] && [ \"\$p\" != '$g1' ]"

# SIGTERM to the worker, as `pkill -f redundancyd` sends it: said to be a
# signal from outside, not a plugin crash, and still no second copy.
wk=$(pgrep -P "$DPID" -x 'rdd:process')
kill -TERM $wk
check "a SIGTERM to the worker is journaled as sent, not as a crash" \
    wait_for 10 grep -q 'process worker killed by SIGTERM while idle (between callbacks): sent by another process or the kernel, not raised by the plugin' "$WS/log/journal.jsonl"
check "and not as 'plugin crashed'" sh -c "! grep -q 'crashed: SIGTERM' '$WS/log/journal.jsonl'"
check "a new worker runs after the SIGTERM" wait_for 10 sh -c "p=\$(pgrep -P $DPID -x 'rdd:process'); [ -n \"\$p\" ] && [ \"\$p\" != '$wk' ]"
check "keep OK after the SIGTERM" wait_for 10 sh -c "[ \"\$('$CTL' -s '$WS/control.sock' run keep status | cut -d' ' -f2)\" = '$k1' ]"
check "no second keep after the SIGTERM" test "$(n keepsleep)" -eq 1
check "no second gone after the SIGTERM" wait_for 5 test "$(n gonesleep)" -eq 1

# A recorded pid that is alive but started at another time is not ours.
check "daemon stops again" stop_daemon
kill -9 "$k1"
"$WS/decoy" 1000 &
decoy=$!
sf=$(grep -l '"keep"' "$WS"/state/* 2>/dev/null | head -n 1)
check "the state file records keep's pid" test -n "$sf"
python3 - "$sf" "$decoy" <<'PY'
import json, sys
path, pid = sys.argv[1], sys.argv[2]
with open(path) as f:
    st = json.load(f)
st["scopes"]["keep"]["pid"] = pid + " 1"
with open(path, "w") as f:
    json.dump(st, f)
PY
start_daemon
check "keep runs again" wait_for 10 ctl health keep
check "the decoy was not adopted" sh -c "[ \"\$('$CTL' -s '$WS/control.sock' run keep status | cut -d' ' -f2)\" != '$decoy' ]"
check "a new keep process was started" test "$(n keepsleep)" -eq 1
check "the decoy was left alone" kill -0 "$decoy"
kill "$decoy"
check "daemon stops" stop_daemon
finish
