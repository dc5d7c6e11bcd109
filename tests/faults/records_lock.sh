#!/bin/sh
# records_lock: two daemons on one state_dir would overwrite each other's
# counters and both repair the same targets. The second refuses to start
# (exit 3), naming the pid of the first, even with its own pidfile, socket
# and log directory; the lock dies with the first, even by SIGKILL.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "svc"; plugin = "exec"; interval = "1s";
	  command = ["/bin/true"]; }
);
CONF
} >"$WS/redundancyd.conf"
# The second configuration shares only state_dir.
sed -e "s|$WS/log|$WS/log2|" -e "s|$WS/control.sock|$WS/control2.sock|" \
    -e "s|$WS/redundancyd.pid|$WS/second.pid|" \
    "$WS/redundancyd.conf" >"$WS/second.conf"

check "the first daemon starts" start_daemon
first=$DPID
check "the lock file holds its pid" wait_for 5 grep -qx "$first" "$WS/state/redundancyd.lock"

timeout 10 "$RDD" -f -c "$WS/second.conf" >"$WS/second.out" 2>&1
rc=$?
check "the second daemon exits 3 (exit $rc)" test "$rc" -eq 3
check "it names the state_dir and the first one's pid" \
    grep -q "state_dir $WS/state is locked by pid $first (another redundancyd): stop it or use another state_dir" "$WS/second.out"
check "it opened no control socket" test ! -e "$WS/control2.sock"
check "the first daemon still answers" ctl status
check "the first daemon's lock file still names it" grep -qx "$first" "$WS/state/redundancyd.lock"

# Daemon mode: the parent reports the child's refusal. (Should one start
# anyway, it is stopped at the end.)
EXTRA_CLEANUP='[ -s "$WS/second.pid" ] && kill -TERM "$(cat "$WS/second.pid")" 2>/dev/null'
"$RDD" -c "$WS/second.conf" >"$WS/second-bg.out" 2>&1
rc=$?
check "in daemon mode the second exits 3 too (exit $rc)" test "$rc" -eq 3
check "and says why on the terminal" grep -q "is locked by pid $first" "$WS/second-bg.out"

kill -9 "$first"
wait "$first" 2>/dev/null
DPID=""
check "after SIGKILL of the first, a daemon starts on the same state_dir" start_daemon
check "and the lock file names the new one" wait_for 5 grep -qx "$DPID" "$WS/state/redundancyd.lock"
check "the daemon stops cleanly" stop_daemon
finish
