#!/bin/sh
# iso_watchdog: under systemd's WatchdogSec the daemon says READY=1 once,
# then WATCHDOG=1 at half the interval while its loop and workers answer;
# with WATCHDOG_PID naming another process it sends none.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "tick"; plugin = "exec"; interval = "500ms";
	  command = ["/bin/true"]; }
);
CONF
} >"$WS/redundancyd.conf"

# A stand-in for systemd's notify socket: every datagram, one per line.
python3 - "$WS/notify.sock" "$WS/notify.out" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "a", buffering=1) as out:
    try:
        while True:
            out.write(s.recv(4096).decode() + "\n")
    except socket.timeout:
        pass
PY
LPID=$!
wait_for 10 test -S "$WS/notify.sock"

count() { grep -c "^$1\$" "$WS/notify.out" 2>/dev/null || true; }
NOTIFY_SOCKET="$WS/notify.sock" WATCHDOG_USEC=400000 start_daemon
check "READY=1 is sent once the daemon listens" wait_for 10 sh -c \
    "grep -q '^READY=1\$' '$WS/notify.out'"
check "WATCHDOG=1 keeps coming (4 pings)" wait_for 10 sh -c \
    "test \$(grep -c '^WATCHDOG=1\$' '$WS/notify.out') -ge 4"
check "the daemon stops cleanly" stop_daemon

: >"$WS/notify.out"
NOTIFY_SOCKET="$WS/notify.sock" WATCHDOG_USEC=400000 WATCHDOG_PID=1 \
    start_daemon
check "READY=1 again" wait_for 10 sh -c "grep -q '^READY=1\$' '$WS/notify.out'"
check "tick is checked" wait_for 10 ctl health tick
check "no WATCHDOG=1 when WATCHDOG_PID names another process" \
    test "$(count WATCHDOG=1)" -eq 0
check "the daemon stops cleanly" stop_daemon
kill "$LPID" 2>/dev/null
finish
