#!/bin/sh
# recover_typo_target (issue 9, item 7): `redundancyctl recover MONITOR
# typo-target` ran the recovery against a healthy service. Now a target that
# is not reported, OK or UNKNOWN is refused (exit 2, the monitor's targets
# named) and nothing runs, unless --force.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "web"; plugin = "exec"; interval = "200ms"; target = "api";
	  command = ["/bin/sh", "-c", "echo 'API OK'"];
	  recover = ( ["/usr/bin/touch", "$WS/web.recovered"] ); },
	{ name = "odd"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "echo 'ODD UNKNOWN: no data'; exit 3"];
	  recover = ( ["/usr/bin/touch", "$WS/odd.recovered"] ); }
);
CONF
} >"$WS/redundancyd.conf"

# ran_for MONITOR: the journal has an action for it (written as an attempt
# starts, before any reply: its absence right after a reply is proof).
ran_for() {
	grep '"kind":"action"' "$WS/log/journal.jsonl" 2>/dev/null |
	    grep -q "\"monitor\":\"$1\""
}

not_ran_for() {
	! ran_for "$1"
}

start_daemon
check "web/api is OK" wait_for 10 ctl health web
check "odd is UNKNOWN" wait_for 10 sh -c \
    "'$CTL' -s '$WS/control.sock' health odd; test \$? -eq 3"

ctl recover web typo-target >"$WS/out" 2>"$WS/err"
rc=$?
check "recover of a typo target exits 2 ($rc)" test "$rc" -eq 2
check "the error names the monitor, the typo and the targets" grep -q \
    "monitor 'web' has no target 'typo-target'; its targets: api" "$WS/err"
check "no recovery started for the typo" not_ran_for web
check "the recovery command never ran" test ! -e "$WS/web.recovered"

ctl recover web api >"$WS/out" 2>"$WS/err"
rc=$?
check "recover of an OK target exits 2 ($rc)" test "$rc" -eq 2
check "the error says it is OK and how to force it" grep -q \
    "target 'api' is OK: nothing to recover; use --force to recover it anyway" \
    "$WS/err"
ctl recover web >"$WS/out" 2>"$WS/err"
rc=$?
check "recover of a monitor with only OK targets exits 2 ($rc)" test "$rc" -eq 2
check "the error lists the targets and their states" grep -q \
    "monitor 'web' has nothing to recover: its targets: api (OK)" "$WS/err"
check "still no recovery of web" not_ran_for web
check "the recovery command still never ran" test ! -e "$WS/web.recovered"

ctl recover odd odd >"$WS/out" 2>"$WS/err"
rc=$?
check "recover of an UNKNOWN target exits 2 ($rc)" test "$rc" -eq 2
check "the error says it is UNKNOWN, and why" grep -q \
    "target 'odd' is UNKNOWN (ODD UNKNOWN: no data): nothing says it needs a recovery; use --force" \
    "$WS/err"
check "no recovery of odd" not_ran_for odd
check "the recovery command of odd never ran" test ! -e "$WS/odd.recovered"
check "the refusal is marked in the JSON reply" sh -c \
    "'$CTL' -s '$WS/control.sock' --json recover web typo-target | grep -q '\"refused\":true'"
ctl recover nosuch >"$WS/out" 2>"$WS/err"
rc=$?
check "recover of an unknown monitor exits 2 ($rc)" test "$rc" -eq 2

ctl recover --force --wait web api >"$WS/out" 2>"$WS/err"
rc=$?
check "recover --force of the OK target runs it ($rc)" test "$rc" -eq 0
check "its recovery command ran" test -e "$WS/web.recovered"
check "the reply is its result" grep -q "web/api: attempt 1: recover-1 succeeded" "$WS/out"
check "the forced recovery is journaled as such" grep -q \
    '"kind":"control","monitor":"web","target":"api","msg":"recover web api --force"' \
    "$WS/log/journal.jsonl"
check "recover --force of the UNKNOWN target runs it" ctl recover --force odd odd
check "its recovery command ran" wait_for 10 test -e "$WS/odd.recovered"

check "daemon stops on SIGTERM with status 0" stop_daemon
finish
