#!/bin/sh
# logrotate_real: the shipped logrotate snippet (etc/redundancyd.logrotate,
# as built) run by the real logrotate against a running daemon, its paths
# moved into the workspace: the daemon is signalled through the pidfile
# path the unit and the init script use, reopens its files, writes the
# next incident to the new journal, and `redundancyctl history` shows both.
. "${top_srcdir:-.}/tests/integration/lib.sh"

if ! command -v logrotate >/dev/null 2>&1 && [ ! -x /usr/sbin/logrotate ]; then
	echo "logrotate missing: scripts/bootstrap installs it"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
LR=$(command -v logrotate || echo /usr/sbin/logrotate)
SNIP="$B/etc/logrotate/redundancyd"
check "the unit, the init script and logrotate name one pidfile" sh -c "
	grep -q '/run/redundancyd/redundancyd.pid' '$SNIP' &&
	grep -q 'PIDFILE=/run/redundancyd/redundancyd.pid' '$B/etc/redundancyd' &&
	grep -q -- '-p /run/redundancyd/redundancyd.pid' '$B/etc/redundancyd.service'"

plugins "$WS/plugins" exec || exit 99
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "svc"; plugin = "exec"; interval = "100ms";
	  command = ["/bin/sh", "-c", "test -e '$WS/down' && { echo 'SVC CRITICAL: down'; exit 2; }; echo 'SVC OK'"];
	  recover = ( ["/bin/sh", "-c", "rm -f '$WS/down'"] ); }
);
CONF
} >"$WS/redundancyd.conf"
# The shipped snippet, its two paths moved here; "create 0640 root adm"
# needs that group, and su lets logrotate act in a directory we own.
sed -e "s|/var/log/redundancyd|$WS/log|g" \
    -e "s|/run/redundancyd/redundancyd.pid|$WS/redundancyd.pid|g" \
    -e "s|create 0640 root adm|create 0640 $(id -un) $(id -gn)|" \
    "$SNIP" >"$WS/lr.conf"
printf 'su %s %s\n' "$(id -un)" "$(id -gn)" | cat - "$WS/lr.conf" >"$WS/lr.conf2"
mv "$WS/lr.conf2" "$WS/lr.conf"
journal="$WS/log/journal.jsonl"

check "the daemon starts" start_daemon
touch "$WS/down"
check "an incident before the rotation" wait_for 10 grep -q '"kind":"recovered","monitor":"svc"' "$journal"
"$LR" -f -s "$WS/lr.state" "$WS/lr.conf" >"$WS/lr.out" 2>&1
rc=$?
check "logrotate runs the shipped snippet ($(head -c 200 "$WS/lr.out"))" test $rc -eq 0
check "journal.jsonl.1 is the old journal (delaycompress)" grep -q '"kind":"recovered","monitor":"svc"' "$journal.1"
check "the daemon was told through the pidfile: it reopened" wait_for 5 grep -q "SIGUSR1: log files reopened" "$WS/log/system.log"
touch "$WS/down"
check "the next incident goes to the new journal.jsonl" wait_for 10 grep -q '"kind":"recovered","monitor":"svc"' "$journal"
check "history shows both incidents" wait_for 5 sh -c "'$CTL' -s '$WS/control.sock' --json history | grep -o '\"kind\":\"recovered\",\"monitor\":\"svc\"' | wc -l | grep -qx 2"
# A second run: .1 is compressed to .2.gz, and the daemon is told again.
"$LR" -f -s "$WS/lr.state" "$WS/lr.conf" >"$WS/lr.out" 2>&1
check "a second rotation compresses the older one" test -s "$journal.2.gz"
check "and is acknowledged" wait_for 5 sh -c "test \"\$(grep -c 'SIGUSR1: log files reopened' '$WS/log/system.log')\" -ge 1"
check "history still shows the latest incident" sh -c "'$CTL' -s '$WS/control.sock' --json history | grep -q '\"kind\":\"recovered\",\"monitor\":\"svc\"'"
check "the daemon stops cleanly" stop_daemon
# A stale pidfile naming a live process that is not the daemon: untouched.
sleep 300 &
VICTIM=$!
echo "$VICTIM" >"$WS/redundancyd.pid"
echo more >>"$journal"
"$LR" -f -s "$WS/lr.state" "$WS/lr.conf" >"$WS/lr.out" 2>&1
# It dies of our SIGTERM (143), not of a SIGUSR1 sent before it (138).
kill -TERM "$VICTIM"
wait "$VICTIM"
check "a stale pidfile's process gets no SIGUSR1" test $? -eq 143
finish
