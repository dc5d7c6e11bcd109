#!/bin/sh
# valgrind_daemon: the daemon runs a detection, a recovery, status, logs,
# history, a reload and a stop under valgrind, which must report no error
# and no definite leak. Not part of the sanitizer build (ASan and valgrind
# do not mix).
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "flag"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "test -e '$WS/flag' && echo 'FLAG OK | n=1' || { echo 'FLAG CRITICAL'; exit 2; }"];
	  recover = ( ["/usr/bin/touch", "$WS/flag"] ); }
);
CONF
} >"$WS/redundancyd.conf"
touch "$WS/flag"
valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
	--error-exitcode=42 --log-file="$WS/valgrind.log" \
	"$RDD" -f -c "$WS/redundancyd.conf" >"$WS/daemon.out" 2>&1 &
DPID=$!
check "the daemon starts under valgrind" wait_for 60 ctl logs -n 1
check "flag is OK" wait_for 30 ctl health flag
rm -f "$WS/flag"
check "the daemon restores the flag" wait_for 30 grep -q '"kind":"recovered"' "$WS/log/journal.jsonl"
ctl --json status >/dev/null 2>&1
ctl history --since 1h >/dev/null 2>&1
ctl logs -n 3 flag >/dev/null 2>&1
kill -HUP "$DPID"
check "reload under valgrind" wait_for 30 grep -q '"kind":"reload"' "$WS/log/journal.jsonl"
ctl recover flag typo >/dev/null 2>&1
ctl recover --force --wait flag flag >/dev/null 2>&1
ctl recover --force --wait --timeout 1ms flag flag >/dev/null 2>&1
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=""
check "valgrind found no error and no leak (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$WS/valgrind.log"
finish
