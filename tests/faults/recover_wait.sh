#!/bin/sh
# recover_wait (issue 9, item 7): `recover` answered "started" even when the
# attempt then failed. Without --wait it still answers at the start (and
# says where the result goes); with --wait it answers with the result:
# exit 0 succeeded, 1 failed (the message on stderr), 3 no result within
# --timeout.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
# WARNING targets: recoverable by an operator, never by the engine, so no
# automatic attempt races the operator's.
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "bad"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "echo 'BAD WARNING: degraded'; exit 1"];
	  recover = ( ["/bin/sh", "-c", "echo 'cannot fix: disk full'; exit 1"] ); },
	{ name = "good"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "echo 'GOOD WARNING: degraded'; exit 1"];
	  recover = ( ["/bin/sh", "-c", "touch '$WS/good.fixed'; echo fixed"] ); },
	{ name = "slow"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "echo 'SLOW WARNING: degraded'; exit 1"];
	  recover = ( ["/bin/sh", "-c", "while [ ! -e '$WS/slow.go' ]; do sleep 0.05; done; echo 'slow fix done'"] ); }
);
CONF
} >"$WS/redundancyd.conf"

warning() {
	"$CTL" -s "$WS/control.sock" health "$1" >/dev/null 2>&1
	[ $? -eq 1 ]
}

start_daemon
for m in bad good slow; do
	check "$m is WARNING" wait_for 10 warning "$m"
done

ctl recover --wait bad bad >"$WS/out" 2>"$WS/err"
rc=$?
check "recover --wait of a failing action exits 1 ($rc)" test "$rc" -eq 1
check "its message is the result" grep -q \
    "bad/bad: attempt 1: recover-1 failed in [0-9]* ms: recover-1: .* exited 1: cannot fix: disk full" \
    "$WS/err"

ctl recover --wait good good >"$WS/out" 2>"$WS/err"
rc=$?
check "recover --wait of a succeeding action exits 0 ($rc)" test "$rc" -eq 0
check "its message is the result" grep -q \
    "good/good: attempt 1: recover-1 succeeded in [0-9]* ms: recover-1: .* exited 0: fixed" \
    "$WS/out"
check "the action ran" test -e "$WS/good.fixed"

ctl recover --wait bad >"$WS/out" 2>"$WS/err"
rc=$?
check "recover --wait of a whole monitor whose action fails exits 1 ($rc)" test "$rc" -eq 1

ctl recover bad bad >"$WS/out" 2>"$WS/err"
rc=$?
check "recover without --wait answers at the start, exit 0 ($rc)" test "$rc" -eq 0
check "it says it started and where the result goes" grep -q \
    "recovery of bad/bad started: attempt [0-9]*, recover-[0-9]; its result: redundancyctl history" \
    "$WS/out"
check "the journal gets its failed result" wait_for 10 sh -c \
    "grep '\"kind\":\"result\"' '$WS/log/journal.jsonl' | grep -c '\"monitor\":\"bad\"' | grep -qx 3"

ctl recover --wait --timeout 500ms slow slow >"$WS/out" 2>"$WS/err"
rc=$?
check "no result within --timeout exits 3 ($rc)" test "$rc" -eq 3
check "it says the recovery goes on" grep -q \
    "no result within 500 ms; the recovery goes on: see redundancyctl history" \
    "$WS/err"
ctl recover --wait slow slow >"$WS/out" 2>"$WS/err"
rc=$?
check "a second recover while it runs is refused, exit 2 ($rc)" test "$rc" -eq 2
check "it says one is running" grep -q "slow/slow: a recovery is already running" "$WS/err"
touch "$WS/slow.go"
check "the slow attempt's result reaches the journal" wait_for 10 sh -c \
    "grep '\"kind\":\"result\"' '$WS/log/journal.jsonl' | grep -q 'slow fix done'"

check "a --timeout that is not a duration is a usage error" sh -c \
    "'$CTL' -s '$WS/control.sock' recover --timeout soon slow slow 2>/dev/null; test \$? -eq 64"

# A stop while an operator waits: the wait is answered, not left hanging.
rm -f "$WS/slow.go"
ctl recover --wait slow slow >"$WS/out" 2>"$WS/err" &
CPID=$!
check "the second attempt of slow starts" wait_for 10 sh -c \
    "test \$(grep '\"kind\":\"action\"' '$WS/log/journal.jsonl' | grep -c '\"monitor\":\"slow\"') -eq 2"
check "daemon stops on SIGTERM with status 0" stop_daemon
wait "$CPID"
rc=$?
check "the waiting client gets an answer: failed, exit 1 ($rc)" test "$rc" -eq 1
check "it says the monitor was stopped" grep -q \
    "slow/slow: the monitor was stopped before the action answered" "$WS/err"
check "the recovery command in flight does not outlive the daemon" sh -c \
    "! pgrep -f '$WS/[s]low.go' >/dev/null"
finish
