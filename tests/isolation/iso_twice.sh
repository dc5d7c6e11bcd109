#!/bin/sh
# iso_twice: a plugin calling check_done twice per check, and report after
# check_done: the daemon survives, ignores what came after the first
# check_done, and logs the misuse once, not once per check.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins bad_twice
iso_conf bad_twice 200ms
iso_listed bad_twice
iso_start

check "bad reports t OK" dwait 10 grep -q "t: UNKNOWN -> OK" "$WS/log/bad.log"
T0=$(now_ns)
check "several checks of bad complete (>= 10)" \
    dwait 15 st 'mon("bad").get("checks", 0) >= 10'
need_answer "after checks that call check_done twice"
misuse() {
	grep -i 'bad_twice' "$1" 2>/dev/null | grep -c 'check_done'
}
grep -i 'check_done' "$WS/log/system.log" | sed 's/^/# system.log: /'
check "system.log names bad_twice and check_done misuse exactly once ($(misuse "$WS/log/system.log"))" \
    test "$(misuse "$WS/log/system.log")" -eq 1
check "bad.log at most once ($(misuse "$WS/log/bad.log"))" \
    test "$(misuse "$WS/log/bad.log")" -le 1
check "the report after check_done is ignored: t stays OK" \
    st 'tgt("bad", "t").get("state_name") == "OK" and mon("bad").get("state_name") == "OK"'
check "it never reached a log" \
    sh -c "! grep -rq 'reported after check_done' '$WS/log'"
observe "$T0" 8
check "still exactly one misuse line after the window ($(misuse "$WS/log/system.log"))" \
    test "$(misuse "$WS/log/system.log")" -eq 1
check "no worker crashed" test "$(jcount worker-crash)" -eq 0
survives "$T0"
iso_stop
finish
