#!/bin/sh
# records_logrotate: logrotate moves journal.jsonl to journal.jsonl.1 and
# sends SIGUSR1; the daemon must write its next records to a new
# journal.jsonl, and "redundancyctl history" (which reads the journal)
# must show them. Right after the rotation history also shows the last
# records of journal.jsonl.1. It used to keep writing to the moved file,
# and history came back empty.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
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

journal="$WS/log/journal.jsonl"
check "the daemon starts" start_daemon
check "the start is journaled" wait_for 5 grep -q '"kind":"start"' "$journal"

# An incident before the rotation.
touch "$WS/down"
check "the first incident is repaired" wait_for 10 grep -q '"kind":"recovered","monitor":"svc"' "$journal"

# logrotate with create: move, new empty file, SIGUSR1.
mv "$journal" "$journal.1"
mv "$WS/log/system.log" "$WS/log/system.log.1"
: >"$journal"
kill -USR1 "$DPID"
check "SIGUSR1 is acknowledged in the new system.log" wait_for 5 grep -q "SIGUSR1: log files reopened" "$WS/log/system.log"
ctl --json history >"$WS/h0.json" 2>/dev/null
check "history right after the rotation shows the last incident (from journal.jsonl.1)" \
    grep -q '"kind":"recovered","monitor":"svc"' "$WS/h0.json"

# An event after the rotation.
touch "$WS/down"
check "the new incident goes to the new journal.jsonl" wait_for 10 grep -q '"kind":"recovered","monitor":"svc"' "$journal"
check "nothing more went to journal.jsonl.1" test "$(grep -c '"kind":"recovered"' "$journal.1")" -eq 1
check "history shows the new incident" wait_for 5 sh -c "'$CTL' -s '$WS/control.sock' --json history | grep -o '\"kind\":\"recovered\",\"monitor\":\"svc\"' | wc -l | grep -qx 2"
check "history in text form names it" sh -c "'$CTL' -s '$WS/control.sock' history | grep -q 'recovered.*svc'"
check "every line of both journals parses" python3 -c '
import json, sys
for p in sys.argv[1:]:
    for l in open(p):
        json.loads(l)
' "$journal" "$journal.1"

# A second rotation: journal.jsonl.1 now holds only the newer incident.
mv "$journal" "$journal.1"
: >"$journal"
kill -USR1 "$DPID"
check "the second SIGUSR1 is acknowledged" wait_for 5 sh -c "test \"\$(grep -c 'SIGUSR1: log files reopened' '$WS/log/system.log')\" -eq 2"
ctl reload >/dev/null 2>&1
check "a reload after the second rotation is journaled in the newest file" wait_for 5 grep -q '"kind":"reload"' "$journal"
check "history shows the reload" sh -c "'$CTL' -s '$WS/control.sock' --json history | grep -q '\"kind\":\"reload\"'"
check "the daemon stops cleanly" stop_daemon
finish
