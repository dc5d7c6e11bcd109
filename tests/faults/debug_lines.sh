#!/bin/sh
# debug_lines: -d and DEBUG_REDUNDANCY=1 add lines from the core at the
# decisions that matter (scheduling, checks, observations and state
# changes, queueing and recovery decisions, worker messages); without
# either, no DEBUG line is written.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
# A target that is down until its recovery creates the fix file; the
# recovery stays in flight until the test says go, so the checks in
# between meet it (a decision the debug trail must show).
chk="[ -f '$WS/fixed' ] && echo UP || { echo DOWN; exit 2; }"
{
	conf_head | sed 's|max_attempts = 3; delay = "100ms";|max_attempts = 3; delay = "100ms"; hard_after = 1;|'
	cat <<CONF
monitors = (
	{ name = "svc"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "$chk"];
	  recover = ( ["/bin/sh", "-c", "while [ ! -f '$WS/go' ]; do sleep 0.05; done; touch '$WS/fixed'"] ); }
);
CONF
} >"$WS/redundancyd.conf"

# run_case NAME ENV...: one daemon run until the target is fixed.
run_case() {
	name=$1
	shift
	rm -f "$WS/fixed" "$WS/go"
	rm -rf "$WS/log" "$WS/state"
	# shellcheck disable=SC2086 # EXTRA is empty or one flag
	env "$@" "$RDD" -f -c "$WS/redundancyd.conf" $EXTRA >"$WS/daemon.out" 2>&1 &
	DPID=$!
	wait_for 15 grep -q "svc: recovering" "$WS/log/system.log"
	[ "$name" = none ] ||
		wait_for 15 grep -q "no recovery now: an action is in flight" "$WS/log/system.log"
	touch "$WS/go"
	wait_for 15 grep -q "OK: UP" "$WS/log/system.log"
	stop_daemon
	cp "$WS/log/system.log" "$WS/$name.log"
}

has() {
	grep -q " DEBUG .*$1" "$WS/$2.log"
}

EXTRA=-d run_case flag DEBUG_REDUNDANCY=0
EXTRA= run_case env DEBUG_REDUNDANCY=1
EXTRA= run_case none DEBUG_REDUNDANCY=0
for c in flag env; do
	check "$c: scheduling" has "next check in" "$c"
	check "$c: a check sent to its worker" has "check started in worker exec" "$c"
	check "$c: a check done" has "check done in" "$c"
	check "$c: worker messages" has "worker exec (pid [0-9]*): <- report of monitor svc target svc" "$c"
	check "$c: observations" has "svc: observed CRITICAL (hard" "$c"
	check "$c: monitor state changes" has "monitor state CRITICAL -> OK" "$c"
	check "$c: recovery decisions" has "svc: no recovery now: an action is in flight" "$c"
done
check "without -d or DEBUG_REDUNDANCY no DEBUG line" sh -c "! grep -q ' DEBUG ' '$WS/none.log'"
check "but the same run was logged" grep -q "svc: recovering" "$WS/none.log"
finish
