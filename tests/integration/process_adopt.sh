#!/bin/sh
# process_adopt: an owned process with detach = true outlives redundancyd
# and is adopted by the next one (no second copy); one without detach goes
# with the daemon; a crashed worker's successor adopts its processes back;
# a worker ignores the master's signals (pkill -f) and says so, and a
# pkill -f of the whole daemon still stops what it owns; a recorded pid
# that now belongs to another process (other start time) is not ours.
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

# SIGTERM, SIGHUP and SIGUSR1 to the worker alone, as `pkill -f
# redundancyd` sends them to every process of the daemon: the master's to
# act on, so the worker says so and runs on (no crash, no restart).
wk=$(pgrep -P "$DPID" -x 'rdd:process')
crashes() { grep -c '"kind":"worker-crash"' "$WS/log/journal.jsonl"; }
c0=$(crashes)
kill -TERM $wk
check "a SIGTERM to the worker is journaled as ignored, with its sender" \
    wait_for 10 grep -q '"kind":"worker-signal".*process worker ignored SIGTERM from pid [0-9]* (uid [0-9]*): the master stops' "$WS/log/journal.jsonl"
kill -HUP $wk
kill -USR1 $wk
check "so are SIGHUP and SIGUSR1" wait_for 10 sh -c "grep -q 'ignored SIGHUP from' '$WS/log/journal.jsonl' && grep -q 'ignored SIGUSR1 from' '$WS/log/journal.jsonl'"
check "the system log names the fix" grep -q "worker process: process worker ignored SIGTERM .*signal only the pid in the daemon's pidfile" "$WS/log/system.log"
check "the same worker runs on" test "$(pgrep -P "$DPID" -x 'rdd:process')" = "$wk"
check "no crash was counted" test "$(crashes)" -eq "$c0"
check "nothing was killed by them" sh -c "! grep -q 'killed by SIG\(TERM\|HUP\|USR1\)' '$WS/log/journal.jsonl'"
check "keep is still watched, same pid" sh -c "[ \"\$('$CTL' -s '$WS/control.sock' run keep status | cut -d' ' -f2)\" = '$k1' ]"
g1=$(pgrep -f "^$WS/gonesleep")
kill -9 "$g1"
check "it still sees exits at once" wait_for 5 sh -c "p=\$(pgrep -f '^$WS/gonesleep'); [ -n \"\$p\" ] && [ \"\$p\" != '$g1' ]"
check "no second keep after the signals" test "$(n keepsleep)" -eq 1
check "no second gone after the signals" wait_for 5 test "$(n gonesleep)" -eq 1

# `pkill -f` with the daemon's own command line: master and worker get
# SIGTERM together. The master stops as it would alone, and its worker
# stops what it owns: gone (no detach) must not outlive the daemon.
g2=$(pgrep -f "^$WS/gonesleep")
check "gone runs before the pkill" test -n "$g2"
pkill -TERM -f -- "-c $WS/redundancyd.conf"
wait "$DPID"
rc=$?
DPID=""
check "the daemon exits with status 0 (rc=$rc)" test "$rc" -eq 0
check "gone went with the daemon" wait_for 10 sh -c "! kill -0 $g2 2>/dev/null || grep -q '^State:.*Z' /proc/$g2/status"
check "keep (detach = true) outlived it" kill -0 "$k1"
# A function, not sh -c: a shell's own command line would hold the pattern.
none_left() { test "$(pgrep -f -- "-c $WS/redundancyd.conf" | wc -l)" -eq 0; }
check "no worker is left" wait_for 5 none_left
start_daemon
check "keep adopted again after the pkill" wait_for 10 sh -c "[ \"\$('$CTL' -s '$WS/control.sock' run keep status | cut -d' ' -f2)\" = '$k1' ]"

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
