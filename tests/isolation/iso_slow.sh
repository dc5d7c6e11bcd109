#!/bin/sh
# iso_slow: a check that blocks 5 s once is slow, not stalled (stall_timeout
# stays 10 s): the worker keeps running, the slow callback is logged with
# its duration and counted; the daemon keeps checking the exec monitor.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins bad_slow
iso_conf bad_slow 1s
iso_listed bad_slow
iso_start

check "bad reports t OK before misbehaving" \
    dwait 10 grep -q "t: UNKNOWN -> OK" "$WS/log/bad.log"
T0=$(now_ns)
# A line that says slow and gives a duration of about 5 s.
slow_rx='slow.*(\b[5-9][0-9]{3} ?ms\b|\b[5-9](\.[0-9]+)? ?s\b)'
check "bad.log has the slow callback with its duration" \
    dwait 15 grep -Eqi "$slow_rx" "$WS/log/bad.log"
need_alive "after the slow callback"
grep -Ei "slow" "$WS/log/bad.log" | sed 's/^/# bad.log: /'
check "system.log has it too" grep -Eqi "$slow_rx" "$WS/log/system.log"
check "status: slow_callbacks of bad_slow >= 1" \
    dwait 5 st 'wk("bad_slow").get("slow_callbacks", 0) >= 1'
check "monitor bad reports OK again after the slow check" \
    dwait 10 st 'mon("bad").get("state_name") == "OK" and tgt("bad", "t").get("state_name") == "OK"'
observe "$T0" 8
survives "$T0"
check "slow is not stalled: no worker-stall record" \
    test "$(jcount worker-stall)" -eq 0
check "nor a crash" test "$(jcount worker-crash)" -eq 0
check "the bad_slow worker was never restarted" \
    st 'wk("bad_slow").get("state") == "running" and wk("bad_slow").get("restarts") == 0'
iso_stop
finish
