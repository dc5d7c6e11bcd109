#!/bin/sh
# interrupted_recovery: a daemon SIGKILLed during a recovery command (master
# and worker at once) leaves it running; the restarted daemon journals the action as interrupted and
# stops what it left (its process group) before attempt 2, so two recovery
# commands of one target never overlap. A reload during a recovery ends it
# with a journaled result, never silently; so does a worker crash, and what
# the action left running is stopped before the next attempt.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
# The recovery notes its pid, reports an overlap if another one still
# runs, and waits for the test's go before it fixes the service.
rec='if [ -f @WS@/running ] \&\& kill -0 $(cat @WS@/running) 2>/dev/null; then echo OVERLAP >>@WS@/overlap; fi; echo $$ >@WS@/running; echo $$ >>@WS@/starts; while [ ! -f @WS@/go ]; do sleep 0.05; done; rm -f @WS@/running; touch @WS@/fixed'
{
	conf_head | sed 's|max_attempts = 3;|max_attempts = 6;|'
	cat <<'CONF' | sed -e "s|@REC@|$rec|" -e "s|@WS@|$WS|g"
monitors = (
	{ name = "svc"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "[ -f @WS@/fixed ] && echo UP || { echo DOWN; exit 2; }"];
	  recover = ( ["/bin/sh", "-c", "@REC@"] ); recover_timeout = "60s"; }
);
CONF
} >"$WS/redundancyd.conf"

nstarts() {
	[ -f "$WS/starts" ] && wc -l <"$WS/starts" || echo 0
}

start_daemon
check "attempt 1 runs" wait_for 15 sh -c "[ \$(wc -l <'$WS/starts' 2>/dev/null || echo 0) -ge 1 ]"
P1=$(head -n 1 "$WS/starts")
check "the action in flight is in the state, with its process group" \
    wait_for 5 grep -q "recover-1.*$P1:" "$WS/state/state.json"
# The whole daemon dies at once, master and worker (the worker would
# otherwise stop its children when it sees the master gone).
WPID=$(ps -o ppid= -p "$P1" | tr -d ' ')
kill -KILL "$WPID" "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
check "SIGKILL of the daemon leaves the recovery command running" \
    kill -0 "$P1"

start_daemon
check "the restarted daemon stops it" wait_for 15 sh -c "! kill -0 $P1 2>/dev/null"
check "and journals the action as interrupted" wait_for 5 grep -q \
    '"kind":"interrupted","monitor":"svc","target":"svc","msg":"attempt 1: recover-1 had no result' \
    "$WS/log/journal.jsonl"
check "then attempt 2 runs" wait_for 15 sh -c "[ \$(wc -l <'$WS/starts') -ge 2 ]"
check "never beside attempt 1" test ! -e "$WS/overlap"
check "the state no longer holds the interrupted action" sh -c \
    "! grep -q 'recover-1' '$WS/state/state.json'"

# A reload during attempt 2: the action ends with a journaled result.
cp "$WS/redundancyd.conf" "$WS/redundancyd.conf.new"
sed -i 's|interval = "200ms";|interval = "250ms";|' "$WS/redundancyd.conf"
P2=$(sed -n 2p "$WS/starts")
check "reload during a recovery" ctl reload
check "the cancelled action is journaled with a result" wait_for 10 grep -q \
    '"kind":"result","monitor":"svc","target":"svc","msg":"attempt 2: recover-[0-9] cancelled.*reload' \
    "$WS/log/journal.jsonl"
check "and what it ran is stopped" wait_for 10 sh -c "! kill -0 $P2 2>/dev/null"
check "before the next attempt starts" wait_for 15 sh -c "[ \$(wc -l <'$WS/starts') -ge 3 ]"
check "still no overlap" test ! -e "$WS/overlap"

# The worker dies during attempt 3: what the action started is stopped
# before attempt 4, which never runs beside it.
P3=$(sed -n 3p "$WS/starts")
kill -KILL "$(ps -o ppid= -p "$P3" | tr -d ' ')"
check "a worker killed during an action journals its result" wait_for 10 grep -q \
    '"kind":"result","monitor":"svc","target":"svc","msg":"attempt 3: recover-[0-9] failed.*: exec worker killed by SIGKILL .*stopped before the next attempt' \
    "$WS/log/journal.jsonl"
check "and stops what the action left" wait_for 10 sh -c "! kill -0 $P3 2>/dev/null"
check "attempt 4 runs once the worker is back" wait_for 20 sh -c "[ \$(wc -l <'$WS/starts') -ge 4 ]"
check "no overlap after the crash either" test ! -e "$WS/overlap"
touch "$WS/go"
check "the service is fixed" wait_for 15 "$CTL" -s "$WS/control.sock" status
check "the daemon stops cleanly" stop_daemon
# Every action in the journal has a result or an interruption.
# (A SIGKILL between the result's record and the state's flush can give
# one action both a result and, at the restart, an interruption.)
check "no action without an outcome" python3 - "$WS/log/journal.jsonl" <<'PY'
import json, re, sys
acted, outcome = set(), set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("monitor") != "svc":
        continue
    m = re.match(r"attempt (\d+): ", r.get("msg", ""))
    if not m:
        continue
    if r["kind"] == "action":
        acted.add(m.group(1))
    elif r["kind"] in ("result", "interrupted"):
        outcome.add(m.group(1))
sys.exit(0 if acted and acted <= outcome else 1)
PY
finish
