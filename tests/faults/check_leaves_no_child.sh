#!/bin/sh
# check_leaves_no_child (issue 9, item 8): a check command that leaves a
# background child with its output redirected (`sleep 300 >/dev/null 2>&1 &`)
# leaked it at every check, and the leftovers outlived the daemon. Now the
# check's process group is killed when the check exits. A recovery command
# may start a long-lived program (setsid, output redirected): it stays.
. "${top_srcdir:-.}/tests/integration/lib.sh"

# Arguments no other process has: this run's pid makes them unique.
CHECK_SLEEP="300.$$"
RECOVER_SLEEP="301.$$"

# sleeps ARG: how many `sleep ARG` processes exist now.
sleeps() {
	ps -eo args= | awk -v a="$1" '$1 == "sleep" && $2 == a && NF == 2' |
	    wc -l
}

no_sleeps() {
	[ "$(sleeps "$1")" -eq 0 ]
}

one_sleep() {
	[ "$(sleeps "$1")" -eq 1 ]
}

# The pids of `sleep ARG`, to end what the test itself started.
sleep_pids() {
	ps -eo pid=,args= |
	    awk -v a="$1" '$2 == "sleep" && $3 == a && NF == 3 { print $1 }'
}

EXTRA_CLEANUP='for p in $(sleep_pids "$RECOVER_SLEEP") $(sleep_pids "$CHECK_SLEEP"); do kill "$p"; done 2>/dev/null'

plugins "$WS/plugins" exec
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "leaky"; plugin = "exec"; interval = "100ms";
	  command = ["/bin/sh", "-c", "sleep $CHECK_SLEEP >/dev/null 2>&1 & echo 'LEAKY OK'"]; },
	{ name = "starter"; plugin = "exec"; interval = "100ms";
	  command = ["/bin/sh", "-c", "test -e '$WS/started' || { echo 'STARTER CRITICAL: not started'; exit 2; }; echo 'STARTER OK'"];
	  recover = ( ["/bin/sh", "-c", "setsid sleep $RECOVER_SLEEP </dev/null >/dev/null 2>&1 & touch '$WS/started'"] ); }
);
CONF
} >"$WS/redundancyd.conf"

check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
check "the leaky check has run at least 10 times" wait_for 20 sh -c \
    "'$CTL' -s '$WS/control.sock' --json health leaky | grep -q '\"checks\":[1-9][0-9]'"
# A check in flight may own one for a moment; leaked ones would only add up.
check "no background child of the check is left" wait_for 5 no_sleeps "$CHECK_SLEEP"
n=$(sleeps "$CHECK_SLEEP")
check "at most the one of the check in flight exists ($n)" test "$n" -le 1

check "the recovery ran" wait_for 15 test -e "$WS/started"
check "the recovery's setsid program keeps running" wait_for 5 one_sleep "$RECOVER_SLEEP"
check "the starter target is recovered" wait_for 10 ctl health starter

check "daemon stops on SIGTERM with status 0" stop_daemon
check "no check child outlives the daemon" no_sleeps "$CHECK_SLEEP"
check "the recovery's program outlives the daemon, as documented" \
    one_sleep "$RECOVER_SLEEP"
for p in $(sleep_pids "$RECOVER_SLEEP"); do
	kill "$p"
done
check "the test ended the recovery's program" wait_for 5 no_sleeps "$RECOVER_SLEEP"
finish
