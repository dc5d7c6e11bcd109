#!/bin/sh
# ctrl_c: Ctrl-C in a terminal sends SIGINT to the whole foreground group,
# daemon and workers alike. The daemon stops them itself: it exits 0 and
# journals a stop, and no worker (plugin or alerts) is journaled as having
# crashed of the SIGINT.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"

command -v setsid >/dev/null || { echo "SKIP: setsid missing"; exit 77; }
http_sink hook || exit 1
P=$(cat "$WS/hook.port")
alerts_conf "{ name = \"hook\"; type = \"webhook\"; url = \"http://127.0.0.1:$P/hook\"; }" || exit 1
# The daemon leads a group of its own, as a shell's foreground job does.
setsid "$RDD" -f -c "$WS/redundancyd.conf" >"$WS/daemon.out" 2>&1 &
DPID=$!
check "the daemon answers" wait_for 10 "$CTL" -s "$WS/control.sock" logs -n 1
check "the alerts worker runs" ctl alerts test hook
check "and delivers" wait_for 10 test -s "$WS/hook.log"
workers=$(pgrep -g "$DPID" | grep -vx "$DPID" | wc -l)
check "the workers share the daemon's group ($workers)" test "$workers" -ge 2
kill -INT -- "-$DPID"
wait "$DPID"
rc=$?
DPID=""
check "the daemon exits 0 on the group's SIGINT" test $rc -eq 0
check "it journals its stop" grep -q '"kind":"stop"' "$WS/log/journal.jsonl"
check "no worker is journaled as crashed" sh -c "! grep -q '\"kind\":\"worker-crash\\|crashed: SIGINT' '$WS/log/journal.jsonl' '$WS/log/system.log'"
finish
